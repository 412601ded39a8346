"""Updates and deactivations in the built-in registry (adapters/targets/registry_changes.py)
on moto: fields set in place, a renamed facility keeping names unique, changes found by
their client reference."""

from dataclasses import replace

import pytest
from moto import mock_aws

from project_factory.adapters.targets.registry import registry_target
from project_factory.domain.target_calls import PendingRow
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"


@pytest.fixture
def facilities():
    with mock_aws():
        table = create_registry_table(TABLE)
        yield registry_target("facility", wired_settings(registry_table=TABLE), table=table)


def _facility(ref: str, name: str) -> PendingRow:
    return PendingRow(
        ref,
        1,
        {
            "name": name,
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": 100,
            "boundaryCodes": ["LOC_A"],
            "usage": "Active",
        },
    )


def _created(target, ref: str, name: str) -> str:
    [result] = target.create(TENANT, [_facility(ref, name)])
    assert result.outcome == "created"
    return str(result.id)


def _change(ref: str, record_id: str, operation: str = "update", **changes) -> PendingRow:
    row = _facility(ref, "ignored")
    return replace(row, operation=operation, record_id=record_id, changes=changes)


def test_an_update_sets_the_fields_and_is_found_by_its_reference(facilities):
    # Given a facility
    record_id = _created(facilities, "r1:2", "Central")
    # When its capacity is updated
    [result] = facilities.create(TENANT, [_change("r2:2", record_id, capacity=900)])
    # Then it is updated in place, and a retry's confirmation finds the change
    assert (result.outcome, result.id) == ("updated", record_id)
    assert facilities.records(TENANT, [record_id])[record_id]["capacity"] == 900
    change = _change("r2:2", record_id, capacity=900)
    assert facilities.changes_made(TENANT, [change])["r2:2"].outcome == "updated"


def test_a_deactivation_is_found_as_deactivated(facilities):
    record_id = _created(facilities, "r1:2", "Central")
    # When it is retired
    facilities.create(TENANT, [_change("r2:2", record_id, "deactivate", usage="Inactive")])
    # Then the record is Inactive and the change is found as a deactivation
    assert facilities.records(TENANT, [record_id])[record_id]["usage"] == "Inactive"
    change = _change("r2:2", record_id, "deactivate", usage="Inactive")
    assert facilities.changes_made(TENANT, [change])["r2:2"].outcome == "deactivated"


def test_a_rename_to_a_name_another_facility_holds_is_a_conflict_and_changes_nothing(facilities):
    # Given two facilities
    first = _created(facilities, "r1:2", "Central")
    _created(facilities, "r1:3", "North")
    # When the first is renamed to the second's name
    [result] = facilities.create(TENANT, [_change("r2:2", first, name="north ")])
    # Then it is a conflict naming the key, and the record keeps its name
    assert (result.outcome, result.code) == ("conflict", "DUPLICATE_NAME")
    assert facilities.records(TENANT, [first])[first]["name"] == "Central"


def test_a_rename_frees_the_old_name_for_another_facility(facilities):
    # Given a facility renamed
    record_id = _created(facilities, "r1:2", "Central")
    [renamed] = facilities.create(TENANT, [_change("r2:2", record_id, name="Central Depot")])
    assert renamed.outcome == "updated"
    # When a new facility takes the old name, and another the new one
    [free] = facilities.create(TENANT, [_facility("r3:2", "Central")])
    [taken] = facilities.create(TENANT, [_facility("r3:3", "Central Depot")])
    # Then the old name is free again and the new one is the renamed record's
    assert free.outcome == "created"
    assert taken.outcome in ("existing", "conflict") and taken.id == record_id


def test_a_change_of_a_record_that_is_gone_is_refused(facilities):
    [result] = facilities.create(TENANT, [_change("r2:2", "F-NOWHERE", capacity=1)])
    assert (result.outcome, result.code) == ("rejected", "RECORD_NOT_FOUND")
