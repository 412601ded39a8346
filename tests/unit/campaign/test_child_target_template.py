"""A child campaign's boundary (targets) template: the parent's targets kept."""

import pytest
from openpyxl.utils import get_column_letter

from project_factory.domain.resources import ResourceStatus
from project_factory.sheets.freeze_parent_targets import OLD_SUFFIX
from tests.unit.campaign.support import (
    HIERARCHY,
    NEW_DISTRICTS,
    PARENT,
    SOURCE,
    TENANT,
    generated,
    open_book,
    parent_and_child,
    put_resource,
)
from tests.unit.generate.support import save

TARGET, HOUSEHOLDS = "Target at the Selected Boundary Level", "Target Households"
PARENT_TABS = ("Shadi", "Nerage")
NEW_TABS = tuple(b.name for b in SOURCE.boundaries(TENANT, HIERARCHY) if b.code in NEW_DISTRICTS)


def header(sheet):
    return [cell.value for cell in sheet[1]]


def parent_targets_file(services):
    """The parent's own boundary template, every target filled: row r of a tab gets
    100 + r people and 20 + r households."""
    book = open_book(generated(services, "boundary", PARENT))
    for title in PARENT_TABS:
        sheet = book[title]
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, 4, 100 + row)
            sheet.cell(row, 5, 20 + row)
    return save(book)


@pytest.fixture
def child_book(services):
    """The child's boundary template, the parent's targets validated."""
    parent_and_child(services)
    put_resource(
        services,
        "RES-TARGETS",
        "boundaryWithTarget",
        ResourceStatus.VALIDATED,
        parent_targets_file(services),
        created_time=1000,
    )
    return open_book(generated(services, "boundary"))


def test_a_parent_tab_keeps_each_old_target_hidden_beside_an_editable_copy(child_book):
    # Given / When the child's boundary template
    tab = child_book["Shadi"]

    # Then each target column has a hidden OLD column before it
    assert header(tab)[2:] == [
        "Boundary Code",
        f"{TARGET}{OLD_SUFFIX}",
        TARGET,
        f"{HOUSEHOLDS}{OLD_SUFFIX}",
        HOUSEHOLDS,
    ]
    assert tab.column_dimensions["D"].hidden and tab.column_dimensions["F"].hidden
    # And every row has the old targets, locked, and the same values to edit, unlocked
    rows = range(2, tab.max_row + 1)
    assert [tab[f"D{row}"].value for row in rows] == [100 + row for row in rows]
    assert [tab[f"E{row}"].value for row in rows] == [100 + row for row in rows]
    assert [tab[f"F{row}"].value for row in rows] == [20 + row for row in rows]
    assert [tab[f"G{row}"].value for row in rows] == [20 + row for row in rows]
    assert all(tab[f"{c}{row}"].protection.locked for c in "DF" for row in rows)
    assert not any(tab[f"{c}{row}"].protection.locked for c in "EG" for row in rows)


def test_the_editable_copies_keep_their_number_checks(child_book):
    # Given / When the child's boundary template
    tab = child_book["Nerage"]

    # Then the whole-number checks moved with the target columns, none is on an OLD column
    checked = sorted(
        get_column_letter(cell_range.min_col)
        for validation in tab.data_validations.dataValidation
        for cell_range in validation.sqref.ranges
    )
    assert checked == ["E", "G"]


def test_tabs_of_the_new_districts_are_added_fresh_and_unlocked(child_book):
    # Given / When the child's boundary template
    # Then each new district has its tab, with empty targets to fill and no OLD column
    assert len(NEW_TABS) == len(NEW_DISTRICTS) > 0
    for title in NEW_TABS:
        tab = child_book[title]
        assert header(tab)[2:] == ["Boundary Code", TARGET, HOUSEHOLDS]
        assert not any(tab.column_dimensions[c].protection.locked for c in "DE")
        rows = list(tab.iter_rows(min_row=2, values_only=True))
        assert rows, title
        assert all(row[3:] == (None, None) for row in rows)


def test_without_parent_targets_the_tabs_are_generated_fresh(services):
    # Given a child whose parent set no targets yet
    parent_and_child(services)

    # When the child's boundary template is generated
    book = open_book(generated(services, "boundary"))

    # Then every district has a tab, none with OLD columns
    assert {*PARENT_TABS, *NEW_TABS} <= set(book.sheetnames)
    for title in (*PARENT_TABS, *NEW_TABS):
        assert header(book[title])[2:] == ["Boundary Code", TARGET, HOUSEHOLDS]
