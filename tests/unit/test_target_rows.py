"""A target file's rows as their target needs them: the campaign, the boundary's place."""

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.domain.audit import new_audit
from project_factory.domain.campaigns import Campaign, CampaignBoundary
from project_factory.domain.resources import Action, ResourceRow, ResourceStatus, ResourceType
from project_factory.errors import InvalidRequestError
from project_factory.flows.campaigns import campaign_boundary_codes
from project_factory.flows.target_rows import TargetRows, require_campaign
from project_factory.wiring import Services

TENANT = "mz"
HIERARCHY = "ADMIN"
TARGET = "HCM_ADMIN_CONSOLE_TARGET"
PROVINCE, SHADI, NERAGE = "CHISU_BC7091", "SHADI_A11E8E", "NERAGE_866B43"
#: localities of Shadi and of Nerage
KURA, WABU = "KURA_448C3F", "WABU_B579D9"
START, END = 1_780_000_000_000, 1_790_000_000_000
DETAILS = {"projectType": "LLIN-mz", "startDate": START, "endDate": END, "note": "kept out"}


class Campaigns:
    """The campaign store: campaigns by id."""

    def __init__(self, *campaigns: Campaign) -> None:
        self._by_id = {campaign.id: campaign for campaign in campaigns}

    def get(self, campaign_id: str) -> Campaign:
        return self._by_id[campaign_id]


@dataclass
class StandInServices:
    """What TargetRows uses of Services: the campaigns and the bundled boundaries."""

    campaigns: Campaigns
    boundaries: BundledBoundarySource = field(default_factory=BundledBoundarySource)


def campaign(
    campaign_id: str = "CMP-1",
    *boundaries: tuple[str, str],
    parent: str | None = None,
    details: dict[str, Any] | None = None,
) -> Campaign:
    """A campaign over `boundaries` ((code, type); Shadi by default), everything below them."""
    return Campaign(
        id=campaign_id,
        tenantId=TENANT,
        hierarchyType=HIERARCHY,
        name=f"Bednets {campaign_id}",
        boundaries=[
            CampaignBoundary(code=code, type=level, includeAllChildren=True)
            for code, level in boundaries or [(SHADI, "District")]
        ],
        parentId=parent,
        additionalDetails=DETAILS if details is None else details,
        auditDetails=new_audit("tester"),
    )


def services(*campaigns: Campaign) -> Services:
    return cast(Services, StandInServices(Campaigns(*campaigns)))


def upload(
    campaign_id: str | None = "CMP-1",
    *,
    action: Action = "create",
    resource_type: ResourceType = "boundaryWithTarget",
) -> ResourceRow:
    return ResourceRow(
        id="RES-1",
        tenantId=TENANT,
        status=ResourceStatus.VALIDATION_STARTED,
        action=action,
        type=resource_type,
        fileStoreId="file-1",
        campaignId=campaign_id,
        hierarchyType=HIERARCHY,
        auditDetails=new_audit("tester"),
    )


def canonical(code: str, target: int = 120) -> dict[str, Any]:
    """A validated target row, as sheets.canonical.to_canonical gives it."""
    return {"boundaryCode": code, "targets": {TARGET: target}}


# -- require_campaign -------------------------------------------------------------------


@pytest.mark.parametrize("campaign_id", [None, ""])
def test_a_target_file_created_without_a_campaign_is_refused(campaign_id: str | None) -> None:
    # Given / When / Then a create of a target file naming no campaign is refused
    with pytest.raises(InvalidRequestError) as refused:
        require_campaign("boundaryWithTarget", "create", campaign_id)
    assert refused.value.code == "CAMPAIGN_REQUIRED"
    assert "ResourceDetails.campaignId" in refused.value.message


def campaign_refusal(resource_type: str, action: str, campaign_id: str | None) -> str | None:
    """The code require_campaign refuses with; None when it lets the upload through."""
    try:
        require_campaign(resource_type, action, campaign_id)
    except InvalidRequestError as refused:
        return refused.code
    return None


def test_a_target_file_validated_without_a_campaign_is_let_through() -> None:
    # Given / When / Then a validation of a target file needs no campaign (its create does)
    assert campaign_refusal("boundaryWithTarget", "validate", None) is None
    assert campaign_refusal("boundaryWithTarget", "create", None) == "CAMPAIGN_REQUIRED"


@pytest.mark.parametrize("resource_type", ["facility", "user", "boundary"])
def test_other_types_are_created_without_a_campaign(resource_type: str) -> None:
    # Given / When / Then files of other types are created without a campaign
    assert campaign_refusal(resource_type, "create", None) is None


def test_a_target_file_created_for_a_campaign_is_let_through() -> None:
    # Given / When / Then a create naming its campaign goes on
    assert campaign_refusal("boundaryWithTarget", "create", "CMP-1") is None


