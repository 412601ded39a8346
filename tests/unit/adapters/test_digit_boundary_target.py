import pytest

from project_factory.adapters.targets.digit import (
    BoundaryTarget,
)
from project_factory.domain.target_calls import PendingRow
from tests.fakes.digit_services import BOUNDARY_CREATE, RELATIONSHIP_CREATE

TENANT = "mz"


def boundary(ref: str, code: str, boundary_type: str, parent: str | None) -> PendingRow:
    return PendingRow(
        ref,
        int(ref.rsplit("-", 1)[-1]),
        {"code": code, "name": code.title(), "boundaryType": boundary_type, "parentCode": parent},
    )


def tree() -> list[PendingRow]:
    # Children before their parents: the target must order them itself.
    return [
        boundary("res3-3", "MZ_ERATI", "District", "MZ_NAMPULA"),
        boundary("res3-2", "MZ_NAMPULA", "Province", "MZ"),
        boundary("res3-1", "MZ", "Country", None),
    ]


@pytest.fixture
def target(client) -> BoundaryTarget:
    return BoundaryTarget(client, hierarchy_type="ADMIN", batch_size=10)


def test_create_makes_entities_and_relationships_and_confirms_them(digit, target):
    # Given a country, a province and a district, listed children first
    # When they are created
    results = target.create(TENANT, tree())

    # Then all three are created, each entity carrying its row's client reference
    assert [result.outcome for result in results] == ["created", "created", "created"]
    entities = {entity["code"]: entity for entity in digit.records("boundary")}
    assert entities["MZ_ERATI"]["additionalDetails"]["clientReferenceId"] == "res3-3"
    assert results[0].id == entities["MZ_ERATI"]["id"]
    parents = {rel["code"]: rel["parent"] for rel in digit.records("relationship")}
    assert parents == {"MZ": None, "MZ_NAMPULA": "MZ", "MZ_ERATI": "MZ_NAMPULA"}


def test_find_confirms_boundaries_by_client_reference(target):
    # Given a created tree
    target.create(TENANT, tree())

    # When references are looked up
    found = target.find(TENANT, ["res3-1", "res3-3", "res3-9"])

    # Then the created ones are found
    assert sorted(found) == ["res3-1", "res3-3"]
    assert found["res3-3"].outcome == "created"


def test_a_code_taken_by_another_boundary_is_rejected(target):
    # Given a boundary created by an earlier upload
    target.create(TENANT, [boundary("old-1", "MZ", "Country", None)])

    # When another upload's row uses the same code
    (result,) = target.create(TENANT, [boundary("res3-1", "MZ", "Country", None)])

    # Then the row is rejected as a duplicate code
    assert result.outcome == "rejected"
    assert result.code == "DUPLICATE_CODE"


def test_a_refused_boundary_is_rejected_and_its_children_are_not_written(digit, target):
    # Given the boundary service refusing the province
    digit.reject("res3-2", "name contains forbidden characters", code="INVALID_NAME")

    # When the tree is created
    results = {result.client_ref: result for result in target.create(TENANT, tree())}

    # Then the province is rejected with the service's reason, the country created, and the
    # district rejected for its parent without an entity left holding its code
    assert results["res3-2"].outcome == "rejected"
    assert results["res3-2"].code == "INVALID_NAME"
    assert results["res3-2"].reason == (
        "name contains forbidden characters (boundary-service /boundary-service/boundary/_create,"
        " HTTP 400)"
    )
    assert results["res3-1"].outcome == "created"
    assert results["res3-3"].outcome == "rejected"
    assert results["res3-3"].code == "PARENT_REJECTED"
    assert sorted(entity["code"] for entity in digit.records("boundary")) == ["MZ"]


def test_a_refused_relationship_is_rejected_with_the_service_reason(digit, target):
    # Given a parent code that is not in the hierarchy
    row = boundary("res3-1", "MZ_ERATI", "District", "MZ_UNKNOWN")

    # When the row is created
    (result,) = target.create(TENANT, [row])

    # Then the relationship's refusal rejects it
    assert result.outcome == "rejected"
    assert result.code == "INVALID_PARENT"
    assert "MZ_UNKNOWN" in (result.reason or "")


def test_a_server_error_leaves_the_rows_pending_with_its_reason(digit, target):
    # Given a boundary service failing with 503
    digit.fail_next(BOUNDARY_CREATE, 1, status=503)

    # When boundaries are created
    results = target.create(TENANT, tree())

    # Then nothing is created, and the rows wait for the next attempt, saying why
    assert {result.outcome for result in results} == {"pending"}
    assert any("boundary-service" in (result.reason or "") for result in results)
    assert digit.records("boundary") == []


def test_a_lost_answer_is_read_back_and_a_retry_sends_nothing_twice(digit, target):
    # Given a create whose first entity answer was lost after the service made the entity
    digit.timeout_next(BOUNDARY_CREATE, 1, seconds=0.5)
    first = target.create(TENANT, tree())
    # (the entities are read back by code at once: the lost answer costs nothing)
    assert [result.outcome for result in first] == ["created", "created", "created"]

    # When the create is retried
    results = target.create(TENANT, tree())

    # Then every row is created, and no entity or relationship was ever sent twice
    assert [result.outcome for result in results] == ["created", "created", "created"]
    assert digit.duplicates("boundary") == 0
    assert digit.duplicates("relationship") == 0
    assert digit.calls(RELATIONSHIP_CREATE) == 3
    assert len(digit.records("boundary")) == 3


def test_registered_tells_which_codes_exist(target):
    # Given a created country
    target.create(TENANT, [boundary("res3-1", "MZ", "Country", None)])

    # When codes are checked
    # Then only the existing one is reported
    assert target.registered(TENANT, "code", ["MZ", "MZ_NEW"]) == {"MZ"}


def test_rows_whose_parents_form_a_cycle_are_rejected_without_being_written(digit, target):
    # Given two rows each naming the other as parent
    rows = [
        boundary("res3-1", "MZ_A", "Province", "MZ_B"),
        boundary("res3-2", "MZ_B", "Province", "MZ_A"),
    ]

    # When they are created
    results = target.create(TENANT, rows)

    # Then neither is written: one is in a cycle, the other's parent was therefore refused
    assert {result.code for result in results} == {"PARENT_CYCLE", "PARENT_REJECTED"}
    assert digit.records("boundary") == []
