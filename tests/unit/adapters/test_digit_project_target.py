"""Campaign targets as DIGIT health-projects, one per boundary, against the fake DIGIT.

The fake's project service checks each address's boundary against its boundary service, so
every test seeds the boundaries first.
"""

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit.projects import ProjectTarget
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import UpstreamError
from tests.fakes.digit_server import ANSWER_LOST, FakeDigit
from tests.fakes.digit_services import (
    BOUNDARY_CREATE,
    PROJECT_CREATE,
    PROJECT_SEARCH,
    PROJECT_UPDATE,
)
from tests.unit.adapters.conftest import TIMEOUT_SECONDS, InterceptingClient

TENANT = "mz"
CAMPAIGN = "campaign-7f3a"
DAY_MS = 86_400_000
INDIVIDUALS = "HCM_ADMIN_CONSOLE_TARGET"
HOUSEHOLDS = "HCM_ADMIN_CONSOLE_TARGET_HOUSEHOLDS"

# The campaign's boundaries: code -> (boundary type, parent).
TREE: dict[str, tuple[str, str | None]] = {
    "MZ": ("Country", None),
    "MZ_P1": ("Province", "MZ"),
    "MZ_D1": ("District", "MZ_P1"),
    "MZ_D2": ("District", "MZ_P1"),
    "MZ_LOC1": ("Locality", "MZ_D1"),
    "MZ_LOC2": ("Locality", "MZ_D1"),
    "MZ_LOC3": ("Locality", "MZ_D2"),
}


# -- helpers ------------------------------------------------------------------------------------


def seed_boundaries(client: JsonHttpClient, *codes: str) -> None:
    boundaries = [{"tenantId": TENANT, "code": code} for code in codes or TREE]
    client.post(BOUNDARY_CREATE, {"Boundary": boundaries})


def ancestors(code: str) -> list[dict[str, str]]:
    """The boundaries above a code, top first, as flows/target_rows.py gives them."""
    found = []
    parent = TREE[code][1]
    while parent is not None:
        found.append({"code": parent, "boundaryType": TREE[parent][0]})
        parent = TREE[parent][1]
    return found[::-1]


def campaign_fields(**changed: Any) -> dict[str, Any]:
    now = int(time.time() * 1000)
    fields = {
        "name": "SMC 2026",
        "projectType": "MR-DN",
        "startDate": now + 2 * DAY_MS,
        "endDate": now + 30 * DAY_MS,
    }
    return fields | changed


def target_row(
    ref: str, code: str, targets: Mapping[str, Any], project: Mapping[str, Any] | None = None
) -> PendingRow:
    return PendingRow(
        ref,
        int(ref.rsplit("-", 1)[-1]),
        {
            "boundaryCode": code,
            "boundaryType": TREE.get(code, ("Locality", None))[0],
            "targets": dict(targets),
            "campaignId": CAMPAIGN,
            "ancestors": ancestors(code if code in TREE else "MZ_LOC1"),
            "project": dict(project or campaign_fields()),
        },
    )


def localities(file: str, households: int = 120) -> list[PendingRow]:
    """A target file's rows: the three localities' targets."""
    return [
        target_row(f"{file}-1", "MZ_LOC1", {INDIVIDUALS: 500, HOUSEHOLDS: households}),
        target_row(f"{file}-2", "MZ_LOC2", {INDIVIDUALS: 300, HOUSEHOLDS: 80}),
        target_row(f"{file}-3", "MZ_LOC3", {INDIVIDUALS: 200}),
    ]


def projects(digit: FakeDigit) -> dict[str, dict[str, Any]]:
    """The fake's projects by boundary code."""
    return {project["address"]["boundary"]: project for project in digit.records("project")}


def outcomes(results: Sequence[TargetResult]) -> dict[str, str]:
    return {result.client_ref: result.outcome for result in results}


