import string

import pytest

from project_factory.passwords import generate_password, hash_password, verify_password


def test_generated_password_has_the_requested_length_and_every_character_class():
    # Given a requested length
    # When a password is generated
    password = generate_password(12)

    # Then it has that length and a lower, an upper, a digit and a symbol
    assert len(password) == 12
    assert any(c in string.ascii_lowercase for c in password)
    assert any(c in string.ascii_uppercase for c in password)
    assert any(c in string.digits for c in password)
    assert any(c in "@#$%" for c in password)


def test_generated_passwords_differ():
    # Given / When many passwords are generated
    passwords = {generate_password(12) for _ in range(50)}

    # Then no two are the same
    assert len(passwords) == 50


def test_a_password_too_short_for_every_character_class_is_refused():
    # Given / When / Then a length below the number of character classes is an error
    with pytest.raises(ValueError, match="at least 4"):
        generate_password(3)


def test_hash_verifies_its_password_and_no_other():
    # Given a hashed password
    encoded = hash_password("S3cret@pass")

    # When / Then the same password verifies and another does not
    assert verify_password("S3cret@pass", encoded)
    assert not verify_password("S3cret@pasS", encoded)


def test_hash_is_salted_so_equal_passwords_hash_differently():
    # Given / When the same password is hashed twice
    first, second = hash_password("S3cret@pass"), hash_password("S3cret@pass")

    # Then the hashes differ and both verify
    assert first != second
    assert verify_password("S3cret@pass", first)
    assert verify_password("S3cret@pass", second)


def test_hash_carries_its_parameters_and_not_the_password():
    # Given / When a password is hashed
    encoded = hash_password("S3cret@pass")

    # Then the string names the scheme and cost, and does not contain the password
    scheme, n, r, p, _salt, _digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert "S3cret@pass" not in encoded


@pytest.mark.parametrize(
    "encoded", ["", "plain-text", "bcrypt$1$2$3$AAAA$AAAA", "scrypt$x$8$1$A$A"]
)
def test_a_malformed_hash_never_verifies(encoded):
    # Given / When / Then a hash this module did not make is a mismatch, not a crash
    assert not verify_password("anything", encoded)
