"""The swapped upload (issue #11, item 5): a file is immutable once `_create` accepted it.

A probe re-sent the presigned upload after validation; Finalize read the new file and every
processed row got another row's id. Here the same fileStoreId is overwritten through a
presigned POST before Validate and before Finalize, and each time the rows created, their
ids and the processed file are the accepted file's. A bucket that keeps no versions refuses
the changed file (FILE_CHANGED) instead, a deleted version is FILE_NOT_FOUND, and a row
stored before files were pinned reads the file as it is.
"""

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from local import lambdas
from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    header,
    processed_rows,
    registry_entities,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
CODE = "HCM_ADMIN_CONSOLE_FACILITY_CODE"


class SwapWhen:
    """Runs `action` once, as the step `function` starts (the local stack's invocation
    hook: infrastructure, no product code)."""

    def __init__(self, function: str, action: Callable[[], None]) -> None:
        self.function = function
        self.action = action
        self.done = False

    def started(self, invocation: lambdas.Invocation) -> None:
        if invocation.function == self.function and not self.done:
            self.done = True
            self.action()

    def before_call(self, event_name: str, request: Any) -> None:
        pass

    def after_call(self, event_name: str, request: Any, response: Any) -> None:
        pass

    def returning(self, invocation: lambdas.Invocation) -> None:
        pass


@pytest.fixture
def swap() -> Iterator[Callable[[str, Callable[[], None]], SwapWhen]]:
    hooks: list[SwapWhen] = []

    def install(function: str, action: Callable[[], None]) -> SwapWhen:
        hook = SwapWhen(function, action)
        hooks.append(hook)
        lambdas.set_fault_hook(hook)
        return hook

    yield install
    lambdas.set_fault_hook(None)


