import pytest
from moto import mock_aws

from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit import FacilityTarget
from project_factory.adapters.targets.registry import registry_target
from project_factory.domain.target_calls import PendingRow
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table

TENANT = "mz"


def facility(ref, name, permanent, codes=("LOC_A", "LOC_B")):
    data = {
        "name": name,
        "facilityType": "Warehouse",
        "isPermanent": permanent,
        "capacity": 1500,
        "boundaryCodes": list(codes),
        "usage": "Active",
    }
    return PendingRow(ref, int(ref.rsplit("-", 1)[-1]), data)


@pytest.fixture
def registry():
    with mock_aws():
        table = create_registry_table("registry")
        yield registry_target("facility", wired_settings(registry_table="registry"), table=table)


def test_the_registry_lists_only_the_tenants_permanent_facilities(registry):
    # Given a permanent and a temporary facility, and a permanent one of another tenant
    registry.create(TENANT, [facility("r-1", "Store", True), facility("r-2", "Tent", False)])
    registry.create("other", [facility("r-3", "Elsewhere", True)])

    # When the tenant's permanent facilities are listed
    (found,) = registry.permanent_facilities(TENANT)

    # Then the permanent one answers with its canonical fields and id
    assert found["id"].startswith("F-")
    assert {key: value for key, value in found.items() if key != "id"} == {
        "name": "Store",
        "facilityType": "Warehouse",
        "isPermanent": True,
        "capacity": 1500,
        "boundaryCodes": ["LOC_A", "LOC_B"],
        "usage": "Active",
    }


def test_the_facility_service_lists_only_the_tenants_permanent_facilities(digit):
    # Given a permanent and a temporary facility in the facility service
    target = FacilityTarget(JsonHttpClient(digit.url, "token", 0.5, 0.5), batch_size=10)
    target.create(TENANT, [facility("d-1", "Store", True), facility("d-2", "Tent", False)])

    # When the tenant's permanent facilities are listed
    (found,) = target.permanent_facilities(TENANT)

    # Then the permanent one answers with the canonical fields the service keeps
    assert found == {
        "id": found["id"],
        "name": "Store",
        "facilityType": "Warehouse",
        "isPermanent": True,
        "capacity": 1500,
        "boundaryCodes": ["LOC_A", "LOC_B"],
    }
