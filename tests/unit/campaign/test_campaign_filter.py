"""A campaign's template lists the campaign's boundaries, its parent's included."""

import pytest

from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.template_build import generate_template
from tests.support.workbooks import open_workbook
from tests.unit.campaign.support import (
    NEW_DISTRICTS,
    PARENT,
    PARENT_DISTRICTS,
    TENANT,
    below,
    generated,
    parent_and_child,
    put_campaign,
    requested,
    stored_generation,
)


def listed_codes(data: bytes) -> set[str]:
    """The codes of the boundary sheet (the last column of a facility/user template's)."""
    book = open_workbook(data, read_only=True)
    rows = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    return {row[-1] for row in rows}


def test_without_filters_a_child_template_lists_its_parents_and_its_own_boundaries(services):
    # Given a parent over two districts and a child adding two more (a boundary template
    # needs no data of the parent)
    parent_and_child(services)

    # When the child's boundary template is generated without filters
    summary = generate_template(requested(services, "boundary"), None, services)

    # Then it lists the four districts and everything below them, nothing else
    assert summary["count"] == len(below([*PARENT_DISTRICTS, *NEW_DISTRICTS]))


def test_without_filters_a_campaign_template_lists_only_the_campaigns_boundaries(services):
    # Given a campaign over two districts
    put_campaign(services, PARENT, PARENT_DISTRICTS)

    # When its user template is generated without filters
    data = generated(services, "userWithBoundary", PARENT)

    # Then its boundary sheet lists those districts and what is below them
    assert listed_codes(data) == below(PARENT_DISTRICTS)


def test_a_campaign_that_does_not_exist_fails_the_generation(services):
    # Given a generation stored for a campaign nobody created (requests for one are refused
    # at once; the task checks again, for a row written otherwise)
    generated_id = stored_generation(services, "userWithBoundary", "CMP-NOWHERE")

    # When its task runs
    # Then it fails for good, naming the campaign
    with pytest.raises(NotFoundError, match="CMP-NOWHERE") as failure:
        generate_template(generated_id, None, services)
    assert failure.value.code == "CAMPAIGN_NOT_FOUND"


def test_a_campaign_of_another_tenant_is_not_found(services):
    # Given a campaign moved to another tenant after its generation was requested
    put_campaign(services, PARENT, PARENT_DISTRICTS)
    generated_id = requested(services, "boundary", PARENT)
    other = services.campaigns.get(PARENT).model_copy(update={"tenantId": "elsewhere"})
    services.campaigns.put(other)

    # When its task runs
    # Then the campaign is not found in the generation's tenant
    with pytest.raises(NotFoundError, match=TENANT) as failure:
        generate_template(generated_id, None, services)
    assert failure.value.code == "CAMPAIGN_NOT_FOUND"


def test_a_campaign_of_another_hierarchy_fails_the_generation(services):
    # Given a campaign stored with another hierarchy after its generation was requested
    put_campaign(services, PARENT, PARENT_DISTRICTS)
    generated_id = requested(services, "boundary", PARENT)
    other = services.campaigns.get(PARENT).model_copy(update={"hierarchyType": "HEALTH"})
    services.campaigns.put(other)

    # When its task runs
    # Then it fails for good, naming both hierarchies
    with pytest.raises(InvalidRequestError, match="HEALTH") as failure:
        generate_template(generated_id, None, services)
    assert failure.value.code == "HIERARCHY_MISMATCH"
