"""Secrets sealed with a data key: AES-256-GCM, each bound to what it belongs to.

A `SecretBox` holds one 256-bit data key (envelope encryption: KMS makes the key and keeps
it only encrypted, see adapters/data_keys.py) and seals short texts such as a user's
one-time password. A sealed text is `v1.<base64 of nonce | ciphertext | tag>`, with a fresh
96-bit random nonce each time. The associated data names the secret's owner (a row's
client reference and the field), so a sealed value copied to another row, or another
field, does not open: the tag fails, and `open` raises SEALED_SECRET_UNREADABLE.

Pure computation: nothing here talks to AWS.
"""

import base64
import secrets

from project_factory.errors import DomainError

KEY_BYTES = 32
_NONCE_BYTES = 12
_VERSION = "v1."


class SealedSecretError(DomainError):
    """A sealed value that does not open with this key and associated data."""

    code = "SEALED_SECRET_UNREADABLE"


class SecretBox:
    """Seals and opens texts with one AES-256-GCM key (kept in memory only)."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        # Imported when used: only the tasks that seal or open load the cryptography wheel.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != KEY_BYTES:
            raise ValueError(f"a data key has {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, plaintext: str, associated: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), associated.encode())
        return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, associated: str) -> str:
        from cryptography.exceptions import InvalidTag

        if not isinstance(sealed, str) or not sealed.startswith(_VERSION):
            raise SealedSecretError("not a sealed value of a known version")
        try:
            raw = base64.b64decode(sealed[len(_VERSION) :], validate=True)
            nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, body, associated.encode()).decode()
        except (InvalidTag, ValueError) as error:
            # A wrong key, another owner's value, or a changed byte: never which one.
            raise SealedSecretError(
                f"a sealed value of {associated} does not open with this run's key"
            ) from error
