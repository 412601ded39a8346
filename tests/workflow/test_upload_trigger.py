"""A workbook put under uploads/<tenantId>/<type>/ starts the same create as _create."""

from local import lambdas
from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    header,
    processed_rows,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"


def _put(stack, key, body, metadata):
    stack.client("s3").put_object(
        Bucket=stack.physical_id("FilesBucket"), Key=key, Body=body, Metadata=metadata
    )


def test_an_object_under_uploads_invokes_the_trigger_and_is_created(client, stack):
    # Given a facility workbook
    rows = facility_rows(4, invalid=0)
    calls = stack.runtime.invocations.get("UploadTriggerFunction", 0)
    # When it is put under uploads/<tenant>/facility/ with its hierarchy as metadata
    _put(
        stack,
        f"uploads/{client.tenant_id}/facility/march.xlsx",
        workbook_from_rows(FACILITY, rows),
        {"hierarchyType": "ADMIN"},
    )
    # Then the trigger ran with the S3 event and the file was created like any other
    stack.settle()
    assert stack.runtime.invocations["UploadTriggerFunction"] == calls + 1
    [accepted] = client.search(type="facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"])
    assert resource["status"] == "created" and resource["hierarchyType"] == "ADMIN"
    assert_each_input_row_once_with_a_final_status(
        processed_rows(client, resource, FACILITY), rows, NAME
    )


def test_the_same_object_notified_twice_is_one_resource(client, stack):
    # Given the same bytes put twice under the same key (S3 may deliver events twice)
    body = workbook_from_rows(FACILITY, facility_rows(2, invalid=0))
    key = f"uploads/{client.tenant_id}/facility/again.xlsx"
    # When both notifications arrive
    _put(stack, key, body, {"hierarchyType": "ADMIN"})
    _put(stack, key, body, {"hierarchyType": "ADMIN"})
    stack.settle()
    # Then there is one resource
    assert len(client.search().json()["ResourceDetails"]) == 1


def test_an_upload_without_its_hierarchy_is_refused_and_nothing_is_stored(client, stack):
    # When a workbook is put without hierarchyType metadata
    _put(stack, f"uploads/{client.tenant_id}/facility/bare.xlsx", b"whatever", {})
    stack.settle()
    # Then no resource is created for it
    assert client.search().json()["ResourceDetails"] == []


def test_an_upload_replaced_before_the_trigger_runs_is_created_from_the_notified_object(
    client, stack
):
    # Given a workbook put under uploads/, and another put under the same key as the
    # trigger for the first starts (each put is notified, with its own version)
    first_rows = facility_rows(3, invalid=0)
    second_rows = [{**row, NAME: f"Replaced {row[NAME]}"} for row in facility_rows(4, invalid=0)]
    key = f"uploads/{client.tenant_id}/facility/replaced.xlsx"

    class ReplaceOnce:
        done = False

        def started(self, invocation):
            if invocation.function == "UploadTriggerFunction" and not self.done:
                self.done = True
                _put(
                    stack,
                    key,
                    workbook_from_rows(FACILITY, second_rows),
                    {"hierarchyType": "ADMIN"},
                )

        def before_call(self, event_name, request):
            pass

        def after_call(self, event_name, request, response):
            pass

        def returning(self, invocation):
            pass

    lambdas.set_fault_hook(ReplaceOnce())
    try:
        _put(stack, key, workbook_from_rows(FACILITY, first_rows), {"hierarchyType": "ADMIN"})
        stack.settle()
    finally:
        lambdas.set_fault_hook(None)
    # When both creates end
    resources = [
        client.wait_until_final(row["id"])
        for row in client.search(type="facility").json()["ResourceDetails"]
    ]
    # Then each object became its own resource, built from that object alone: the first
    # notification did not take the replacement in the first's place
    assert len(resources) == 2
    built = sorted(
        [row[header(NAME)] for row in processed_rows(client, resource, FACILITY)]
        for resource in resources
    )
    assert built == sorted([[row[NAME] for row in first_rows], [row[NAME] for row in second_rows]])
