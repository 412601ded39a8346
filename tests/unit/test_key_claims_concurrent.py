"""Uploads racing for the same business keys in the built-in registry, in threads."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from project_factory.adapters.targets.registry import registry_target
from project_factory.domain.target_calls import PendingRow
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"
# Attempts of one row before a test gives up on it (the flow's MaxRetries, generously).
ROUNDS = 200
#: The pause between rounds: 200 of them give the owner seconds, not microseconds.
BACKOFF_SECONDS = 0.01


#: moto's DynamoDB calls that can change a table's dict of items (the fixture's lock covers
#: each): its reads too, since the dict is a defaultdict that a read of a new key grows
#: (moto answers BatchGetItem and BatchWriteItem with these, one key at a time)
CALLS = (
    "put_item",
    "transact_write_items",
    "delete_item",
    "update_item",
    "get_item",
    "query",
    "scan",
)


@pytest.fixture
def table(monkeypatch):
    """The registry table on moto, whose conditional writes are made atomic.

    DynamoDB checks a condition and writes in one step; moto checks and writes in two
    Python steps, which threads can interleave, and a cancelled transaction puts back a
    copy of the whole table, undoing what other threads wrote meanwhile (and a write by
    another thread during that copy fails it: "dictionary changed size during iteration").
    Under one lock for every call moto does what DynamoDB does, so these tests are about the
    registry's claims, not about moto.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in CALLS:
        monkeypatch.setattr(DynamoDBBackend, name, _under(lock, getattr(DynamoDBBackend, name)))
    with mock_aws():
        yield create_registry_table(TABLE)


def _under(lock, write):
    def atomic(self, *arguments, **keywords):
        with lock:
            return write(self, *arguments, **keywords)

    return atomic


def registry(table, resource_type="facility"):
    return registry_target(resource_type, wired_settings(registry_table=TABLE), table=table)


def facility(ref, number):
    return PendingRow(
        ref,
        number,
        {
            "name": f"Health Post {number:02d}",
            "facilityType": "Health Facility",
            "isPermanent": number % 2 == 0,
            "capacity": 100 + number,
            "boundaryCodes": ["MZ_01"],
            "usage": "Active",
        },
    )


def entities(table, resource_type="facility"):
    pk = f"ENTITY#{TENANT}#{resource_type}"
    return table.query(KeyConditionExpression=Key("pk").eq(pk), ConsistentRead=True)["Items"]


def create_until_settled(target, rows):
    """Creates rows as the flow does: rows answered pending are sent again after a pause
    (the flow's backoff), until none is. Without the pause a thread could spend all its
    rounds before the key's owner, on a loaded machine, is scheduled to write its record."""
    results = {}
    left = list(rows)
    for _ in range(ROUNDS):
        answered = target.create(TENANT, left)
        results |= {result.client_ref: result for result in answered}
        left = [
            row for row, result in zip(left, answered, strict=True) if result.outcome == "pending"
        ]
        if not left:
            return results
        time.sleep(BACKOFF_SECONDS)
    raise AssertionError(f"still pending after {ROUNDS} attempts: {left[:3]}")


def race(uploads):
    """Every upload's rows created at the same moment, one thread per upload."""
    start = threading.Barrier(len(uploads))

    def upload(item):
        target, rows = item
        start.wait()
        return create_until_settled(target, rows)

    with ThreadPoolExecutor(len(uploads)) as pool:
        return list(pool.map(upload, uploads))


def test_two_references_racing_for_one_name_make_one_facility(table):
    # Given two uploads, each with a row naming the same new facility
    uploads = [(registry(table), [facility(f"res-{n}:1", 1)]) for n in (1, 2)]

    # When both are created at the same moment
    answers = race(uploads)

    # Then exactly one row is created and the other is the same facility, existing
    outcomes = sorted((r.outcome, r.id) for answer in answers for r in answer.values())
    created = [item for item in outcomes if item[0] == "created"]
    assert len(created) == 1, outcomes
    created_id = created[0][1]
    assert outcomes == sorted([("created", created_id), ("existing", created_id)])
    assert [entity["id"] for entity in entities(table)] == [created_id]


def test_a_retry_racing_its_own_first_attempt_makes_one_record(table):
    # Given one user row sent by two attempts at the same moment (a retry of a slow call)
    row = PendingRow(
        "res-1:1",
        1,
        {
            "name": "Ana Tembe",
            "phone": "9876543210",
            "roles": ["REGISTRAR"],
            "employmentType": "Temporary",
            "boundaryCodes": ["MZ_01"],
            "usage": "Active",
            "password": "Pa55@word12",
            "username": "USR-MZ-000001",
        },
    )

    # When both are created
    answers = race([(registry(table, "user"), [row]), (registry(table, "user"), [row])])

    # Then both answer the same record, which exists once
    [first], [second] = (list(answer.values()) for answer in answers)
    assert (first.outcome, second.outcome) == ("created", "created")
    assert first.id == second.id
    assert [entity["id"] for entity in entities(table, "user")] == [first.id]


def test_ten_uploads_of_the_same_twenty_facilities_make_twenty(table):
    # Given ten uploads of the same 20 facilities, each under its own client references
    uploads = [
        (registry(table), [facility(f"res-{upload}:{n}", n) for n in range(1, 21)])
        for upload in range(10)
    ]

    # When all ten are created at the same moment
    answers = race(uploads)

    # Then the table holds exactly 20 facilities, one per name
    stored = entities(table)
    assert len(stored) == 20
    assert sorted(entity["name"] for entity in stored) == [
        f"Health Post {n:02d}" for n in range(1, 21)
    ]
    # and each was created by one row; every other row is that same facility, existing
    results = [result for answer in answers for result in answer.values()]
    assert Counter(result.outcome for result in results) == {"created": 20, "existing": 180}
    id_of_name = {entity["name"]: entity["id"] for entity in stored}
    for (_, rows), answer in zip(uploads, answers, strict=True):
        for row in rows:
            assert answer[row.client_ref].id == id_of_name[row.data["name"]]
