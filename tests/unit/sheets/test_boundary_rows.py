from project_factory.sheets.boundary_paths import boundary_code
from project_factory.sheets.spec import BOUNDARY, BOUNDARY_WITH_TARGET
from tests.unit.sheets.support import judge

COUNTRY, PROVINCE, DISTRICT, LOCALITY = (column for column, _ in BOUNDARY.levels)
CODE = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
TARGET = "HCM_ADMIN_CONSOLE_TARGET"
HOUSEHOLDS = "HCM_ADMIN_CONSOLE_TARGET_HOUSEHOLDS"


def path(*names: str) -> dict[str, str]:
    return dict(zip((COUNTRY, PROVINCE, DISTRICT, LOCALITY), names, strict=False))


def test_a_boundary_row_defines_its_deepest_level_under_the_levels_above():
    # Given a country row, then a province row under it
    rows = [path("Kalanga"), path("Kalanga", "Chisu")]

    # When they are validated (no existing boundaries)
    verdicts = judge(BOUNDARY, *rows, allowed_boundary_codes=None)

    # Then each defines one boundary, the province under the country
    assert verdicts[0].canonical == {
        "code": boundary_code(["Kalanga"]),
        "name": "Kalanga",
        "boundaryType": "Country",
        "parentCode": None,
    }
    assert verdicts[1].canonical == {
        "code": boundary_code(["Kalanga", "Chisu"]),
        "name": "Chisu",
        "boundaryType": "Province",
        "parentCode": boundary_code(["Kalanga"]),
    }
    assert all(verdict.create for verdict in verdicts)


def test_a_boundarys_parent_must_be_on_an_earlier_row():
    # Given a district whose province is defined only later
    rows = [path("Kalanga"), path("Kalanga", "Chisu", "Shadi"), path("Kalanga", "Chisu")]

    # When they are validated
    verdicts = judge(BOUNDARY, *rows, allowed_boundary_codes=None)

    # Then the district is invalid, naming its parent
    assert verdicts[1].errors == [
        "The parent boundary 'Chisu' is neither on an earlier valid row nor existing"
    ]


def test_a_parent_on_an_invalid_row_does_not_count():
    # Given a province whose country is defined nowhere, then a district under it
    rows = [path("Kalanga", "Chisu"), path("Kalanga", "Chisu", "Shadi")]

    # When they are validated
    verdicts = judge(BOUNDARY, *rows, allowed_boundary_codes=None)

    # Then both are invalid: the district's parent will never be created
    assert "'Kalanga'" in verdicts[0].errors[0]
    assert "'Chisu'" in verdicts[1].errors[0]


def test_a_parent_that_already_exists_is_accepted_and_an_existing_boundary_is_not_created():
    # Given existing boundaries for the country and a province
    existing = {boundary_code(["Kalanga"]), boundary_code(["Kalanga", "Chisu"])}
    rows = [path("Kalanga", "Chisu"), path("Kalanga", "Chisu", "Shadi")]

    # When a row for the existing province and a new district under it are validated
    verdicts = judge(BOUNDARY, *rows, allowed_boundary_codes=existing)

    # Then both are valid; only the district is to be created
    assert [verdict.errors for verdict in verdicts] == [[], []]
    assert [verdict.create for verdict in verdicts] == [False, True]
    assert verdicts[0].existing_id == boundary_code(["Kalanga", "Chisu"])


def test_a_level_left_empty_above_a_filled_one_is_invalid():
    # Given a district row without its province
    row = {COUNTRY: "Kalanga", DISTRICT: "Shadi"}

    # When it is validated
    [verdict] = judge(BOUNDARY, row, allowed_boundary_codes=None)

    # Then the gap is reported on the province column
    assert verdict.errors == ["Province is empty but a lower level is filled"]


def test_a_boundary_on_two_rows_is_a_repeat():
    # Given the same province twice, spelled in another case
    rows = [path("Kalanga"), path("Kalanga", "Chisu"), path("KALANGA", " chisu ")]

    # When they are validated
    verdicts = judge(BOUNDARY, *rows, allowed_boundary_codes=None)

    # Then the second is a repeat of row 3
    assert verdicts[2].errors == ["This boundary is repeated; it first appears on row 3"]


def test_a_target_row_gives_the_boundary_and_its_targets():
    # Given a target row with both targets, typed as Excel floats and text
    row = {CODE: "LOC_A", TARGET: 1200.0, HOUSEHOLDS: "300"}

    # When it is validated
    [verdict] = judge(BOUNDARY_WITH_TARGET, row)

    # Then the canonical fields hold integer targets
    assert verdict.canonical == {
        "boundaryCode": "LOC_A",
        "targets": {TARGET: 1200, HOUSEHOLDS: 300},
    }


def test_a_target_out_of_range_is_invalid():
    # Given a target above a million
    # When it is validated
    [verdict] = judge(BOUNDARY_WITH_TARGET, {CODE: "LOC_A", TARGET: 1_000_001})

    # Then the range is named
    assert verdict.errors == ["Target at the Selected Boundary Level must be between 1 and 1000000"]


def test_a_target_row_holds_one_boundary_code():
    # Given a target row with two codes
    # When it is validated
    [verdict] = judge(BOUNDARY_WITH_TARGET, {CODE: "LOC_A,LOC_B", TARGET: 5})

    # Then it is refused
    assert verdict.errors == ["Boundary Code must hold exactly one boundary code"]


def test_a_boundary_has_one_target_row():
    # Given two target rows for the same boundary
    rows = [{CODE: "LOC_A", TARGET: 5}, {CODE: "LOC_A", TARGET: 6}]

    # When they are validated
    verdicts = judge(BOUNDARY_WITH_TARGET, *rows)

    # Then the second is a repeat
    assert verdicts[1].errors == ["Boundary Code 'LOC_A' is repeated; it first appears on row 2"]
