"""The same file uploaded ten times at once, created into the built-in registry (issue #10)."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.support.api import FINAL
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    assert_nothing_created_twice,
    header,
    processed_rows,
    registry_entities,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
UPLOADS = 10
FACILITIES = 30


@pytest.fixture(autouse=True)
def atomic_conditional_writes(monkeypatch):
    """DynamoDB checks a condition and writes in one step; moto checks and writes in two
    Python steps, which the stack's threads can interleave. Under one lock moto does what
    DynamoDB does, so this test is about the registry's claims, not about moto."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    put_item = DynamoDBBackend.put_item

    def atomic_put_item(self, *arguments, **keywords):
        with lock:
            return put_item(self, *arguments, **keywords)

    monkeypatch.setattr(DynamoDBBackend, "put_item", atomic_put_item)


@pytest.fixture(autouse=True)
def metrics_off(monkeypatch):
    """Powertools' Metrics is one object per process: on Lambda an invocation has its process
    to itself, here the stack runs ten at once in one, and a flush racing another raises
    ("Must contain at least one metric"). Off for these tests, which are about claims."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")


@pytest.fixture
def validation_sees_no_registered_names(monkeypatch):
    """Every file reaches the create step, as when the ten uploads pass validation together:
    validation's check of registered names is a courtesy, the claims are the guarantee."""
    monkeypatch.setattr(
        "project_factory.flows.validate._registered",
        lambda _row, _spec, _target: lambda _column, _values: set(),
    )


def test_ten_uploads_of_one_file_at_once_create_each_facility_once(client, stack):
    # Given one workbook of 30 facilities, uploaded ten times (ten files, ten resources)
    rows = facility_rows(FACILITIES, invalid=0)

    # When all ten are submitted for creation at the same moment
    resources = _created_at_once(client, rows)

    # Then the registry holds the 30 facilities, each CREATED once across the ten files
    _assert_each_facility_created_once(client, stack, rows, resources)


def test_ten_uploads_past_validation_together_create_each_facility_once(
    client, stack, validation_sees_no_registered_names
):
    # Given one workbook of 30 facilities, uploaded ten times, all ten passing validation
    rows = facility_rows(FACILITIES, invalid=0)

    # When all ten are submitted for creation at the same moment
    resources = _created_at_once(client, rows)

    # Then the registry holds the 30 facilities, each CREATED once across the ten files
    _assert_each_facility_created_once(client, stack, rows, resources)
    # and the other rows are that same facility: SKIPPED, none INVALID nor left behind
    statuses = Counter(
        row["#status#"]
        for resource in resources
        for row in processed_rows(client, resource, FACILITY)
    )
    assert statuses == {"CREATED": FACILITIES, "SKIPPED": (UPLOADS - 1) * FACILITIES}


def _created_at_once(client, rows):
    """Ten files of these rows, submitted by ten threads at once; their final resources."""
    workbook = workbook_from_rows(FACILITY, rows)
    file_store_ids = [client.upload(workbook) for _ in range(UPLOADS)]
    start = threading.Barrier(UPLOADS)

    def submit(file_store_id):
        start.wait()
        return _submitted(client, file_store_id)

    with ThreadPoolExecutor(UPLOADS) as pool:
        resource_ids = list(pool.map(submit, file_store_ids))
    return _final(client, resource_ids)


def _submitted(client, file_store_id):
    accepted = client.create(file_store_id, "facility")
    assert accepted.status_code == 200, accepted.text
    return accepted.json()["ResourceDetails"]["id"]


def _final(client, resource_ids, timeout=90):
    """The resources once all are final, polled together from this one thread."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.search(id=resource_ids, limit=len(resource_ids))
        assert answer.status_code == 200, answer.text
        found = answer.json()["ResourceDetails"]
        by_id = {resource["id"]: resource for resource in found}
        if all(by_id.get(i, {}).get("status") in FINAL for i in resource_ids):
            return [by_id[i] for i in resource_ids]
        assert time.monotonic() < deadline, f"not final after {timeout}s: {found}"
        time.sleep(0.2)


def _assert_each_facility_created_once(client, stack, rows, resources):
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert sorted(entity["name"] for entity in entities) == sorted(row[NAME] for row in rows)
    assert_nothing_created_twice(entities)
    processed = [processed_rows(client, resource, FACILITY) for resource in resources]
    for file_rows in processed:
        assert_each_input_row_once_with_a_final_status(file_rows, rows, NAME)
    created = Counter(
        row[header(NAME)]
        for file_rows in processed
        for row in file_rows
        if row["#status#"] == "CREATED"
    )
    assert sorted(created) == sorted(row[NAME] for row in rows)
    assert set(created.values()) == {1}
    counts = [resource["additionalDetails"]["counts"]["created"] for resource in resources]
    assert sum(counts) == FACILITIES
    assert counts.count(FACILITIES) <= 1
    # Every row that names an id names the registry's facility of that name (the created
    # rows, one per facility, at least).
    id_of_name = {entity["name"]: entity["id"] for entity in entities}
    code = header("HCM_ADMIN_CONSOLE_FACILITY_CODE")
    naming = [row for file_rows in processed for row in file_rows if row.get(code)]
    assert len(naming) >= FACILITIES
    for row in naming:
        assert row[code] == id_of_name[row[header(NAME)]], row
