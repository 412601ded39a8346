import io

import pytest
from openpyxl import load_workbook

from local.samples import facility_rows, facility_workbook, user_workbook
from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import read, validator

CODES = BundledBoundarySource().codes("mz", "ADMIN")


def verdicts(data: bytes, spec):
    checker = validator(spec, allowed_boundary_codes=CODES)
    return list(checker.validate_all(read(data, spec)))


@pytest.mark.parametrize(
    ("build", "spec"),
    [(facility_workbook, FACILITY), (user_workbook, USER)],
    ids=["facility", "user"],
)
def test_a_sample_has_the_requested_number_of_invalid_rows(build, spec):
    # Given a sample of 20 rows, 3 of them invalid
    data = build(rows=20, invalid=3)

    # When it is read and validated with the bundled boundaries
    results = verdicts(data, spec)

    # Then 17 rows are to be created and 3 are invalid, each for one reason
    assert len(results) == 20
    assert sum(verdict.create for verdict in results) == 17
    assert [len(verdict.errors) for verdict in results if verdict.errors] == [1, 1, 1]


def test_the_facility_samples_invalid_rows_cover_capacity_name_and_boundary():
    # Given / When
    results = verdicts(facility_workbook(rows=10, invalid=3), FACILITY)

    # Then each kind of fault is there
    faults = " | ".join(error for verdict in results for error in verdict.errors)
    assert "Capacity" in faults
    assert "repeated" in faults
    assert "not within the campaign's boundaries" in faults


def test_the_user_samples_invalid_rows_cover_phone_boundary_and_repeat():
    # Given / When
    errors = [v.errors[0] for v in verdicts(user_workbook(rows=10, invalid=3), USER) if v.errors]

    # Then each kind of fault is there
    assert [error.split(" ")[0] for error in errors] == ["Phone", "Boundary", "Phone"]


def test_a_sample_starts_with_a_readme_and_hides_the_id_column():
    # Given / When
    book = load_workbook(io.BytesIO(user_workbook(rows=2, invalid=0)))

    # Then the readme comes first and the uuid column is hidden
    assert book.sheetnames[:2] == ["Read Me", "Create List of Users"]
    assert book["Create List of Users"].column_dimensions["G"].hidden is True


def test_samples_are_the_same_every_time():
    # Given / When / Then
    assert facility_rows(5, 1) == facility_rows(5, 1)


def test_more_rows_than_localities_still_have_unique_names():
    # Given more facilities than the hierarchy has localities
    rows = facility_rows(3500, 0)

    # When / Then their names are all different
    assert len({row["HCM_ADMIN_CONSOLE_FACILITY_NAME"] for row in rows}) == 3500


def test_a_sample_needs_at_least_one_valid_row():
    # Given / When / Then
    with pytest.raises(ValueError, match="invalid must be"):
        facility_workbook(rows=3, invalid=3)
