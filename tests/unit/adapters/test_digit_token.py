"""The DIGIT token is read from SSM, Secrets Manager or a file, and refreshed after a while."""

import boto3
import pytest

from project_factory.adapters.secrets import token_source
from project_factory.errors import DomainError
from tests.support.settings import wired_settings


@pytest.fixture
def aws(fake_credentials):
    from moto import mock_aws

    with mock_aws():
        yield


def test_a_token_in_ssm_is_read_decrypted(aws):
    # Given the token as an SSM SecureString
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/pf/digit-token", Value="tok-ssm", Type="SecureString")
    # When the source names it
    read = token_source(wired_settings(digit_auth_token_source="ssm:/pf/digit-token"))
    # Then it is the token sent
    assert read() == "tok-ssm"


def test_a_token_in_secrets_manager_is_read(aws):
    # Given the token as a secret
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    secrets.create_secret(Name="pf-digit-token", SecretString="tok-secret")
    # When the source names it
    read = token_source(wired_settings(digit_auth_token_source="secretsmanager:pf-digit-token"))
    # Then it is the token sent
    assert read() == "tok-secret"


def test_a_rotated_token_is_picked_up_after_the_cache_time(tmp_path):
    # Given a token file read once, then rotated
    path = tmp_path / "token"
    path.write_text("first\n")
    now = [0.0]
    settings = wired_settings(
        digit_auth_token_source=f"file:{path}", digit_auth_token_cache_seconds=60
    )
    read = token_source(settings, clock=lambda: now[0])
    assert read() == "first"
    path.write_text("second\n")
    # When the cache time has not passed, then has
    kept = read()
    now[0] = 61.0
    # Then the old token is used until then, the new one after
    assert (kept, read()) == ("first", "second")


def test_an_unreadable_token_file_is_a_clear_error(tmp_path):
    # Given a source naming a file that does not exist
    read = token_source(wired_settings(digit_auth_token_source=f"file:{tmp_path / 'missing'}"))
    # When the token is needed
    # Then the error says where it was looked for
    with pytest.raises(DomainError, match="missing") as failure:
        read()
    assert failure.value.code == "DIGIT_TOKEN_UNAVAILABLE"


def test_a_source_of_an_unknown_kind_stops_the_settings():
    # Given a source that is none of ssm, secretsmanager, file
    # When settings are read
    # Then they are refused at start, naming the field
    with pytest.raises(ValueError, match="digit_auth_token_source"):
        wired_settings(digit_auth_token_source="vault:pf")
