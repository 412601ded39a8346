import pytest
from openpyxl import Workbook

from local.samples import facility_workbook
from project_factory.errors import InvalidRequestError
from project_factory.sheets.metadata import check_upload_metadata
from tests.unit.generate.support import save, template

FACILITY_TEMPLATE = template(
    "facilityWithBoundary", metadata={"type": "facilityWithBoundary", "campaignId": "CMP-1"}
)


@pytest.mark.parametrize(
    ("generated_type", "upload_type"),
    [
        ("facilityWithBoundary", "facility"),
        ("userWithBoundary", "user"),
        ("boundary", "boundaryWithTarget"),
    ],
)
def test_a_template_uploads_as_its_own_family(generated_type, upload_type):
    # Given a template of a type
    data = template(generated_type, metadata={"type": generated_type})

    # When / Then it is accepted as an upload of the type that reads it
    check_upload_metadata(data, resource_type=upload_type, campaign_id=None)


def test_a_template_uploaded_as_another_type_is_refused():
    # Given / When a facility template uploaded as users
    with pytest.raises(InvalidRequestError) as refused:
        check_upload_metadata(FACILITY_TEMPLATE, resource_type="user", campaign_id="CMP-1")

    # Then it is refused, saying what the file is and what was expected
    assert refused.value.code == "TEMPLATE_MISMATCH"
    assert "facilityWithBoundary template" in refused.value.message
    assert "as user" in refused.value.message


def test_a_template_of_another_campaign_is_refused():
    # Given / When a template of campaign CMP-1 uploaded for CMP-2
    with pytest.raises(InvalidRequestError) as refused:
        check_upload_metadata(FACILITY_TEMPLATE, resource_type="facility", campaign_id="CMP-2")

    # Then it is refused, naming both campaigns
    assert refused.value.code == "TEMPLATE_MISMATCH"
    assert "CMP-1" in refused.value.message and "CMP-2" in refused.value.message


def test_an_upload_for_no_campaign_takes_a_campaigns_template():
    # Given / When / Then
    check_upload_metadata(FACILITY_TEMPLATE, resource_type="facility", campaign_id=None)


def test_a_workbook_without_metadata_is_not_checked():
    # Given a workbook made elsewhere, with no metadata sheet
    # When / Then it passes whatever it is uploaded as
    check_upload_metadata(save(Workbook()), resource_type="user", campaign_id="CMP-2")


def test_a_sample_workbook_naming_its_type_passes_as_that_type():
    # Given / When / Then the samples' metadata (type only) is checked like a template's
    check_upload_metadata(facility_workbook(3, 0), resource_type="facility", campaign_id="CMP-1")
    with pytest.raises(InvalidRequestError):
        check_upload_metadata(facility_workbook(3, 0), resource_type="user", campaign_id=None)
