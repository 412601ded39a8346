"""Campaign targets in DIGIT (#13): with ProjectTarget=digit, a filled target template makes
one health-project per boundary, under the project of the boundary above it, with its
targets; campaign search answers them from the project service; and with the fake losing
answers or timing out, no project is made twice."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from project_factory.adapters.boundary_source import BundledBoundarySource
from tests.fakes.digit_server import ANSWER_LOST, TIMEOUT, FakeDigit
from tests.fakes.digit_services import BOUNDARY_CREATE, PROJECT_CREATE
from tests.support.targets import (
    DISTRICTS,
    END,
    HOUSEHOLDS,
    START,
    TARGET,
    campaign_details,
    every_target,
    filled,
    localities,
    run_targets,
    tab_rows,
    target_template,
)

#: Seeds whose draws fail some of the project calls, creates among them (the calls come in
#: one order: one chunk, one batch), and leave the loop attempts to finish.
SEEDS = {ANSWER_LOST: 30, TIMEOUT: 31}


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    return digit.stack_parameters() | {
        "ProjectTarget": "digit",
        "ProjectServiceUrl": digit.url,
        "MaxRetries": "8",
    }


@pytest.fixture(autouse=True)
def no_faults(digit: FakeDigit) -> Iterator[None]:
    yield
    digit.clear_faults()


@pytest.fixture
def campaign(client, digit):
    """A campaign over two districts, whose boundaries the fake's boundary service holds
    (the project service checks each project's address against it)."""
    _register_boundaries(digit, client.tenant_id)
    answer = client.campaign("create", campaign_details())
    assert answer.status_code == 200, answer.text
    return answer.json()["CampaignDetails"]


def _register_boundaries(digit: FakeDigit, tenant_id: str) -> None:
    codes = [*DISTRICTS, *(code for district in DISTRICTS for code in localities(district))]
    answer = requests.post(
        f"{digit.url}{BOUNDARY_CREATE}",
        json={"RequestInfo": {}, "Boundary": [{"tenantId": tenant_id, "code": c} for c in codes]},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text


def _created(client, campaign_id):
    upload = filled(target_template(client, campaign_id), every_target)
    return run_targets(client, upload, campaign_id)


def _projects(digit: FakeDigit, campaign_id: str) -> list[dict[str, Any]]:
    return [p for p in digit.records("project") if p.get("referenceID") == campaign_id]


def _codes() -> list[str]:
    return [code for district in DISTRICTS for code in localities(district)]


def test_targets_become_one_project_per_boundary_under_its_districts_project(
    client, digit, campaign
):
    # When the campaign's filled target template is created
    resource = _created(client, campaign["id"])
    # Then every row is CREATED with a project of its own
    assert resource["status"] == "created", resource["additionalDetails"]
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert sorted(rows) == sorted(_codes())
    assert {row["#status#"] for row in rows.values()} == {"CREATED"}
    # And the project service holds one project per locality and per district above them,
    # each locality's parent being its district's project, with its targets and dates
    projects = _projects(digit, campaign["id"])
    by_boundary = {p["address"]["boundary"]: p for p in projects}
    assert len(projects) == len(by_boundary) == len(_codes()) + len(DISTRICTS)
    tree = {b.code: b for b in BundledBoundarySource().boundaries("mz", "ADMIN")}
    for code in _codes():
        project = by_boundary[code]
        assert project["parent"] == by_boundary[tree[code].parent]["id"]
        assert project["address"]["boundaryType"] == "Locality"
        assert (project["startDate"], project["endDate"]) == (START, END)
        assert {t["beneficiaryType"]: t["targetNo"] for t in project["targets"]} == {
            "INDIVIDUAL": every_target(code)[TARGET],
            "HOUSEHOLD": every_target(code)[HOUSEHOLDS],
        }
    assert all(by_boundary[d]["parent"] in (None, "") for d in DISTRICTS)
    # And campaign search answers the targets from the project service, per column
    answer = client.campaign("search", {"ids": [campaign["id"]], "includeTargets": True})
    [found] = answer.json()["CampaignDetails"]
    assert {t["boundaryCode"]: t["targets"] for t in found["targets"]} == {
        code: every_target(code) for code in _codes()
    }


@pytest.mark.parametrize("kind", [ANSWER_LOST, TIMEOUT])
def test_targets_under_lost_answers_and_timeouts_make_each_project_once(
    client, digit, campaign, kind
):
    # Given 10% of the project service's calls losing their answer after doing the work
    # (or answering after our read timeout)
    before = digit.injected("/health-project/")[kind], digit.injected(PROJECT_CREATE)[kind]
    digit.inject(kind, rate=0.1, seed=SEEDS[kind], path_prefixes=("/health-project/",))
    try:
        # When the campaign's filled target template is created
        resource = _created(client, campaign["id"])
    finally:
        digit.clear_faults()
    # Then faults were injected, creates among the calls they hit, and yet every row is
    # CREATED and every boundary has exactly one project of the campaign
    after = digit.injected("/health-project/")[kind], digit.injected(PROJECT_CREATE)[kind]
    assert after[0] - before[0] >= 2
    assert after[1] - before[1] >= 1
    details = resource["additionalDetails"]
    seen = (details["counts"], details["rowErrors"][:3], digit.calls("/health-project/"), after)
    assert resource["status"] == "created", seen
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert {row["#status#"] for row in rows.values()} == {"CREATED"}
    per_boundary = Counter(p["address"]["boundary"] for p in _projects(digit, campaign["id"]))
    assert set(per_boundary) == {*_codes(), *DISTRICTS}
    assert set(per_boundary.values()) == {1}