def _grant(client) -> dict[str, Any]:
    answer = requests.post(
        f"{client.base_url}/filestore/v1/files/upload-url",
        json={"tenantId": client.tenant_id, "fileName": "facilities.xlsx"},
        headers=client.headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _post(url: str, fields: dict[str, str], data: bytes) -> None:
    answer = requests.post(url, data=fields, files={"file": ("facilities.xlsx", data)}, timeout=30)
    assert answer.status_code == 204, answer.text


def _other_file() -> tuple[bytes, list[dict[str, Any]]]:
    """Another, larger workbook: other names, so any row of it would show."""
    rows = [
        {**row, NAME: f"Swapped {index} {row[NAME]}"}
        for index, row in enumerate(facility_rows(7, 0))
    ]
    return workbook_from_rows(FACILITY, rows), rows


def _accepted(client) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A workbook of 5 facilities uploaded through a presigned POST: (grant, its rows)."""
    rows = facility_rows(5, invalid=0)
    grant = _grant(client)
    _post(grant["url"], grant["fields"], workbook_from_rows(FACILITY, rows))
    return grant, rows


def _create(client, file_store_id: str) -> dict[str, Any]:
    accepted = client.create(file_store_id, "facility")
    assert accepted.status_code == 200, accepted.text
    row = accepted.json()["ResourceDetails"]
    # The row says which object it accepted.
    assert row["fileEtag"] and row["fileVersionId"]
    return client.wait_until_final(row["id"])


def _assert_built_from(client, stack, resource: dict[str, Any], rows: list[dict[str, Any]]):
    """The rows created, their ids and the processed file are those of `rows` alone."""
    assert resource["status"] == "created", resource["additionalDetails"]
    assert resource["additionalDetails"]["counts"]["created"] == len(rows)
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    assert {row["#status#"] for row in processed} == {"CREATED"}
    entities = {
        entity["id"]: entity for entity in registry_entities(stack, client.tenant_id, "facility")
    }
    assert sorted(entity["name"] for entity in entities.values()) == sorted(
        row[NAME] for row in rows
    )
    # Each processed row carries the id of the record made from that very row.
    for row in processed:
        assert entities[row[header(CODE)]]["name"] == row[header(NAME)]


def test_the_upload_sent_again_before_validation_does_not_replace_the_accepted_file(
    client, stack, swap
):
    # Given a file accepted by _create, and its presigned POST sent again with another file
    # as Validate starts (the probe's swapped upload)
    grant, rows = _accepted(client)
    other, _ = _other_file()
    hook = swap("ValidateFunction", lambda: _post(grant["url"], grant["fields"], other))
    # When the create runs to its end
    resource = _create(client, grant["fileStoreId"])
    # Then the upload was swapped, yet everything was built from the accepted file
    assert hook.done and client.download(grant["fileStoreId"]) == other
    _assert_built_from(client, stack, resource, rows)


def test_a_fresh_presigned_post_after_validation_does_not_reach_finalize(client, stack, swap):
    # Given a file accepted by _create, and a fresh presigned POST to the same key, signed
    # for the same fileStoreId, sending another file as Finalize starts
    grant, rows = _accepted(client)
    other, _ = _other_file()
    signer = boto3.client(
        "s3",
        region_name=stack.region,
        endpoint_url=stack.s3_url,
        config=Config(signature_version="s3v4"),
    )
    fresh = signer.generate_presigned_post(
        stack.physical_id("FilesBucket"),
        grant["fields"]["key"],
        Fields={
            name: value for name, value in grant["fields"].items() if name.startswith("x-amz-meta-")
        },
        Conditions=[
            {name: value}
            for name, value in grant["fields"].items()
            if name.startswith("x-amz-meta-")
        ],
        ExpiresIn=300,
    )
    hook = swap("FinalizeFunction", lambda: _post(fresh["url"], fresh["fields"], other))
    # When the create runs to its end
    resource = _create(client, grant["fileStoreId"])
    # Then Finalize wrote the processed file from the accepted file, every id its own row's
    assert hook.done and client.download(grant["fileStoreId"]) == other
    _assert_built_from(client, stack, resource, rows)


def test_a_repeated_create_after_the_swap_keeps_the_first_pin(client, stack):
    # Given a file created, then its presigned POST sent again with another file
    grant, _ = _accepted(client)
    first = _create(client, grant["fileStoreId"])
    other, _ = _other_file()
    _post(grant["url"], grant["fields"], other)
    # When _create is called again for the same file
    again = client.create(grant["fileStoreId"], "facility").json()["ResourceDetails"]
    # Then it is the same resource, still pinned to the object first accepted
    assert again["id"] == first["id"]
    assert (again["fileVersionId"], again["fileEtag"]) == (
        first["fileVersionId"],
        first["fileEtag"],
    )


def test_a_deleted_accepted_version_ends_the_resource_failed_file_not_found(client, stack, swap):
    # Given a file accepted by _create whose accepted version is deleted as Validate starts
    grant, _ = _accepted(client)
    s3 = stack.client("s3")
    bucket = stack.physical_id("FilesBucket")
    key = grant["fields"]["key"]

    def delete_the_accepted_version() -> None:
        [version] = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])

    swap("ValidateFunction", delete_the_accepted_version)
    # When the create runs
    resource = _create(client, grant["fileStoreId"])
    # Then it ends failed with FILE_NOT_FOUND, saying the accepted file is gone; nothing created
    assert resource["status"] == "failed"
    error = resource["additionalDetails"]["error"]
    assert error["code"] == "FILE_NOT_FOUND" and "as it was accepted" in error["message"]
    assert registry_entities(stack, client.tenant_id, "facility") == []


def test_a_row_stored_before_pinning_reads_the_file_as_it_is(client, stack, swap):
    # Given a resource row without a pin (as rows stored before this change are), its file
    # overwritten with another workbook before Validate reads it
    grant, _ = _accepted(client)
    other, other_rows = _other_file()
    table = stack.client("dynamodb")

    def unpin_and_swap() -> None:
        [row] = client.search(type="facility").json()["ResourceDetails"]
        table.update_item(
            TableName=stack.physical_id("ResourcesTable"),
            Key={"id": {"S": row["id"]}},
            UpdateExpression="REMOVE fileVersionId, fileEtag",
        )
        _post(grant["url"], grant["fields"], other)

    swap("ValidateFunction", unpin_and_swap)
    # When the create runs
    accepted = client.create(grant["fileStoreId"], "facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"])
    # Then it reads the current object, as before (no failure for old rows)
    _assert_built_from(client, stack, resource, other_rows)


class TestABucketWithoutVersions:
    """With versioning suspended, the null version is replaced in place: the ETag still
    tells the accepted object from the new one, and the create refuses the new one."""

    @pytest.fixture
    def versions_suspended(self, stack) -> Iterator[None]:
        s3 = stack.client("s3")
        bucket = stack.physical_id("FilesBucket")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        try:
            yield
        finally:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def test_a_changed_file_ends_the_resource_failed_file_changed(
        self, client, stack, swap, versions_suspended
    ):
        # Given a file accepted by _create, replaced by its presigned POST as Validate starts
        grant, _ = _accepted(client)
        other, _ = _other_file()
        swap("ValidateFunction", lambda: _post(grant["url"], grant["fields"], other))
        # When the create runs
        accepted = client.create(grant["fileStoreId"], "facility").json()["ResourceDetails"]
        resource = client.wait_until_final(accepted["id"])
        # Then it ends failed with FILE_CHANGED and nothing of either file is created
        assert resource["status"] == "failed"
        error = resource["additionalDetails"]["error"]
        assert error["code"] == "FILE_CHANGED", error
        assert grant["fileStoreId"] in error["message"]
        assert registry_entities(stack, client.tenant_id, "facility") == []
