import boto3
import pytest

from project_factory.adapters.generated_store import DynamoGeneratedStore
from project_factory.domain.audit import AuditDetails
from project_factory.domain.templates import GeneratedResource, GeneratedStatus, template_key
from project_factory.errors import NotFoundError
from tests.unit.generate.conftest import GENERATED_TABLE, HIERARCHY, TENANT

KEY = template_key(TENANT, "userWithBoundary", HIERARCHY, "CMP-1")
NOW = 1_700_000_000.0
EXPIRY_SECONDS = 90 * 86_400


@pytest.fixture
def store(aws):
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(GENERATED_TABLE)
    return DynamoGeneratedStore(table, expiry_seconds=EXPIRY_SECONDS, clock=lambda: NOW)


def row(row_id, created, status=GeneratedStatus.IN_PROGRESS, campaign="CMP-1", **changes):
    audit = AuditDetails(
        createdBy="u", createdTime=created, lastModifiedBy="u", lastModifiedTime=created
    )
    fields = {
        "id": row_id,
        "type": "userWithBoundary",
        "status": status,
        "hierarchyType": HIERARCHY,
        "tenantId": TENANT,
        "campaignId": campaign,
        "auditDetails": audit,
    }
    return GeneratedResource(**(fields | changes))


def test_a_new_row_is_read_back_as_it_was_put(store):
    # Given a row with details holding a fraction
    new = row("g1", 1000, additionalDetails={"locale": "fr_FR", "share": 0.5})

    # When it is put and read back
    store.put_new(new)

    # Then it is the same row
    assert store.get("g1") == new


def test_putting_an_existing_id_keeps_the_stored_row(store):
    # Given a completed row
    store.put_new(row("g1", 1000, status=GeneratedStatus.COMPLETED))

    # When a row with the same id is put
    answer = store.put_new(row("g1", 2000))

    # Then the stored row is untouched and answered
    assert answer.status == GeneratedStatus.COMPLETED
    assert store.get("g1").auditDetails.createdTime == 1000


def test_an_unknown_id_is_not_found(store):
    # Given / When / Then
    with pytest.raises(NotFoundError):
        store.get("missing")


def test_latest_is_the_newest_row_of_the_template(store):
    # Given three generations of a template and a newer one for another campaign
    for index, created in enumerate((1000, 3000, 2000)):
        store.put_new(row(f"g{index}", created))
    store.put_new(row("other", 9000, campaign="CMP-2"))

    # When / Then the newest of this template answers
    assert store.latest(KEY).id == "g1"


def test_latest_with_statuses_skips_rows_in_other_statuses(store):
    # Given a completed generation, then a newer failed one
    store.put_new(row("done", 1000, status=GeneratedStatus.COMPLETED))
    store.put_new(row("broken", 2000, status=GeneratedStatus.FAILED))

    # When / Then the newest completed or in-progress row answers
    assert store.latest(KEY, [GeneratedStatus.COMPLETED, GeneratedStatus.IN_PROGRESS]).id == "done"


def test_latest_of_a_template_without_rows_is_none(store):
    # Given / When / Then
    assert store.latest(KEY) is None


def test_expire_all_active_expires_every_earlier_row_not_only_the_latest(store):
    # Given two completed generations (an earlier bug left one current), one in progress,
    # one failed and one already expired
    store.put_new(row("old", 1000, status=GeneratedStatus.COMPLETED))
    store.put_new(row("older", 500, status=GeneratedStatus.COMPLETED))
    store.put_new(row("running", 2000))
    store.put_new(row("broken", 1500, status=GeneratedStatus.FAILED))
    store.put_new(row("gone", 100, status=GeneratedStatus.EXPIRED))

    # When the template's rows are expired
    expired = store.expire_all_active(KEY, user="admin")

    # Then every row that was not expired is, newest first, with a TTL and who did it
    assert expired == ["running", "broken", "old", "older"]
    for row_id in expired:
        stored = store.get(row_id)
        assert stored.status == GeneratedStatus.EXPIRED
        assert stored.auditDetails.lastModifiedBy == "admin"
    item = boto3.resource("dynamodb", region_name="us-east-1").Table(GENERATED_TABLE)
    assert item.get_item(Key={"id": "old"})["Item"]["expiresAt"] == int(NOW) + EXPIRY_SECONDS


def test_expire_all_active_leaves_other_templates_alone(store):
    # Given a completed row of another campaign
    store.put_new(row("other", 1000, status=GeneratedStatus.COMPLETED, campaign="CMP-2"))

    # When this campaign's template rows are expired
    store.expire_all_active(KEY)

    # Then the other campaign's row is still completed
    assert store.get("other").status == GeneratedStatus.COMPLETED


def test_complete_records_the_file_and_count(store):
    # Given a row in progress
    store.put_new(row("g1", 1000))

    # When it completes
    done = store.complete("g1", "file-1", 42)

    # Then it is completed with its file and count, as stored
    assert (done.status, done.fileStoreId, done.count) == (GeneratedStatus.COMPLETED, "file-1", 42)
    assert store.get("g1") == done


def test_complete_leaves_a_row_expired_meanwhile_expired(store):
    # Given a row expired while it was being generated
    store.put_new(row("g1", 1000, status=GeneratedStatus.EXPIRED))

    # When its generation completes
    answer = store.complete("g1", "file-1", 42)

    # Then it stays expired, without the file
    assert answer.status == GeneratedStatus.EXPIRED
    assert answer.fileStoreId is None


def test_fail_keeps_the_details_and_adds_the_error(store):
    # Given a row in progress with its locale
    store.put_new(row("g1", 1000, additionalDetails={"locale": "en_IN"}))

    # When it fails
    failed = store.fail("g1", "TransientError", "boundary service unreachable")

    # Then it is failed with the error beside its other details
    assert failed.status == GeneratedStatus.FAILED
    assert failed.additionalDetails == {
        "locale": "en_IN",
        "error": {"code": "TransientError", "message": "boundary service unreachable"},
    }


def test_fail_does_not_undo_a_completion(store):
    # Given a completed row
    store.put_new(row("g1", 1000))
    store.complete("g1", "file-1", 3)

    # When a late failure arrives
    answer = store.fail("g1", "States.Timeout", "late")

    # Then it is still completed
    assert answer.status == GeneratedStatus.COMPLETED
