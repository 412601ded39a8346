"""moto's Step Functions interpreter, with one boto3 client per service instead of one per task.

moto's ASL interpreter makes a new boto3 client for every Task state it runs
(`boto_client_for`, which every service integration imports by name): about 15 ms of
botocore's model loading each, under the GIL that the handlers share here. A create flow of
10,000 rows ran a hundred Lambda tasks, a second of the stack's CPU spent on clients. The
local stack hands back the client made first for the same service, region, endpoint and
keys (boto3's clients are safe to share between threads; making one is not, so that is done
under a lock). Every client moto asks for has the same configuration (no validation, no
retries, its timeouts), so that is not part of the key.
"""

import threading
from typing import Any

from local.moto_patches import replaced

_installed = False


class _SharedClients:
    """Stands in for the `boto3` module in moto's boto_client: its `client` only."""

    def __init__(self, boto3: Any) -> None:
        self._boto3 = boto3
        self._made: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, **kwargs: Any) -> Any:
        key = tuple(
            kwargs.get(name)
            for name in (
                "service_name",
                "region_name",
                "endpoint_url",
                "aws_access_key_id",
                "aws_secret_access_key",
            )
        )
        with self._lock:
            made = self._made.get(key)
            if made is None:
                made = self._made[key] = self._boto3.client(**kwargs)
            return made


def install() -> None:
    """Replaces the `boto3` that moto's boto_client_for calls (once per process)."""
    global _installed
    if _installed:
        return
    from moto.stepfunctions.parser.asl.utils import boto_client

    replaced(boto_client, "boto_client_for", signature="(region, service, state_credentials=None)")
    boto3 = replaced(boto_client, "boto3")
    boto_client.boto3 = _SharedClients(boto3)  # type: ignore[attr-defined]
    _installed = True