def test_target_rows_of_an_upload_without_a_campaign_are_refused() -> None:
    # Given a target file's create that names no campaign
    row = upload(campaign_id=None)

    # When / Then its rows cannot be given their campaign
    with pytest.raises(InvalidRequestError) as refused:
        target_rows(row, services(campaign()))
    assert refused.value.code == "CAMPAIGN_REQUIRED"


# -- TargetRows -------------------------------------------------------------------------


def target_rows(row: ResourceRow, services: Services) -> TargetRows:
    """TargetRows as Validate builds it: with the campaign's codes it checked the rows by."""
    campaign = services.campaigns.get(row.campaignId) if row.campaignId else None
    covered = campaign_boundary_codes(campaign, services) if campaign else set()
    return TargetRows(row, services, covered)


def test_a_row_gets_its_campaign_and_its_boundarys_level_and_keeps_its_own_fields() -> None:
    # Given the rows of a campaign over Shadi
    rows = target_rows(upload(), services(campaign()))
    validated = canonical(KURA)

    # When a locality's row is completed
    added = rows.added_to(validated)

    # Then it names the campaign and the locality's level, and keeps its code and targets
    assert added["campaignId"] == "CMP-1"
    assert added["boundaryType"] == "Locality"
    assert (added["boundaryCode"], added["targets"]) == (KURA, {TARGET: 120})
    assert validated == canonical(KURA)


def test_a_locality_under_the_campaigns_district_has_that_district_alone_above_it() -> None:
    # Given the rows of a campaign over Shadi (everything below it)
    rows = target_rows(upload(), services(campaign()))

    # When a locality of Shadi is completed
    added = rows.added_to(canonical(KURA))

    # Then its ancestors are Shadi alone: the province and country above the campaign's
    # own boundary are left out
    assert added["ancestors"] == [{"code": SHADI, "boundaryType": "District"}]


def test_the_campaigns_own_boundary_has_no_ancestors() -> None:
    # Given the rows of a campaign over Shadi
    rows = target_rows(upload(), services(campaign()))

    # When Shadi's own row is completed
    added = rows.added_to(canonical(SHADI))

    # Then nothing is above it within the campaign
    assert (added["boundaryType"], added["ancestors"]) == ("District", [])


def test_ancestors_run_from_the_campaigns_top_boundary_down() -> None:
    # Given the rows of a campaign over the province Chisu (everything below it)
    rows = target_rows(upload(), services(campaign("CMP-1", (PROVINCE, "Province"))))

    # When a locality of Shadi, a district of Chisu, is completed
    added = rows.added_to(canonical(KURA))

    # Then its ancestors are the province, then the district
    assert added["ancestors"] == [
        {"code": PROVINCE, "boundaryType": "Province"},
        {"code": SHADI, "boundaryType": "District"},
    ]


def test_a_child_campaigns_rows_have_the_parents_boundaries_above_them() -> None:
    # Given a child campaign over Nerage, whose parent is over Shadi
    parent = campaign("CMP-PARENT")
    child = campaign("CMP-CHILD", (NERAGE, "District"), parent="CMP-PARENT")
    rows = target_rows(upload("CMP-CHILD"), services(parent, child))

    # When a locality of each district is completed
    under_the_parents = rows.added_to(canonical(KURA))
    under_its_own = rows.added_to(canonical(WABU))

    # Then each has its own district above it (the child covers both), and both name the
    # child campaign
    assert under_the_parents["ancestors"] == [{"code": SHADI, "boundaryType": "District"}]
    assert under_its_own["ancestors"] == [{"code": NERAGE, "boundaryType": "District"}]
    assert {under_the_parents["campaignId"], under_its_own["campaignId"]} == {"CMP-CHILD"}


def test_a_row_gets_the_campaigns_project_fields() -> None:
    # Given the rows of a campaign whose additionalDetails carry a project type and dates
    rows = target_rows(upload(), services(campaign()))

    # When a row is completed
    added = rows.added_to(canonical(KURA))

    # Then it carries the campaign's name, project type and dates, and nothing else of the
    # campaign's details
    assert added["project"] == {
        "name": "Bednets CMP-1",
        "projectType": "LLIN-mz",
        "startDate": START,
        "endDate": END,
    }


def test_project_fields_the_campaign_lacks_are_none() -> None:
    # Given the rows of a campaign without additionalDetails
    rows = target_rows(upload(), services(campaign(details={})))

    # When a row is completed
    added = rows.added_to(canonical(KURA))

    # Then its project has the campaign's name and no type or dates
    assert added["project"] == {
        "name": "Bednets CMP-1",
        "projectType": None,
        "startDate": None,
        "endDate": None,
    }


def test_each_row_gets_a_project_of_its_own() -> None:
    # Given two rows completed by the same TargetRows
    rows = target_rows(upload(), services(campaign()))
    first = rows.added_to(canonical(KURA))
    second = rows.added_to(canonical(SHADI))

    # When one row's project is changed
    first["project"]["name"] = "changed"

    # Then the other's is not
    assert second["project"]["name"] == "Bednets CMP-1"
