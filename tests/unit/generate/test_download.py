import pytest

from project_factory.domain.requests import RequestInfo
from project_factory.domain.templates import GeneratedStatus, GenerateRequest
from project_factory.errors import InvalidRequestError
from project_factory.flows.template_requests import download, request_generation
from tests.unit.generate.conftest import HIERARCHY, TENANT, put_campaign

TYPE = "userWithBoundary"


def requested(services, **changes):
    fields = {"RequestInfo": RequestInfo(), "tenantId": TENANT, "type": TYPE}
    request = GenerateRequest(**(fields | {"hierarchyType": HIERARCHY} | changes))
    return request_generation(request, services)


def fetch(services, **options):
    return download(TENANT, TYPE, HIERARCHY, services=services, **options)


def test_a_download_without_any_generation_starts_one(services, workflow):
    # Given no generation of the template
    # When it is downloaded
    answer = fetch(services)

    # Then nothing is answered yet, and a generation has started for the next poll
    assert answer == []
    (started,) = workflow.started
    assert fetch(services)[0].id == started[1]


def test_a_download_whose_latest_generation_failed_starts_a_new_one(services, workflow):
    # Given a generation that failed
    failed = requested(services)
    services.generated.fail(failed.id, "TransientError", "boom")
    workflow.started.clear()

    # When the template is downloaded
    answer = fetch(services)

    # Then the failed row is answered and a new generation has started
    assert [row.id for row in answer] == [failed.id]
    (started,) = workflow.started
    assert started[1] != failed.id


def test_a_completed_generation_is_answered_and_nothing_starts(services, workflow):
    # Given a completed generation
    row = requested(services)
    services.generated.complete(row.id, "file-1", 7)
    workflow.started.clear()

    # When the template is downloaded
    (answer,) = fetch(services)

    # Then it is answered with its file, and nothing starts
    assert (answer.status, answer.fileStoreId) == (GeneratedStatus.COMPLETED, "file-1")
    assert workflow.started == []


def test_polling_for_completed_while_in_progress_starts_nothing_more(services, workflow):
    # Given a generation in progress
    requested(services)
    workflow.started.clear()

    # When a client polls for the completed template
    answer = fetch(services, statuses=["completed"])

    # Then nothing matches yet and no second generation starts
    assert answer == []
    assert workflow.started == []


def test_a_download_by_id_answers_that_row(services):
    # Given a generation expired by a newer one
    old = requested(services)
    requested(services, forceUpdate=True)

    # When the old one is downloaded by its id
    (answer,) = fetch(services, generated_id=old.id)

    # Then that row answers, expired
    assert (answer.id, answer.status) == (old.id, GeneratedStatus.EXPIRED)


def test_a_download_by_id_of_another_template_answers_nothing(services):
    # Given a generation of another campaign
    put_campaign(services, "CMP-9")
    other = requested(services, campaignId="CMP-9")

    # When it is asked for by id under no campaign
    answer = fetch(services, generated_id=other.id)

    # Then nothing matches
    assert answer == []


@pytest.mark.parametrize(
    ("options", "code"),
    [({"statuses": ["done"]}, "INVALID_STATUS"), ({}, "INVALID_TYPE")],
)
def test_unknown_statuses_and_types_are_refused(services, options, code):
    # Given / When a download with an unknown status or type
    generated_type = TYPE if options else "facility"
    with pytest.raises(InvalidRequestError) as refused:
        download(TENANT, generated_type, HIERARCHY, services=services, **options)

    # Then it is refused
    assert refused.value.code == code
