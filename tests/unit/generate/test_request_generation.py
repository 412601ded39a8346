import pytest

from project_factory.domain.requests import RequestInfo
from project_factory.domain.templates import GeneratedStatus, GenerateRequest, template_key
from project_factory.errors import InvalidRequestError
from project_factory.flows.template_requests import request_generation
from tests.unit.generate.conftest import HIERARCHY, STATE_MACHINE, TENANT, put_campaign

KEY = template_key(TENANT, "facilityWithBoundary", HIERARCHY, "CMP-1")


def generate(force=False, **changes):
    fields = {
        "RequestInfo": RequestInfo(msgId="1|fr_FR", userInfo={"uuid": "admin-1"}),
        "tenantId": TENANT,
        "type": "facilityWithBoundary",
        "hierarchyType": HIERARCHY,
        "campaignId": "CMP-1",
        "forceUpdate": force,
    }
    return GenerateRequest(**(fields | changes))


@pytest.fixture(autouse=True)
def campaign(services):
    put_campaign(services, "CMP-1")


def test_a_first_request_puts_a_row_in_progress_and_starts_its_generation(services, workflow):
    # Given no generation of the template yet
    # When one is requested
    row = request_generation(generate(), services)

    # Then the row is in progress without a file, stored, and its execution is named by it
    assert (row.status, row.fileStoreId) == (GeneratedStatus.IN_PROGRESS, None)
    assert services.generated.get(row.id) == row
    assert workflow.started == [(STATE_MACHINE, row.id, {"generatedId": row.id, "filters": None})]


def test_the_request_locale_and_filters_are_kept_with_the_row(services, workflow):
    # Given a request in French for one district and everything below it
    filters = {"boundaries": [{"code": "D1", "type": "District", "includeAllChildren": True}]}

    # When it is made
    row = request_generation(generate(Filters=filters), services)

    # Then the generation will know both
    assert row.additionalDetails["locale"] == "fr_FR"
    assert workflow.started[0][2]["filters"]["boundaries"][0]["code"] == "D1"
    assert row.auditDetails.createdBy == "admin-1"


def test_without_force_update_the_current_row_is_returned_and_nothing_starts(services, workflow):
    # Given a generation already requested
    first = request_generation(generate(), services)
    workflow.started.clear()

    # When the same template is requested without forceUpdate
    again = request_generation(generate(), services)

    # Then the same row answers and no execution starts
    assert again == first
    assert workflow.started == []


def test_without_force_update_a_failed_generation_is_replaced(services, workflow):
    # Given a generation that failed
    failed = request_generation(generate(), services)
    services.generated.fail(failed.id, "TransientError", "boom")

    # When the template is requested again
    again = request_generation(generate(), services)

    # Then a new generation starts
    assert again.id != failed.id
    assert workflow.started[-1][1] == again.id


def test_force_update_expires_every_earlier_row(services, workflow):
    # Given a completed generation and, through an old race, a second current one
    first = request_generation(generate(), services)
    services.generated.complete(first.id, "file-1", 3)
    second = request_generation(generate(force=True), services)

    # When the template is requested with forceUpdate again
    third = request_generation(generate(force=True), services)

    # Then both earlier rows are expired and only the new one is current
    assert services.generated.get(first.id).status == GeneratedStatus.EXPIRED
    assert services.generated.get(second.id).status == GeneratedStatus.EXPIRED
    assert services.generated.latest(KEY).id == third.id
    assert third.status == GeneratedStatus.IN_PROGRESS
    assert workflow.started[-1][1] == third.id


def test_an_unknown_hierarchy_is_refused_before_anything_is_stored(services, workflow):
    # Given / When a hierarchy the boundary source does not know is asked for
    with pytest.raises(InvalidRequestError) as refused:
        request_generation(generate(hierarchyType="NOPE"), services)

    # Then the request is refused with 400 INVALID_HIERARCHY and nothing starts
    assert (refused.value.code, refused.value.http_status) == ("INVALID_HIERARCHY", 400)
    assert workflow.started == []
    assert (
        services.generated.latest(template_key(TENANT, "facilityWithBoundary", "NOPE", "CMP-1"))
        is None
    )


def test_an_unknown_type_is_refused_by_the_request_model():
    # Given / When / Then
    with pytest.raises(ValueError, match="type"):
        generate(type="facility")


def test_a_generation_that_cannot_start_is_marked_failed(services, workflow):
    # Given a workflow that refuses to start
    def refuse(*_args):
        raise RuntimeError("throttled")

    workflow.start = refuse

    # When a generation is requested
    with pytest.raises(RuntimeError):
        request_generation(generate(), services)

    # Then its row is failed, not left in progress for ever
    (row,) = [services.generated.latest(KEY)]
    assert row.status == GeneratedStatus.FAILED
    assert "throttled" in row.additionalDetails["error"]["message"]


def test_a_campaign_nobody_created_is_refused_at_once(services, workflow):
    # Given no campaign CMP-404
    # When a template is requested for it
    with pytest.raises(InvalidRequestError, match="CMP-404") as refusal:
        request_generation(generate(campaignId="CMP-404"), services)

    # Then the request is a 400 naming it, and nothing is stored or started
    assert (refusal.value.code, refusal.value.http_status) == ("INVALID_CAMPAIGN", 400)
    assert workflow.started == []
    assert (
        services.generated.latest(
            template_key(TENANT, "facilityWithBoundary", HIERARCHY, "CMP-404"), None
        )
        is None
    )


def test_a_campaign_of_another_tenant_is_refused_at_once(services, workflow):
    # Given a campaign of another tenant
    put_campaign(services, "CMP-OTHER", tenant_id="elsewhere")

    # When this tenant asks for its template
    with pytest.raises(InvalidRequestError, match="elsewhere") as refusal:
        request_generation(generate(campaignId="CMP-OTHER"), services)

    # Then it is refused, and nothing starts
    assert refusal.value.code == "INVALID_CAMPAIGN"
    assert workflow.started == []
