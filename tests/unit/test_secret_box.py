"""Sealing with a data key (AES-256-GCM): what opens, what does not, what a sealed value shows."""

import base64
import secrets

import pytest

from project_factory.secret_box import KEY_BYTES, SealedSecretError, SecretBox

PASSWORD = "Xy7@kP3#mQ9z"
OWNER = "res-1:2#password"


def box() -> SecretBox:
    return SecretBox(secrets.token_bytes(KEY_BYTES))


def test_a_sealed_value_opens_to_what_was_sealed():
    # Given a box and a sealed password
    sealer = box()
    sealed = sealer.seal(PASSWORD, OWNER)
    # When it is opened with the same owner
    # Then it is the password
    assert sealer.open(sealed, OWNER) == PASSWORD


def test_a_sealed_value_shows_nothing_of_the_password():
    # Given a password sealed twice
    sealer = box()
    first, second = sealer.seal(PASSWORD, OWNER), sealer.seal(PASSWORD, OWNER)
    # Then neither holds it, as text or in its bytes, and the two differ (a fresh nonce each)
    for sealed in (first, second):
        assert PASSWORD not in sealed
        assert PASSWORD.encode() not in base64.b64decode(sealed.removeprefix("v1."))
    assert first != second


def test_a_value_sealed_for_another_row_does_not_open():
    # Given a password sealed for one row
    sealer = box()
    sealed = sealer.seal(PASSWORD, "res-1:2#password")
    # When it is opened as another row's (copied to its line)
    # Then it is refused with its code
    with pytest.raises(SealedSecretError) as refused:
        sealer.open(sealed, "res-1:3#password")
    assert refused.value.code == "SEALED_SECRET_UNREADABLE"


def test_a_value_does_not_open_with_another_key():
    # Given a password sealed with one run's key
    sealed = box().seal(PASSWORD, OWNER)
    # When another run's key opens it
    # Then it is refused
    with pytest.raises(SealedSecretError):
        box().open(sealed, OWNER)


@pytest.mark.parametrize("change", ["a byte", "truncated", "not sealed"])
def test_a_changed_sealed_value_does_not_open(change):
    # Given a sealed password changed in scratch
    sealer = box()
    sealed = sealer.seal(PASSWORD, OWNER)
    raw = bytearray(base64.b64decode(sealed.removeprefix("v1.")))
    if change == "a byte":
        raw[-1] ^= 1
        changed = "v1." + base64.b64encode(bytes(raw)).decode()
    elif change == "truncated":
        changed = sealed[:20]
    else:
        changed = PASSWORD
    # When it is opened
    # Then it is refused, never answered with something else
    with pytest.raises(SealedSecretError):
        sealer.open(changed, OWNER)


def test_a_box_needs_a_256_bit_key_and_never_shows_it():
    # Given a 128-bit key
    # Then no box is made of it
    with pytest.raises(ValueError):
        SecretBox(b"k" * 16)
    # and a box's representation hides its key
    key = secrets.token_bytes(KEY_BYTES)
    assert key.hex() not in repr(SecretBox(key)) and str(key) not in repr(SecretBox(key))
