"""Data keys for envelope encryption: made and opened by KMS, never stored in plaintext.

`generate` asks for a fresh 256-bit key and gets it twice: in plaintext, to use in memory
and forget, and encrypted under the configured KMS key, to keep (in scratch). `decrypt`
turns the encrypted copy back into the key. Both name an encryption context (the resource
and tenant the key is for): KMS binds the encrypted key to it, so a key kept for one
resource does not decrypt as another's, and CloudTrail logs every use with it.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from project_factory.errors import DomainError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

#: KMS failures worth another attempt (on top of throttling and 5xx, see aws_errors).
_KMS_TRANSIENT = frozenset({"KMSInternalException", "DependencyTimeoutException"})
#: The encrypted key does not decrypt with this context (or was changed).
_UNREADABLE = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})


@dataclass(frozen=True)
class DataKey:
    plaintext: bytes = field(repr=False)
    encrypted: bytes


class DataKeys(Protocol):
    def generate(self, context: Mapping[str, str]) -> DataKey:
        """A new data key, bound to `context`."""
        ...

    def decrypt(self, encrypted: bytes, context: Mapping[str, str]) -> bytes:
        """The plaintext of a key `generate` gave out with the same `context`."""
        ...


class KmsDataKeys:
    """Data keys of one KMS key (GenerateDataKey, Decrypt pinned to that key)."""

    def __init__(self, client: "KMSClient", key_id: str) -> None:
        self._kms = client
        self.key_id = key_id

    def generate(self, context: Mapping[str, str]) -> DataKey:
        with _kms_errors():
            answer = self._kms.generate_data_key(
                KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=dict(context)
            )
        return DataKey(plaintext=answer["Plaintext"], encrypted=answer["CiphertextBlob"])

    def decrypt(self, encrypted: bytes, context: Mapping[str, str]) -> bytes:
        with _kms_errors():
            answer = self._kms.decrypt(
                CiphertextBlob=encrypted, KeyId=self.key_id, EncryptionContext=dict(context)
            )
        plaintext: bytes = answer["Plaintext"]
        return plaintext


@contextmanager
def _kms_errors() -> Iterator[None]:
    """Throttling, 5xx and KMS's internal errors are transient; the rest have a code."""
    from botocore.exceptions import ClientError

    from project_factory.adapters.aws_errors import outage_is_transient
    from project_factory.adapters.dynamo import error_code

    try:
        with outage_is_transient("kms"):
            yield
    except ClientError as error:
        code = error_code(error)
        if code in _KMS_TRANSIENT:
            raise TransientError(f"kms unavailable: {code}", aws_code=code) from error
        if code in _UNREADABLE:
            raise DomainError(
                "the run's data key does not decrypt for this resource", code="DATA_KEY_UNREADABLE"
            ) from error
        # Access denied, a disabled or deleted key, a wrong key id: a deployment problem.
        raise DomainError(
            f"the secrets key cannot be used ({code})", code="SECRETS_KEY_UNAVAILABLE"
        ) from error
