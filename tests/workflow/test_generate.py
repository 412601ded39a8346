"""template_generate.asl.json in the local stack: _generate, _download, the workbook, the
round trip of a filled template through _create."""

import io

import pytest
from openpyxl import load_workbook

from project_factory.sheets.metadata import read_metadata
from project_factory.sheets.spec import FACILITY
from tests.support.checks import header, processed_rows
from tests.support.libreoffice import requires_soffice, resave

TYPES = ("boundary", "facilityWithBoundary", "userWithBoundary")
DISTRICT = {
    "boundaries": [{"code": "NDOPO_E47341", "type": "Locality", "includeAllChildren": True}]
}


def _generated(client, template_type, **options):
    answer = client.generate(template_type, **options)
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["GeneratedResource"]
    assert row["status"] == "inprogress" and row["fileStoreId"] is None
    return client.wait_until_generated(template_type, row["id"])


@pytest.mark.parametrize("template_type", TYPES)
def test_each_template_type_is_generated_stored_and_marked_completed(client, template_type):
    # When a template of the type is generated for the whole bundled hierarchy
    row = _generated(client, template_type)
    # Then the row is completed with its file, which names its type in hidden metadata
    assert row["status"] == "completed" and row["count"] > 3000
    workbook = client.download(row["fileStoreId"])
    assert read_metadata(workbook)["type"] == template_type
    assert len(load_workbook(io.BytesIO(workbook), read_only=True).sheetnames) >= 3


def test_filters_limit_the_template_to_the_chosen_boundaries(client):
    # When a facility template is generated for one locality only
    row = _generated(client, "facilityWithBoundary", filters=DISTRICT)
    # Then it lists that one boundary
    assert row["count"] == 1


def test_force_update_expires_every_earlier_generation(client):
    # Given three generations of the same template, each forced
    ids = [_generated(client, "userWithBoundary", force=True)["id"] for _ in range(3)]
    # When each is looked up
    statuses = [
        client.download_template("userWithBoundary", id=generated_id).json()["GeneratedResource"][
            0
        ]["status"]
        for generated_id in ids
    ]
    # Then both earlier ones are expired, not only the latest earlier one
    assert statuses == ["expired", "expired", "completed"]


def test_generate_without_force_returns_the_current_generation(client):
    # Given a completed generation
    first = _generated(client, "facilityWithBoundary")
    # When the same template is asked for again without forceUpdate
    again = client.generate("facilityWithBoundary").json()["GeneratedResource"]
    # Then it is the same row, and nothing new started
    assert [row["id"] for row in again] == [first["id"]]


def test_a_download_with_nothing_generated_starts_a_generation(client):
    # Given no template generated yet for this tenant
    # When it is downloaded
    first = client.download_template("boundary").json()["GeneratedResource"]
    # Then nothing is returned yet, but a generation started and later completes
    assert first == []
    deadline_rows = []
    for _ in range(600):
        deadline_rows = client.download_template("boundary").json()["GeneratedResource"]
        if deadline_rows and deadline_rows[0]["status"] == "completed":
            break
    assert deadline_rows[0]["status"] == "completed" and deadline_rows[0]["fileStoreId"]


def test_an_unknown_type_or_hierarchy_is_a_400(client):
    # When a template of an unknown type, or for an unknown hierarchy, is asked for
    bad_type = client.generate("vehicles")
    bad_hierarchy = client.generate("boundary", hierarchy_type="NOWHERE")
    # Then both are refused with a clear code
    assert bad_type.status_code == 400
    assert bad_hierarchy.status_code == 400
    assert bad_hierarchy.json()["Errors"][0]["code"] == "INVALID_HIERARCHY"


@pytest.mark.parametrize(
    "saved_by", ["openpyxl", pytest.param("LibreOffice", marks=requires_soffice)]
)
def test_a_filled_facility_template_is_created_without_edits_to_its_structure(client, saved_by):
    # Given a generated facility template for one locality
    row = _generated(client, "facilityWithBoundary", filters=DISTRICT)
    book = load_workbook(io.BytesIO(client.download(row["fileStoreId"])))
    sheet = book[header(FACILITY.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    # When an administrator fills two rows and uploads it through _create
    for offset, name in enumerate((f"Ndopo Clinic {saved_by}", f"Ndopo Store {saved_by}")):
        values = {
            "HCM_ADMIN_CONSOLE_FACILITY_NAME": name,
            "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
            "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 100 + offset,
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "NDOPO_E47341",
            "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
        }
        for code, value in values.items():
            sheet.cell(row=2 + offset, column=columns[header(code)], value=value)
    filled = io.BytesIO()
    book.save(filled)
    upload = resave(filled.getvalue()) if saved_by == "LibreOffice" else filled.getvalue()
    accepted = client.create(client.upload(upload), "facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"])
    # Then both rows are created
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = processed_rows(client, resource, FACILITY)
    assert [row["#status#"] for row in processed] == ["CREATED", "CREATED"]
