from collections import Counter
from importlib import resources

import pytest

from local.boundary_sample import TARGET, build
from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.errors import NotFoundError

TENANT = "mz"
ADMIN = "ADMIN"


@pytest.fixture
def source() -> BundledBoundarySource:
    return BundledBoundarySource()


def first_of(source: BundledBoundarySource, level: str):
    return next(b for b in source.boundaries(TENANT, ADMIN) if b.type == level)


def test_the_bundled_hierarchy_has_four_levels(source):
    # Given / When / Then
    assert source.hierarchy(TENANT, ADMIN) == ["Country", "Province", "District", "Locality"]


def test_the_bundled_hierarchy_is_a_country_of_thousands_of_boundaries(source):
    # Given / When
    levels = Counter(boundary.type for boundary in source.boundaries(TENANT, ADMIN))

    # Then one country, eight provinces, about sixty districts and thousands of localities
    assert levels["Country"] == 1
    assert levels["Province"] == 8
    assert 50 <= levels["District"] <= 70
    assert levels["Locality"] >= 3000


def test_parents_come_before_their_children(source):
    # Given / When
    boundaries = source.boundaries(TENANT, ADMIN)
    assert boundaries
    seen: set[str] = set()
    for boundary in boundaries:
        # Then every parent was listed earlier
        assert boundary.parent is None or boundary.parent in seen
        seen.add(boundary.code)


def test_codes_are_the_codes_of_all_boundaries(source):
    # Given / When
    boundaries = source.boundaries(TENANT, ADMIN)

    # Then codes lists each of them once
    assert source.codes(TENANT, ADMIN) == {boundary.code for boundary in boundaries}
    assert len(boundaries) == len(source.codes(TENANT, ADMIN))


def test_without_children_only_the_asked_boundaries_are_given(source):
    # Given a district
    district = first_of(source, "District")

    # When its descendants are asked without children
    found = source.descendants(TENANT, ADMIN, [district.code], include_all_children=False)

    # Then only the district comes back
    assert found == [district]


def test_with_children_everything_below_is_given_in_hierarchy_order(source):
    # Given a province
    province = first_of(source, "Province")

    # When its descendants are asked with all children
    found = source.descendants(TENANT, ADMIN, [province.code], include_all_children=True)

    # Then it comes first, then its districts, then their localities, each once
    districts = [b for b in found if b.type == "District"]
    assert found[0] == province
    assert all(d.parent == province.code for d in districts)
    assert {b.parent for b in found if b.type == "Locality"} == {d.code for d in districts}
    assert len(found) == len({b.code for b in found})


def test_overlapping_requests_give_each_boundary_once(source):
    # Given a district and one of its localities
    district = first_of(source, "District")
    locality = next(b for b in source.boundaries(TENANT, ADMIN) if b.parent == district.code)

    # When both are asked with children
    found = source.descendants(
        TENANT, ADMIN, [locality.code, district.code], include_all_children=True
    )

    # Then the locality is there once
    assert [b.code for b in found].count(locality.code) == 1


def test_unknown_codes_are_not_found(source):
    # Given / When / Then
    with pytest.raises(NotFoundError, match="NOWHERE"):
        source.descendants(TENANT, ADMIN, ["NOWHERE"], include_all_children=True)


@pytest.mark.parametrize("hierarchy", ["MICROPLAN", "../settings", ""])
def test_an_unknown_hierarchy_is_not_found(source, hierarchy):
    # Given / When / Then
    with pytest.raises(NotFoundError):
        source.hierarchy(TENANT, hierarchy)


def test_every_tenant_gets_the_same_bundled_hierarchy(source):
    # Given / When / Then
    assert source.codes("mz", ADMIN) == source.codes("ng", ADMIN)


def test_changing_an_answer_does_not_change_the_next_one(source):
    # Given an answer a caller changes
    source.boundaries(TENANT, ADMIN).clear()
    source.codes(TENANT, ADMIN).clear()

    # When / Then the next answers are whole
    assert source.boundaries(TENANT, ADMIN)
    assert source.codes(TENANT, ADMIN)


def test_the_bundled_file_is_what_the_generator_makes():
    # Given the committed file, the one the generator writes
    folder = resources.files("project_factory").joinpath("data", "boundaries")
    committed = folder.joinpath("ADMIN.json.gz").read_bytes()
    assert TARGET.read_bytes() == committed

    # When / Then regenerating it gives the same bytes
    assert build() == committed
