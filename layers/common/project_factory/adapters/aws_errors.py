"""AWS failures worth another attempt, as the TransientError the state machines retry."""

from collections.abc import Iterator
from contextlib import contextmanager

from project_factory.adapters.dynamo import error_code
from project_factory.errors import TransientError

TRANSIENT_CODES = frozenset(
    {
        # DynamoDB
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        # S3
        "SlowDown",
        "InternalError",
        "RequestTimeout",
        "503",
        "500",
    }
)


@contextmanager
def outage_is_transient(store: str) -> Iterator[None]:
    """Throttling, 5xx and network failures become TransientError, for the Task retry."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code in TRANSIENT_CODES:
            raise TransientError(f"{store} unavailable: {code}", aws_code=code) from exc
        raise
    except (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    ) as exc:
        raise TransientError(f"{store} unreachable: {exc}") from exc