def live_targets(project: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """beneficiaryType -> (target id, number) of a project's targets not deleted."""
    return {
        target["beneficiaryType"]: (target["id"], target["targetNo"])
        for target in project["targets"]
        if not target.get("isDeleted")
    }


@pytest.fixture
def target(client: JsonHttpClient) -> ProjectTarget:
    # Two rows a batch: a file of three localities takes two batches.
    return ProjectTarget(client, batch_size=2, resend_after_seconds=1.0)


# -- creating -----------------------------------------------------------------------------------


def test_targets_become_one_project_per_boundary_under_their_ancestors_projects(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given the campaign's boundaries in the boundary service
    seed_boundaries(client)

    # When a file's three localities are created, in two batches
    results = target.create(TENANT, localities("res1"))

    # Then each is created with its project's id, and every boundary above them got one
    # project, asked for once, the country, province and district without targets
    held = projects(digit)
    assert outcomes(results) == {"res1-1": "created", "res1-2": "created", "res1-3": "created"}
    assert [result.id for result in results] == [
        held[code]["id"] for code in ("MZ_LOC1", "MZ_LOC2", "MZ_LOC3")
    ]
    assert sorted(held) == sorted(TREE)
    assert digit.duplicates("project") == 0
    assert set(digit.create_requests("project").values()) == {1}
    for code in ("MZ", "MZ_P1", "MZ_D1", "MZ_D2"):
        assert held[code]["targets"] == []
        assert held[code]["additionalDetails"] == {"clientReferenceId": f"{CAMPAIGN}:{code}"}


def test_each_project_is_linked_to_the_project_of_the_boundary_above(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given the campaign's boundaries
    seed_boundaries(client)

    # When a file's localities are created
    target.create(TENANT, localities("res1"))

    # Then every project's parent is its parent boundary's project, down the hierarchy
    held = projects(digit)
    ids = {code: project["id"] for code, project in held.items()}
    assert held["MZ"].get("parent") is None
    assert held
    for code, project in held.items():
        parent = TREE[code][1]
        if parent is not None:
            assert project["parent"] == ids[parent]
    chain = ".".join(ids[code] for code in ("MZ", "MZ_P1", "MZ_D1", "MZ_LOC1"))
    assert held["MZ_LOC1"]["projectHierarchy"] == chain


def test_a_project_carries_the_campaign_fields_and_its_address(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given the campaign's boundaries and its fields
    seed_boundaries(client)
    fields = campaign_fields()

    # When a locality's targets are created
    target.create(TENANT, [target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 500}, fields)])

    # Then its project has the campaign as reference, its name, type and dates, and the
    # boundary as address
    project = projects(digit)["MZ_LOC1"]
    assert project["referenceID"] == CAMPAIGN
    assert (project["name"], project["projectType"], project["projectSubType"]) == (
        "SMC 2026",
        "MR-DN",
        "MR-DN",
    )
    assert (project["startDate"], project["endDate"]) == (fields["startDate"], fields["endDate"])
    assert {
        name: project["address"][name] for name in ("tenantId", "boundary", "boundaryType")
    } == {
        "tenantId": TENANT,
        "boundary": "MZ_LOC1",
        "boundaryType": "Locality",
    }


def test_targets_are_summed_by_beneficiary_type_and_kept_per_column(
    digit: FakeDigit, client: JsonHttpClient
) -> None:
    # Given two columns counting individuals, one counting households, and one unmapped
    seed_boundaries(client)
    beneficiaries = {"CHILDREN": "INDIVIDUAL", "ADULTS": "INDIVIDUAL", "HOMES": "HOUSEHOLD"}
    target = ProjectTarget(client, 10, resend_after_seconds=1.0, beneficiaries=beneficiaries)
    columns = {"CHILDREN": 40, "ADULTS": 60, "HOMES": 25, "NETS": 70}

    # When a locality's targets are created
    target.create(TENANT, [target_row("res1-1", "MZ_LOC1", columns)])

    # Then the project has one target per beneficiary type, its columns summed, and every
    # column as the file had it in its additional details
    project = projects(digit)["MZ_LOC1"]
    assert {kind: number for kind, (_, number) in live_targets(project).items()} == {
        "INDIVIDUAL": 100,
        "HOUSEHOLD": 25,
    }
    assert project["additionalDetails"] == {
        "clientReferenceId": "res1-1",
        "targets": columns,
        "targetsSetBy": "res1-1",
    }


def test_a_row_above_other_rows_carries_its_targets_and_is_their_parent(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given targets for a district and for a locality in it
    seed_boundaries(client)
    rows = [
        target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 500}),
        target_row("res1-2", "MZ_D1", {INDIVIDUALS: 900}),
    ]

    # When they are created
    results = target.create(TENANT, rows)

    # Then the district's one project has its targets and is the locality's parent
    held = projects(digit)
    assert outcomes(results) == {"res1-1": "created", "res1-2": "created"}
    assert sorted(held) == ["MZ", "MZ_D1", "MZ_LOC1", "MZ_P1"]
    assert live_targets(held["MZ_D1"])["INDIVIDUAL"][1] == 900
    assert held["MZ_LOC1"]["parent"] == held["MZ_D1"]["id"] == results[1].id
    assert digit.duplicates("project") == 0


# -- uploading again ----------------------------------------------------------------------------


def test_the_same_targets_uploaded_again_are_existing_and_nothing_is_sent(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a file's targets created
    seed_boundaries(client)
    first = target.create(TENANT, localities("res1"))
    creates = digit.calls(PROJECT_CREATE)

    # When another file sets the same targets
    results = target.create(TENANT, localities("res2"))

    # Then each row is existing, with the project the first file made, and nothing is sent
    assert outcomes(results) == {"res2-1": "existing", "res2-2": "existing", "res2-3": "existing"}
    assert [result.id for result in results] == [result.id for result in first]
    assert digit.calls(PROJECT_CREATE) == creates
    assert digit.calls(PROJECT_UPDATE) == 0


def test_changed_targets_update_the_project_keeping_its_target_ids(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a file's targets created
    seed_boundaries(client)
    target.create(TENANT, localities("res1"))
    before = projects(digit)["MZ_LOC1"]

    # When another file sets other households for the first locality
    results = target.create(TENANT, localities("res2", households=150))

    # Then that row updates its project in one call, the same targets renumbered, and the
    # others are existing
    after = projects(digit)["MZ_LOC1"]
    assert outcomes(results) == {"res2-1": "updated", "res2-2": "existing", "res2-3": "existing"}
    assert results[0].id == before["id"]
    assert digit.update_requests("project") == {before["id"]: 1}
    assert digit.applied_updates("project") == {before["id"]: 1}
    assert live_targets(after) == {
        "INDIVIDUAL": (live_targets(before)["INDIVIDUAL"][0], 500),
        "HOUSEHOLD": (live_targets(before)["HOUSEHOLD"][0], 150),
    }
    assert after["additionalDetails"]["targets"] == {INDIVIDUALS: 500, HOUSEHOLDS: 150}
    assert after["additionalDetails"]["targetsSetBy"] == "res2-1"
    assert len(digit.records("project")) == len(TREE)


def test_a_column_left_empty_in_a_later_file_removes_its_target(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a locality's individuals and households set
    seed_boundaries(client)
    target.create(TENANT, [target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 500, HOUSEHOLDS: 120})])

    # When a later file sets its individuals only
    (result,) = target.create(TENANT, [target_row("res2-1", "MZ_LOC1", {INDIVIDUALS: 500})])

    # Then the household target is deleted, and the campaign's targets are the later file's
    project = projects(digit)["MZ_LOC1"]
    assert result.outcome == "updated"
    assert set(live_targets(project)) == {"INDIVIDUAL"}
    assert target.targets_of(TENANT, CAMPAIGN) == {"MZ_LOC1": {INDIVIDUALS: 500}}


# -- retries ------------------------------------------------------------------------------------


def test_a_create_whose_answer_was_lost_is_found_by_find_rows(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a country's targets whose create answer is lost after the project was made
    seed_boundaries(client)
    row = target_row("res1-1", "MZ", {INDIVIDUALS: 9000})
    digit.inject(ANSWER_LOST, rate=1.0, seed=1, path_prefixes=(PROJECT_CREATE,))
    (lost,) = target.create(TENANT, [row])
    digit.clear_faults()

    # When the flow confirms the row
    found = target.find_rows(TENANT, [row])

    # Then the row was pending and may have landed, and the search finds its project
    assert digit.lost_answers(PROJECT_CREATE) == 1
    assert (lost.outcome, lost.sent) == ("pending", True)
    assert found == {"res1-1": TargetResult("res1-1", "created", id=projects(digit)["MZ"]["id"])}


def test_a_retry_after_lost_answers_creates_nothing_twice(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a file whose every project create lost its answer on the first attempt
    seed_boundaries(client)
    rows = localities("res1")
    digit.inject(ANSWER_LOST, rate=1.0, seed=1, path_prefixes=(PROJECT_CREATE,))
    first = target.create(TENANT, rows)
    digit.clear_faults()

    # When the rows are created again
    results = target.create(TENANT, rows)

    # Then the first attempt left them pending, and the retry created every project once,
    # the country's that the first attempt made adopted, not made again
    assert first
    assert all(result.outcome == "pending" and result.sent for result in first)
    assert digit.lost_answers(PROJECT_CREATE) > 0
    assert outcomes(results) == {"res1-1": "created", "res1-2": "created", "res1-3": "created"}
    assert sorted(projects(digit)) == sorted(TREE)
    assert digit.duplicates("project") == 0
    assert digit.repeats("project") == {}
    assert target.find_rows(TENANT, rows) == {result.client_ref: result for result in results}


def test_an_ancestor_create_that_timed_out_leaves_the_rows_pending_as_sent(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a project service that makes the country's project but answers too late
    seed_boundaries(client)
    rows = localities("res1")[:2]
    digit.timeout_next(PROJECT_CREATE, 1, seconds=TIMEOUT_SECONDS * 3)

    # When the rows are created, then created again
    first = target.create(TENANT, rows)
    again = target.create(TENANT, rows)

    # Then the first attempt left both pending as sent (the country's project may land: the
    # flow waits before sending them again), and the second made the rest, the country once
    assert first
    assert all(
        result.outcome == "pending" and result.sent and "MZ" in (result.reason or "")
        for result in first
    )
    assert outcomes(again) == {"res1-1": "created", "res1-2": "created"}
    assert digit.duplicates("project") == 0


def test_an_update_whose_answer_was_lost_is_confirmed_and_not_sent_again(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a locality's targets, and a later file's other targets whose update answer is lost
    seed_boundaries(client)
    target.create(TENANT, [target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 500})])
    row = target_row("res2-1", "MZ_LOC1", {INDIVIDUALS: 650})
    digit.inject(ANSWER_LOST, rate=1.0, seed=1, path_prefixes=(PROJECT_UPDATE,))
    (lost,) = target.create(TENANT, [row])
    digit.clear_faults()

    # When the flow confirms the row, then sends it again
    found = target.find_rows(TENANT, [row])
    (again,) = target.create(TENANT, [row])

    # Then the update was made once: found as updated, and answered so without a second one
    project_id = projects(digit)["MZ_LOC1"]["id"]
    assert (lost.outcome, lost.sent) == ("pending", True)
    assert found == {"res2-1": TargetResult("res2-1", "updated", id=project_id)}
    assert again == TargetResult("res2-1", "updated", id=project_id)
    assert digit.update_requests("project") == {project_id: 1}


def test_find_rows_leaves_out_rows_it_did_not_make(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a file's targets created
    seed_boundaries(client)
    target.create(TENANT, localities("res1"))

    # When another file's rows for the same boundaries are confirmed
    found = target.find_rows(TENANT, localities("res2"))

    # Then none is found: those projects are the first file's rows'
    assert found == {}
    assert digit.calls(PROJECT_SEARCH) > 0


def test_find_by_reference_alone_finds_nothing(target: ProjectTarget) -> None:
    # Given a target (a project is found by its campaign and boundary, not by a reference)
    # When references alone are looked up
    # Then nothing is found: the flow asks find_rows
    assert target.find(TENANT, ["res1-1"]) == {}


class ParentNotPersistedYet(InterceptingClient):
    """The project service answering a child's create before its persister wrote the parent:
    the first create naming a parent is refused as ProjectValidator.validateParentAgainstDB
    refuses a parent it cannot read."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.refused = 0

    def before(self, path: str, body: Mapping[str, Any]) -> None:
        sent = body.get("Projects") or []
        if path == PROJECT_CREATE and not self.refused and any(p.get("parent") for p in sent):
            self.refused += 1
            message = "The parent project with id x does not exists in the system"
            errors = [{"code": "INVALID_PARENT_PROJECT", "message": message}]
            raise UpstreamError(message, code="SERVICE_REFUSED", status=400, errors=errors)


def test_rows_under_a_parent_the_service_cannot_read_yet_wait_for_it(
    digit: FakeDigit, client: JsonHttpClient
) -> None:
    # Given a project service that cannot read the country's project just after making it
    seed_boundaries(client)
    lagging = ParentNotPersistedYet(digit.url)
    target = ProjectTarget(lagging, 10, resend_after_seconds=1.0)
    rows = localities("res1")

    # When the rows are created, then again once the parent can be read
    first = target.create(TENANT, rows)
    again = target.create(TENANT, rows)

    # Then they first waited as sent (not refused for good), and the second attempt made the
    # rest under the country's one project
    assert lagging.refused == 1
    assert {(result.outcome, result.code, result.sent) for result in first} == {
        ("pending", "AWAITING_PARENT_PROJECT", True)
    }
    assert outcomes(again) == {"res1-1": "created", "res1-2": "created", "res1-3": "created"}
    assert digit.duplicates("project") == 0


# -- refusals -----------------------------------------------------------------------------------


def test_rows_without_campaign_dates_are_rejected_before_anything_is_sent(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a campaign without an end date
    seed_boundaries(client)
    fields = campaign_fields(endDate=None)

    # When its targets are created
    (result,) = target.create(TENANT, [target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 1}, fields)])

    # Then the row is rejected for the missing dates, and the project service is not asked
    assert result.outcome == "rejected"
    assert result.code == "CAMPAIGN_DATES_MISSING"
    assert CAMPAIGN in (result.reason or "")
    assert digit.calls("/health-project/") == 0


def test_a_boundary_the_service_refuses_is_rejected_with_its_code_and_the_others_created(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a locality the boundary service does not have
    seed_boundaries(client)
    rows = [
        target_row("res1-1", "MZ_LOC1", {INDIVIDUALS: 500}),
        target_row("res1-2", "MZ_LOC9", {INDIVIDUALS: 300}),
    ]

    # When the rows are created
    results = target.create(TENANT, rows)

    # Then that row is rejected with the project service's own code and reason, and the
    # other created
    assert outcomes(results) == {"res1-1": "created", "res1-2": "rejected"}
    assert results[1].code == "BOUNDARY_SERVICE_SEARCH_ERROR"
    assert "MZ_LOC9" in (results[1].reason or "")
    assert "health-project /health-project/v1/_create, HTTP 400" in (results[1].reason or "")
    assert "MZ_LOC9" not in projects(digit)


def test_a_refused_ancestor_rejects_the_rows_under_it(
    digit: FakeDigit, client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a district the boundary service does not have, above one of the localities
    seed_boundaries(client, *(code for code in TREE if code != "MZ_D2"))

    # When the localities are created
    results = target.create(TENANT, localities("res1"))

    # Then the locality under it is rejected with the service's code, naming the district,
    # and the others are created
    assert outcomes(results) == {"res1-1": "created", "res1-2": "created", "res1-3": "rejected"}
    assert results[2].code == "BOUNDARY_SERVICE_SEARCH_ERROR"
    assert "MZ_D2" in (results[2].reason or "")
    assert "MZ_LOC3" not in projects(digit)


# -- reading targets ----------------------------------------------------------------------------


def test_targets_of_gives_each_row_boundary_s_targets_per_column(
    client: JsonHttpClient, target: ProjectTarget
) -> None:
    # Given a file's targets created, with projects above them that carry none
    seed_boundaries(client)
    target.create(TENANT, localities("res1"))

    # When the campaign's targets are read
    held = target.targets_of(TENANT, CAMPAIGN)

    # Then each locality's targets come back per column, and no boundary above them
    assert held == {
        "MZ_LOC1": {INDIVIDUALS: 500, HOUSEHOLDS: 120},
        "MZ_LOC2": {INDIVIDUALS: 300, HOUSEHOLDS: 80},
        "MZ_LOC3": {INDIVIDUALS: 200},
    }
    assert target.targets_of(TENANT, "another-campaign") == {}
