"""Where the DIGIT auth token comes from: SSM, Secrets Manager or a file, read when needed.

The token is never a plain environment variable of a deployed function (anyone who can
read the function's configuration could read it). `DIGIT_AUTH_TOKEN_SOURCE` names where
it lives; it is read on first use and kept for `DIGIT_AUTH_TOKEN_CACHE_SECONDS`, so a
rotated token is picked up by warm functions without a deploy.
"""

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from project_factory.errors import DomainError
from project_factory.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager.client import SecretsManagerClient
    from mypy_boto3_ssm.client import SSMClient

TokenSource = Callable[[], str]


def token_source(settings: Settings, clock: Callable[[], float] = time.monotonic) -> TokenSource:
    """A callable answering the current token."""
    source = settings.digit_auth_token_source
    if not source:
        token = settings.digit_auth_token
        return lambda: token
    kind, _, name = source.partition(":")
    read = {"ssm": _from_ssm, "secretsmanager": _from_secrets_manager, "file": _from_file}[kind]
    return _Cached(lambda: read(name, settings), settings.digit_auth_token_cache_seconds, clock)


class _Cached:
    def __init__(self, read: TokenSource, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self._read, self._ttl, self._clock = read, ttl_seconds, clock
        self._lock = threading.Lock()
        self._value: str | None = None
        self._until = 0.0

    def __call__(self) -> str:
        with self._lock:
            now = self._clock()
            if self._value is None or now >= self._until:
                self._value = self._read()
                self._until = now + self._ttl
            return self._value


def _from_ssm(name: str, settings: Settings) -> str:
    answer = _ssm(settings).get_parameter(Name=name, WithDecryption=True)
    return _non_empty(str(answer["Parameter"]["Value"]), f"SSM parameter {name}")


def _from_secrets_manager(name: str, settings: Settings) -> str:
    answer = _secrets_manager(settings).get_secret_value(SecretId=name)
    return _non_empty(str(answer.get("SecretString") or ""), f"secret {name}")


def _from_file(name: str, _settings: Settings) -> str:
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as error:
        raise DomainError(
            f"the DIGIT token file {name} cannot be read: {error.strerror}",
            code="DIGIT_TOKEN_UNAVAILABLE",
        ) from error
    return _non_empty(text.strip(), f"file {name}")


def _non_empty(token: str, where: str) -> str:
    if not token:
        raise DomainError(f"the DIGIT token in {where} is empty", code="DIGIT_TOKEN_UNAVAILABLE")
    return token


def _ssm(settings: Settings) -> "SSMClient":
    import boto3

    return boto3.client("ssm", region_name=settings.region)


def _secrets_manager(settings: Settings) -> "SecretsManagerClient":
    import boto3

    return boto3.client("secretsmanager", region_name=settings.region)
