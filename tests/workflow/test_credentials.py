"""Users' passwords in the local stack (built-in registry): sealed in scratch, never in the
processed file, handed out once in a credentials file that admins fetch."""

import boto3
import requests

from local.samples import facility_rows, user_rows, workbook_from_rows
from project_factory.passwords import verify_password
from project_factory.sheets.spec import FACILITY, USER
from tests.support.api import dev_token
from tests.support.checks import header, processed_rows, registry_entities
from tests.support.credentials import (
    PASSWORD,
    ROW,
    USERNAME,
    credentials_rows,
    holding,
    passwords_by_username,
    scratch_objects,
)

PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"
NAME = "HCM_ADMIN_CONSOLE_USER_NAME"
UUID = "HCM_ADMIN_CONSOLE_USER_UUID"


def _create_and_wait(client, rows, spec=USER, action="create"):
    file_store_id = client.upload(workbook_from_rows(spec, rows))
    accepted = client.create(file_store_id, spec.resource_type, action=action)
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"])


def test_each_created_user_is_in_the_credentials_file_once_with_the_password_it_was_hashed_from(
    client, stack
):
    # Given a workbook of 5 users
    rows = user_rows(5, invalid=0)
    # When it is created
    resource = _create_and_wait(client, rows)
    # Then the credentials file has one line per user, each in its row's order with its
    # name and phone, and a password the registry's hash verifies
    assert resource["status"] == "created"
    lines = credentials_rows(client, resource)
    entities = {e["username"]: e for e in registry_entities(stack, client.tenant_id, "user")}
    assert sorted(row[header(USERNAME)] for row in lines) == sorted(entities)
    assert [row[header(ROW)] for row in lines] == [2, 3, 4, 5, 6]
    assert [row[header(NAME)] for row in lines] == [row[NAME] for row in rows]
    assert [row[header(PHONE)] for row in lines] == [str(row[PHONE]).lstrip("0") for row in rows]
    for username, password in passwords_by_username(lines).items():
        assert verify_password(password, entities[username]["passwordHash"]), username


def test_no_scratch_object_holds_a_password_in_plaintext(client, stack):
    # Given a file of 6 users created (chunks, outcomes, verdicts, the data key in scratch)
    resource = _create_and_wait(client, user_rows(6, invalid=0))
    passwords = list(passwords_by_username(credentials_rows(client, resource)).values())
    assert len(passwords) == 6
    # When every version of every scratch object of the resource is read
    objects = scratch_objects(stack, resource["id"])
    # Then none holds any of the passwords, and the chunks hold them sealed
    assert any("/chunks/" in name for name in objects)
    assert any("/outcomes/" in name for name in objects)
    assert holding(objects, passwords) == {}
    chunks = b"".join(body for name, body in objects.items() if "/chunks/" in name)
    assert chunks.count(b'"sealed":{"password":"v1.') == 6


def test_the_processed_users_file_has_usernames_and_an_empty_password_column(client, stack):
    # Given a workbook of 4 users
    resource = _create_and_wait(client, user_rows(4, invalid=0))
    passwords = passwords_by_username(credentials_rows(client, resource))
    # When its processed file is fetched
    processed = processed_rows(client, resource, USER)
    # Then every row has its username, the password column is there and empty
    assert sorted(row[header(USERNAME)] for row in processed) == sorted(passwords)
    assert all(header(PASSWORD) in row and row[header(PASSWORD)] is None for row in processed)
    data = client.download(resource["processedFileStoreId"])
    assert not any(password.encode() in data for password in passwords.values())


def test_the_credentials_file_is_encrypted_with_the_secrets_key_where_the_lifecycle_expires_it(
    client, stack
):
    # Given a created user file
    resource = _create_and_wait(client, user_rows(2, invalid=0))
    file_store_id = resource["additionalDetails"]["credentialsFileStoreId"]
    # When its object is looked at in the bucket
    s3 = boto3.client("s3", region_name=stack.region)
    bucket = stack.physical_id("FilesBucket")
    head = s3.head_object(Bucket=bucket, Key=f"credentials/{client.tenant_id}/{file_store_id}")
    # Then it is SSE-KMS under the stack's secrets key, under the prefix a lifecycle rule
    # expires after CredentialsRetentionDays (1 by default)
    key_arn = stack.client("kms").describe_key(KeyId=stack.physical_id("SecretsKey"))
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] in (key_arn["KeyMetadata"]["Arn"], key_arn["KeyMetadata"]["KeyId"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    [rule] = [rule for rule in rules if rule["Filter"].get("Prefix") == "credentials/"]
    assert rule["Expiration"]["Days"] == 1 and rule["Status"] == "Enabled"


def test_a_reader_gets_no_link_to_the_credentials_file(client, api_url):
    # Given a created user file, and a reader of the tenant
    resource = _create_and_wait(client, user_rows(2, invalid=0))
    reader = {"Authorization": f"Bearer {dev_token([client.tenant_id], ['CAMPAIGN_VIEWER'])}"}

    def url_of(file_store_id):
        return requests.get(
            f"{api_url}/filestore/v1/files/url",
            params={"tenantId": client.tenant_id, "fileStoreIds": file_store_id},
            headers=reader,
            timeout=30,
        )

    # When the reader asks for the credentials file's URL, and for the processed file's
    answer = url_of(resource["additionalDetails"]["credentialsFileStoreId"])
    # Then the credentials file is refused for the role, the processed file is not
    assert answer.status_code == 403, answer.text
    assert answer.json()["Errors"][0]["code"] == "ROLE_FORBIDDEN"
    assert url_of(resource["processedFileStoreId"]).status_code == 200


def test_only_users_this_file_created_are_in_its_credentials_file(client, stack):
    # Given two users created from a first file
    rows = user_rows(4, invalid=0)
    first = _create_and_wait(client, rows[:2])
    ids = [row[header(UUID)] for row in processed_rows(client, first, USER)]
    # When a second file lists them again with their ids, and two new users
    again = [row | {UUID: user_id} for row, user_id in zip(rows[:2], ids, strict=True)]
    second = _create_and_wait(client, again + rows[2:])
    # Then the two existing users are SKIPPED and keep their passwords: the credentials file
    # lists only the two created now
    assert second["status"] == "created", second["additionalDetails"]
    assert second["additionalDetails"]["counts"]["skipped"] == 2
    lines = credentials_rows(client, second)
    assert [row[header(NAME)] for row in lines] == [row[NAME] for row in rows[2:]]
    assert set(passwords_by_username(lines)).isdisjoint(
        passwords_by_username(credentials_rows(client, first))
    )


def test_a_validation_or_a_facility_file_has_no_credentials_file(client, stack):
    # Given a user file only validated, and a facility file created
    validated = _create_and_wait(client, user_rows(3, invalid=0), action="validate")
    facilities = _create_and_wait(client, facility_rows(3, invalid=0), FACILITY)
    # Then neither has a credentials file, and the validation made no data key
    assert validated["status"] == "validated" and facilities["status"] == "created"
    assert "credentialsFileStoreId" not in validated["additionalDetails"]
    assert "credentialsFileStoreId" not in facilities["additionalDetails"]
    assert not any("data-key" in name for name in scratch_objects(stack, validated["id"]))
