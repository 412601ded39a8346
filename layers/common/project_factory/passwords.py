"""Passwords for created users: generated with `secrets`, stored only as a salted scrypt hash.

A hash is one self-describing string, `scrypt$<n>$<r>$<p>$<salt>$<digest>` (base64 salt and
digest), so the cost parameters can be raised later without breaking older hashes.
"""

import base64
import hashlib
import hmac
import secrets

# Ambiguous characters (0/O, 1/l/I) are left out: these passwords are read off a
# spreadsheet and typed on a phone by field staff.
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
# The special characters the platform's password policy accepts.
_SPECIAL = "@#$%"
_CLASSES = (_LOWER, _UPPER, _DIGITS, _SPECIAL)
_ALPHABET = "".join(_CLASSES)

# scrypt cost: 16 MiB and a few tens of milliseconds per hash, affordable for a batch of
# users in one Lambda invocation.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_DIGEST_BYTES = 32
_SCHEME = "scrypt"


def generate_password(length: int = 12) -> str:
    """A random password holding a lower-case and an upper-case letter, a digit and a symbol."""
    if length < len(_CLASSES):
        raise ValueError(f"a password needs at least {len(_CLASSES)} characters, got {length}")
    chars = [secrets.choice(chars) for chars in _CLASSES]
    chars += [secrets.choice(_ALPHABET) for _ in range(length - len(_CLASSES))]
    # The guaranteed characters must not always sit at the front.
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, with its parameters, as one string."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, _N, _R, _P)
    return "$".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` is the one `encoded` was made from (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # scrypt needs about 128 * r * (n + p) bytes; OpenSSL's default cap (32 MiB) would
    # refuse hashes made with raised parameters.
    maxmem = 2 * 128 * r * (n + p)
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=_DIGEST_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
