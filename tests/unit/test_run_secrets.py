"""A run's data key from KMS (moto): sealed in Validate, opened in Create and Finalize."""

import base64
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from project_factory.adapters.data_keys import KmsDataKeys
from project_factory.domain.target_calls import PendingRow
from project_factory.errors import DomainError
from project_factory.flows.run_secrets import Opener, Sealer, encryption_context
from project_factory.flows.scratch import ScratchKeys
from project_factory.wiring import Services
from tests.support.settings import wired_settings

BUCKET = "pf-files-test"
TENANT = "mz"
PASSWORD = "Xy7@kP3#mQ9z"


@pytest.fixture
def services() -> Iterator[Services]:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]
        yield Services(wired_settings(files_bucket=BUCKET, secrets_key_id=key["Arn"]))


def test_a_data_key_decrypts_only_with_the_context_it_was_made_for(services):
    # Given a data key made for one resource
    keys: KmsDataKeys = services.data_keys  # type: ignore[assignment]
    made = keys.generate(encryption_context("res-1", TENANT))
    # When its encrypted copy is decrypted for that resource, and for another
    # Then the first is the key, the second is refused with a code
    assert keys.decrypt(made.encrypted, encryption_context("res-1", TENANT)) == made.plaintext
    with pytest.raises(DomainError) as refused:
        keys.decrypt(made.encrypted, encryption_context("res-2", TENANT))
    assert refused.value.code == "DATA_KEY_UNREADABLE"
    assert len(made.plaintext) == 32 and made.plaintext not in made.encrypted


def test_validate_keeps_only_the_encrypted_data_key_and_create_opens_the_password(services):
    # Given a password sealed by Validate's sealer for a row of resource res-1
    sealed = Sealer(services, "res-1", TENANT).seal("res-1:2", "password", PASSWORD)
    # When Create opens the row it is about to send
    row = PendingRow("res-1:2", 2, {"phone": "9000000001"}, sealed={"password": sealed})
    [opened] = Opener(services, "res-1", TENANT).opened([row])
    # Then the row carries the password in memory, and scratch holds only the encrypted key
    assert opened.data == {"phone": "9000000001", "password": PASSWORD}
    assert opened.sealed == {}
    kept = services.files.get_json(ScratchKeys("scratch/", "res-1").data_key)
    assert set(kept) == {"version", "encryptedKey"}
    assert PASSWORD.encode() not in base64.b64decode(kept["encryptedKey"])


def test_a_password_sealed_for_one_resource_does_not_open_as_another_tenants(services):
    # Given a password sealed for resource res-1 of tenant mz
    sealed = Sealer(services, "res-1", TENANT).seal("res-1:2", "password", PASSWORD)
    # When it is opened with the resource's data key named for another tenant
    # Then KMS refuses the key: the encryption context names the tenant
    with pytest.raises(DomainError) as refused:
        Opener(services, "res-1", "ke").open("res-1:2", "password", sealed)
    assert refused.value.code == "DATA_KEY_UNREADABLE"


def test_the_data_key_is_decrypted_once_for_every_password_of_an_invocation(services):
    # Given three sealed passwords of one run
    sealer = Sealer(services, "res-1", TENANT)
    rows = [
        PendingRow(
            f"res-1:{n}", n, {}, sealed={"password": sealer.seal(f"res-1:{n}", "password", f"P{n}")}
        )
        for n in (2, 3, 4)
    ]
    calls: list[str] = []
    kms = services.data_keys._kms  # type: ignore[attr-defined]
    kms.meta.events.register("before-call.kms.Decrypt", lambda **_: calls.append("Decrypt"))
    # When one invocation opens them all
    opened = Opener(services, "res-1", TENANT).opened(rows)
    # Then each has its own password, and KMS was asked once
    assert [row.data["password"] for row in opened] == ["P2", "P3", "P4"]
    assert calls == ["Decrypt"]


def test_without_a_secrets_key_nothing_is_sealed(services):
    # Given settings without SECRETS_KEY_ID
    bare = Services(wired_settings(files_bucket=BUCKET))
    # When a password is to be sealed
    # Then the step stops with a code saying so
    with pytest.raises(DomainError) as refused:
        Sealer(bare, "res-1", TENANT).seal("res-1:2", "password", PASSWORD)
    assert refused.value.code == "SECRETS_KEY_NOT_CONFIGURED"
