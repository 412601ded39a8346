import json

import pytest

from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.domain.audit import new_audit
from project_factory.domain.campaigns import Campaign, CampaignBoundary
from project_factory.domain.requests import RequestInfo
from project_factory.domain.target_calls import PendingRow
from project_factory.domain.templates import GeneratedStatus, GenerateRequest
from project_factory.errors import NotFoundError, TransientError
from project_factory.flows.template_build import generate_template
from project_factory.flows.template_requests import mark_generation_failed, request_generation
from project_factory.sheets.metadata import read_metadata
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table
from tests.support.workbooks import open_workbook
from tests.unit.generate.conftest import HIERARCHY, TENANT

SOURCE = BundledBoundarySource()
LEVELS = SOURCE.hierarchy(TENANT, HIERARCHY)


def facility(ref, name, permanent):
    data = {
        "name": name,
        "facilityType": "Warehouse",
        "isPermanent": permanent,
        "capacity": 500,
        "boundaryCodes": [first("Locality").code],
        "usage": "Active",
    }
    return PendingRow(ref, 2, data)


def first(level):
    return next(b for b in SOURCE.boundaries(TENANT, HIERARCHY) if b.type == level)


def district_filter(include_all_children=True):
    district = first("District")
    return {
        "boundaries": [
            {"code": district.code, "type": "District", "includeAllChildren": include_all_children}
        ]
    }


def requested(services, generated_type="userWithBoundary", **changes):
    fields = {
        "RequestInfo": RequestInfo(msgId="1|fr_FR"),
        "tenantId": TENANT,
        "type": generated_type,
        "hierarchyType": HIERARCHY,
    }
    return request_generation(GenerateRequest(**(fields | changes)), services)


def stored_campaign(services, campaign_id):
    district = district_filter()["boundaries"][0]
    services.campaigns.put(
        Campaign(
            id=campaign_id,
            tenantId=TENANT,
            hierarchyType=HIERARCHY,
            name="Bednets",
            boundaries=[CampaignBoundary(**district)],
            auditDetails=new_audit("tester"),
        )
    )


def test_a_generation_stores_the_workbook_and_completes_the_row(services):
    # Given a user template of a campaign requested in French for one district and its
    # localities
    stored_campaign(services, "CMP-1")
    row = requested(services, campaignId="CMP-1", Filters=district_filter())

    # When the state machine's task runs
    summary = generate_template(row.id, district_filter(), services)

    # Then the row is completed with the file, which is a workbook made for it
    done = services.generated.get(row.id)
    assert done.status == GeneratedStatus.COMPLETED
    assert summary == {
        "generatedId": row.id,
        "status": "completed",
        "fileStoreId": done.fileStoreId,
        "count": done.count,
    }
    data = services.files.read(TENANT, done.fileStoreId)
    metadata = read_metadata(data)
    assert {key: metadata[key] for key in ("type", "campaignId", "locale", "generatedId")} == {
        "type": "userWithBoundary",
        "campaignId": "CMP-1",
        "locale": "fr_FR",
        "generatedId": row.id,
    }


def test_the_count_is_the_number_of_boundaries_listed(services):
    # Given a template for one district and everything below it
    row = requested(services, Filters=district_filter())

    # When it is generated
    summary = generate_template(row.id, district_filter(), services)

    # Then the count is the district and its localities
    localities = SOURCE.descendants(TENANT, HIERARCHY, [first("District").code], True)
    assert summary["count"] == len(localities) > 1


def test_without_children_only_the_filtered_boundaries_are_listed(services):
    # Given a template for one district alone
    row = requested(services, Filters=district_filter(include_all_children=False))

    # When it is generated
    summary = generate_template(row.id, district_filter(include_all_children=False), services)

    # Then it lists that one boundary
    assert summary["count"] == 1


def test_without_filters_the_whole_hierarchy_is_listed(services):
    # Given a boundary template with no filters
    row = requested(services, "boundary")

    # When it is generated
    summary = generate_template(row.id, None, services)

    # Then every boundary of the hierarchy is in it
    assert summary["count"] == len(SOURCE.boundaries(TENANT, HIERARCHY))


def test_a_retried_generation_overwrites_its_file(services):
    # Given a generation whose first attempt stored its file but was not recorded
    row = requested(services, Filters=district_filter())
    first_summary = generate_template(row.id, district_filter(), services)
    services.generated._table.update_item(
        Key={"id": row.id},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "inprogress"},
    )

    # When the task runs again
    second_summary = generate_template(row.id, district_filter(), services)

    # Then the same file id is used
    assert second_summary["fileStoreId"] == first_summary["fileStoreId"]


def test_a_generation_expired_meanwhile_does_nothing(services):
    # Given a generation expired by a newer request before its task ran
    row = requested(services)
    requested(services, forceUpdate=True)

    # When its task runs
    summary = generate_template(row.id, None, services)

    # Then it stays expired, with no file
    assert (summary["status"], summary["fileStoreId"]) == ("expired", None)


def test_a_facility_template_lists_the_tenants_permanent_facilities(services):
    # Given a permanent and a temporary facility in the built-in registry
    create_registry_table(wired_settings().registry_table)
    registry = services.target("facility", HIERARCHY)
    registry.create(
        TENANT, [facility("r:1", "Central Store", True), facility("r:2", "Tent", False)]
    )
    row = requested(services, "facilityWithBoundary", Filters=district_filter(False))

    # When the facility template is generated
    summary = generate_template(row.id, district_filter(False), services)

    # Then its data sheet holds the permanent one below the header, and nothing else
    book = open_workbook(services.files.read(TENANT, summary["fileStoreId"]), read_only=True)
    names = [row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert [name for name in names if name] == ["Central Store"]


def test_unknown_filter_codes_fail_the_generation_for_good(services):
    # Given a request filtering on a boundary the hierarchy does not have
    filters = {"boundaries": [{"code": "NOWHERE", "includeAllChildren": True}]}
    row = requested(services, Filters=filters)

    # When its task runs
    # Then it fails with an error the Task does not retry
    with pytest.raises(NotFoundError, match="NOWHERE"):
        generate_template(row.id, filters, services)


def test_a_failing_boundary_source_ends_the_generation_failed_with_the_reason(services):
    # Given a generation, then a boundary service that is down
    row = requested(services)

    class Down(BundledBoundarySource):
        def boundaries(self, tenant_id, hierarchy_type):
            raise TransientError("boundary-service is unreachable")

    services.boundaries = Down()

    # When the task fails (its retries exhausted) and the Catch marks the row
    with pytest.raises(TransientError) as failure:
        generate_template(row.id, None, services)
    cause = {"errorType": type(failure.value).__name__, "errorMessage": str(failure.value)}
    failed = mark_generation_failed(
        row.id, {"Error": "TransientError", "Cause": json.dumps(cause)}, services
    )

    # Then the row is failed with the reason
    assert failed.status == GeneratedStatus.FAILED
    assert failed.additionalDetails["error"] == {
        "code": "TRANSIENT_ERROR",
        "message": "boundary-service is unreachable",
    }


def test_a_states_error_is_recorded_as_it_is(services):
    # Given a generation that timed out in the state machine
    row = requested(services)

    # When the Catch marks it with a States error (plain-text cause)
    failed = mark_generation_failed(
        row.id, {"Error": "States.Timeout", "Cause": "Task timed out"}, services
    )

    # Then the error is recorded as given
    assert failed.additionalDetails["error"] == {
        "code": "States.Timeout",
        "message": "Task timed out",
    }
