import pytest
from openpyxl import Workbook

from local.samples import facility_workbook
from project_factory.errors import InvalidRequestError
from project_factory.sheets.metadata import check_upload_metadata, read_metadata
from tests.unit.generate.support import save, template

FACILITY_TEMPLATE = template(
    "facilityWithBoundary", metadata={"type": "facilityWithBoundary", "campaignId": "CMP-1"}
)


def refusal(data: bytes, resource_type: str, campaign_id: str | None) -> str | None:
    """The code the upload check refuses `data` with; None when it lets it through."""
    try:
        check_upload_metadata(data, resource_type=resource_type, campaign_id=campaign_id)
    except InvalidRequestError as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    ("generated_type", "upload_type", "other_type"),
    [
        ("facilityWithBoundary", "facility", "user"),
        ("userWithBoundary", "user", "facility"),
        ("boundary", "boundaryWithTarget", "facility"),
    ],
)
def test_a_template_uploads_as_its_own_family(generated_type, upload_type, other_type):
    # Given a template of a type, its metadata naming that type
    data = template(generated_type, metadata={"type": generated_type})
    assert read_metadata(data)["type"] == generated_type

    # When / Then it is accepted as an upload of the type that reads it, and of its own,
    # and refused as one of another family
    assert refusal(data, upload_type, campaign_id=None) is None
    assert refusal(data, generated_type, campaign_id=None) is None
    assert refusal(data, other_type, campaign_id=None) == "TEMPLATE_MISMATCH"


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
    # Given a template made for campaign CMP-1
    assert read_metadata(FACILITY_TEMPLATE)["campaignId"] == "CMP-1"

    # When / Then an upload naming no campaign takes it (one naming another does not)
    assert refusal(FACILITY_TEMPLATE, "facility", campaign_id=None) is None
    assert refusal(FACILITY_TEMPLATE, "facility", campaign_id="CMP-2") == "TEMPLATE_MISMATCH"


def test_a_workbook_without_metadata_is_not_checked():
    # Given a workbook made elsewhere, with no metadata sheet
    data = save(Workbook())
    assert read_metadata(data) == {}

    # When / Then it passes whatever it is uploaded as, for any campaign
    for resource_type in ("user", "facility", "boundaryWithTarget"):
        assert refusal(data, resource_type, campaign_id="CMP-2") is None, resource_type


def test_a_sample_workbook_naming_its_type_passes_as_that_type():
    # Given a sample workbook, whose metadata names its type and no campaign
    sample = facility_workbook(3, 0)
    assert read_metadata(sample)["type"] == "facility"
    assert "campaignId" not in read_metadata(sample)

    # When / Then it is checked like a template: taken as its type, for any campaign, and
    # refused as another
    assert refusal(sample, "facility", campaign_id="CMP-1") is None
    assert refusal(sample, "user", campaign_id=None) == "TEMPLATE_MISMATCH"
