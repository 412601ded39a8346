import pytest

from project_factory.adapters.boundary_source import (
    BundledBoundarySource,
    DigitBoundarySource,
    boundary_source,
)
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit import BoundaryTarget
from project_factory.domain.target_calls import PendingRow
from project_factory.errors import NotFoundError, TransientError
from tests.fakes.digit_services import HIERARCHY_SEARCH, RELATIONSHIP_SEARCH
from tests.support.settings import wired_settings

TENANT = "mz"
ADMIN = "ADMIN"
TTL = 300.0
#: code, type, parent, listed children first: the target orders them itself
TREE = [
    ("MZ_ERATI", "District", "MZ_NAMPULA"),
    ("MZ_MECONTA", "District", "MZ_NAMPULA"),
    ("MZ_CHIMOIO", "District", "MZ_MANICA"),
    ("MZ_NAMPULA", "Province", "MZ"),
    ("MZ_MANICA", "Province", "MZ"),
    ("MZ", "Country", None),
]


def calls(digit):
    return digit.calls(HIERARCHY_SEARCH), digit.calls(RELATIONSHIP_SEARCH)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(digit):
    return JsonHttpClient(digit.url, "token", 0.5, 0.5)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def source(client, clock):
    return DigitBoundarySource(client, ttl_seconds=TTL, clock=clock)


@pytest.fixture
def hierarchy(digit, client):
    """A country of two provinces and three districts in the fake boundary service."""
    digit.set_hierarchy(TENANT, ADMIN, ["Country", "Province", "District"])
    rows = [
        PendingRow(f"seed-{n}", n, {"code": c, "name": c, "boundaryType": t, "parentCode": p})
        for n, (c, t, p) in enumerate(TREE, start=1)
    ]
    results = BoundaryTarget(client, ADMIN, batch_size=10).create(TENANT, rows)
    assert {result.outcome for result in results} == {"created"}


def test_levels_come_from_the_hierarchy_definition_top_first(digit, source, hierarchy):
    # Given / When / Then
    assert source.hierarchy(TENANT, ADMIN) == ["Country", "Province", "District"]


def test_boundaries_come_from_the_relationship_tree_parents_first(source, hierarchy):
    # Given / When
    boundaries = source.boundaries(TENANT, ADMIN)

    # Then every boundary is there once, with its level and parent, after its parent
    assert {(b.code, b.type, b.parent) for b in boundaries} == set(TREE)
    seen: set[str] = set()
    for boundary in boundaries:
        assert boundary.parent is None or boundary.parent in seen
        seen.add(boundary.code)


def test_descendants_follow_the_tree(source, hierarchy):
    # Given / When a province and everything below it is asked for
    found = source.descendants(TENANT, ADMIN, ["MZ_NAMPULA"], include_all_children=True)

    # Then the province and its districts answer
    assert {boundary.code for boundary in found} == {"MZ_NAMPULA", "MZ_ERATI", "MZ_MECONTA"}


def test_the_hierarchy_is_fetched_once_while_the_cache_is_fresh(digit, source, clock, hierarchy):
    # Given a first read of the tree, which asks the service once for each search
    before = calls(digit)
    source.boundaries(TENANT, ADMIN)
    assert calls(digit) == (before[0] + 1, before[1] + 1)

    # When the hierarchy is read many times within the cache lifetime
    clock.now += TTL - 1
    for _ in range(50):
        source.hierarchy(TENANT, ADMIN)
        source.boundaries(TENANT, ADMIN)
        source.codes(TENANT, ADMIN)

    # Then the service is not asked again
    assert calls(digit) == (before[0] + 1, before[1] + 1)


def test_the_hierarchy_is_fetched_again_once_the_cache_expires(digit, source, clock, hierarchy):
    # Given a read of the tree
    source.boundaries(TENANT, ADMIN)
    before = calls(digit)

    # When it is read again after the cache lifetime
    clock.now += TTL
    source.boundaries(TENANT, ADMIN)

    # Then the service is asked again
    assert calls(digit) == (before[0] + 1, before[1] + 1)


def test_an_undefined_hierarchy_is_not_found(source, hierarchy):
    # Given / When / Then
    with pytest.raises(NotFoundError, match="HEALTH"):
        source.hierarchy(TENANT, "HEALTH")


def test_a_service_outage_is_transient_and_not_cached(digit, source, hierarchy):
    # Given a boundary service answering 503 once
    digit.fail_next(RELATIONSHIP_SEARCH, 1, status=503)

    # When the tree is read
    # Then the failure is transient
    with pytest.raises(TransientError):
        source.boundaries(TENANT, ADMIN)

    # And the next read reaches the service and answers
    assert len(source.boundaries(TENANT, ADMIN)) == len(TREE)


def test_settings_choose_the_digit_source_with_its_cache_lifetime(digit):
    # Given settings naming the DIGIT boundary service
    settings = wired_settings(boundary_source="digit", boundary_service_url=digit.url)

    # When / Then the source is the DIGIT one, the same for the whole process
    assert isinstance(boundary_source(settings), DigitBoundarySource)
    assert boundary_source(settings) is boundary_source(settings)


def test_settings_choose_the_bundled_source_by_default():
    # Given / When / Then
    assert isinstance(boundary_source(wired_settings()), BundledBoundarySource)
