"""Reading a file across tabs: a target file, one tab per district (SheetSpec.across_tabs)."""

from collections.abc import Mapping

import pytest
from openpyxl import Workbook

from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.errors import InvalidRequestError, WorkbookError
from project_factory.sheets.layout import place
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.reader import SheetRow, iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import BOUNDARY_WITH_TARGET
from project_factory.sheets.spec_binding import bind
from project_factory.sheets.validation import RowValidator
from tests.unit.generate.support import boundaries, open_template, save, template

MESSAGES = load_bundled_messages()
SCHEMA = bundled_json_schema("boundaryWithTarget.all")
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
TARGET = "HCM_ADMIN_CONSOLE_TARGET"
HOUSEHOLDS = "HCM_ADMIN_CONSOLE_TARGET_HOUSEHOLDS"
#: the columns of a district tab, as the template writes them
CODE_COLUMN, TARGET_COLUMN, HOUSEHOLDS_COLUMN = "C", "D", "E"

EVERY = BundledBoundarySource().boundaries("mz", "ADMIN")
COUNTRY, PROVINCE = "KALANGA_7C8CE9", "CHISU_BC7091"
SHADI, NERAGE = "SHADI_A11E8E", "NERAGE_866B43"
#: two localities of Shadi and one of Nerage
KURA, KOKWEBU, WABU = "KURA_448C3F", "KOKWEBU_BF4959", "WABU_B579D9"
#: The template's sheets, in workbook order (see sheets.template).
README, BOUNDARY_SHEET, SHADI_TAB, NERAGE_TAB, METADATA = range(5)
SHEETS = ["Read Me", "Boundary Data", "Shadi", "Nerage", "_metadata"]
#: Shadi: Kura, Kokwebu (rows 2, 3); Nerage: Wabu (row 2).
TARGETS = {KURA: 120, KOKWEBU: 80, WABU: 45}


def target_template() -> bytes:
    """The boundary template of a campaign over Kura and Kokwebu (Shadi) and Wabu (Nerage)."""
    wanted = {COUNTRY, PROVINCE, SHADI, NERAGE, KURA, KOKWEBU, WABU}
    selected = [boundary for boundary in EVERY if boundary.code in wanted]
    return template("boundary", boundaries=boundaries(selected, EVERY))


def with_targets(data: bytes, targets: Mapping[str, int]) -> bytes:
    """The template with `targets` typed in the rows of their boundary codes, on every tab."""
    book = open_template(data)
    typed = 0
    for title in ("Shadi", "Nerage"):
        sheet = book[title]
        for row in range(2, sheet.max_row + 1):
            code = sheet[f"{CODE_COLUMN}{row}"].value
            if code in targets:
                sheet[f"{TARGET_COLUMN}{row}"] = targets[code]
                typed += 1
    assert typed == len(targets)
    return save(book)


def filled() -> bytes:
    return with_targets(target_template(), TARGETS)


def read(data: bytes, limits: WorkbookLimits | None = None) -> list[SheetRow]:
    options = {"limits": limits} if limits is not None else {}
    return list(iter_sheet_rows(data, BOUNDARY_WITH_TARGET, MESSAGES, **options))


def test_rows_come_from_every_district_tab_in_workbook_order_numbered_by_their_place() -> None:
    # Given a filled boundary template: a tab for Shadi (two rows), then one for Nerage
    data = filled()
    assert open_template(data).sheetnames == SHEETS

    # When it is read
    rows = read(data)

    # Then every district tab's rows come, tab after tab, each with its tab's title and its
    # place: the tab's index among the workbook's sheets, then its Excel row
    assert [(row.sheet, row.row_number, row.values) for row in rows] == [
        ("Shadi", place(SHADI_TAB, 2), {BOUNDARY: KURA, TARGET: 120}),
        ("Shadi", place(SHADI_TAB, 3), {BOUNDARY: KOKWEBU, TARGET: 80}),
        ("Nerage", place(NERAGE_TAB, 2), {BOUNDARY: WABU, TARGET: 45}),
    ]


def test_a_rows_label_names_its_excel_row_and_its_tab() -> None:
    # Given a filled boundary template
    data = filled()

    # When it is read
    rows = read(data)

    # Then each row is labelled as a user finds it: the Excel row, then the tab
    assert [row.label for row in rows] == ["2 (Shadi)", "3 (Shadi)", "2 (Nerage)"]


def test_the_readme_boundary_and_metadata_sheets_give_no_rows() -> None:
    # Given a filled boundary template, whose hidden boundary sheet lists the country, the
    # province and the districts too (their codes, no targets)
    data = filled()
    book = open_template(data)
    listed = [row[-1] for row in book["Boundary Data"].iter_rows(min_row=2, values_only=True)]
    assert {COUNTRY, PROVINCE, SHADI, NERAGE} <= set(listed)

    # When it is read
    rows = read(data)

    # Then the rows are the district tabs' alone: none from the readme, the boundary sheet
    # or the metadata
    assert rows
    assert {row.sheet for row in rows} == {"Shadi", "Nerage"}
    assert [row.values[BOUNDARY] for row in rows] == [KURA, KOKWEBU, WABU]


def test_a_single_sheet_holding_a_boundary_code_and_a_target_is_read_whatever_its_name() -> None:
    # Given a workbook made by hand: one sheet, named by nobody's convention, with the
    # boundary code and target headers
    book = Workbook()
    sheet = book.active
    sheet.title = "My district"
    sheet.append(["Boundary Code", "Target at the Selected Boundary Level"])
    sheet.append([KURA, 10])
    sheet.append([WABU, 20])

    # When it is read
    rows = read(save(book))

    # Then its rows are read, placed on the first sheet (their places are their rows)
    assert [(row.sheet, row.row_number, row.label, row.values) for row in rows] == [
        ("My district", 2, "2 (My district)", {BOUNDARY: KURA, TARGET: 10}),
        ("My district", 3, "3 (My district)", {BOUNDARY: WABU, TARGET: 20}),
    ]


def test_a_workbook_with_no_tab_holding_a_target_is_refused_before_any_row_is_read() -> None:
    # Given a boundary template whose district tabs were removed: its boundary sheet has
    # codes and no target
    book = open_template(target_template())
    for title in ("Shadi", "Nerage"):
        del book[title]
    data = save(book)

    # When / Then asking for its rows is refused at once, naming the sheets it has
    with pytest.raises(InvalidRequestError) as refused:
        iter_sheet_rows(data, BOUNDARY_WITH_TARGET, MESSAGES)
    assert refused.value.code == "DATA_SHEET_MISSING"
    assert "Read Me, Boundary Data, _metadata" in refused.value.message


def test_a_tab_missing_a_required_column_is_refused_naming_the_tab() -> None:
    # Given a template whose Nerage tab has lost its target header (households remain)
    book = open_template(filled())
    book["Nerage"][f"{TARGET_COLUMN}1"] = None
    data = save(book)

    # When / Then asking for its rows is refused at once, naming the tab and the column
    with pytest.raises(InvalidRequestError) as refused:
        iter_sheet_rows(data, BOUNDARY_WITH_TARGET, MESSAGES)
    assert refused.value.code == "REQUIRED_COLUMN_MISSING"
    assert refused.value.params["columns"] == [TARGET]
    assert "Sheet 'Nerage'" in refused.value.message
    assert "'Target at the Selected Boundary Level'" in refused.value.message


def test_a_row_past_the_last_row_of_the_limits_is_refused_with_its_excel_row() -> None:
    # Given uploads limited to rows up to 3, and a filled template with a value on Nerage's
    # row 4 (its places are far beyond 3; its Excel rows are not, but this one)
    book = open_template(filled())
    book["Nerage"][f"{CODE_COLUMN}4"] = "EXTRA_ROW"
    data = save(book)
    limits = WorkbookLimits(max_rows=3)

    # When its rows are read one by one
    read_before: list[SheetRow] = []
    with pytest.raises(WorkbookError) as refused:
        for row in iter_sheet_rows(data, BOUNDARY_WITH_TARGET, MESSAGES, limits=limits):
            read_before.append(row)

    # Then the rows within the limit come first, and the row past it refuses the file with
    # its Excel row, not its place
    assert [row.label for row in read_before] == ["2 (Shadi)", "3 (Shadi)", "2 (Nerage)"]
    assert refused.value.code == "TOO_MANY_ROWS"
    assert refused.value.params["row"] == 4
    assert refused.value.message == "Row 4 holds values; uploads hold rows up to 3"


def test_a_code_repeated_on_another_tab_is_invalid_naming_the_first_rows_row_and_tab() -> None:
    # Given a filled template whose Nerage row repeats Kura's code (Shadi's row 2)
    book = open_template(filled())
    book["Nerage"][f"{CODE_COLUMN}2"] = KURA
    data = save(book)
    spec, schema = bind(BOUNDARY_WITH_TARGET, SCHEMA)
    validator = RowValidator(
        schema, spec, phone_length=10, allowed_boundary_codes=None, messages=MESSAGES
    )

    # When its rows are read and validated
    verdicts = list(validator.validate_all(iter_sheet_rows(data, spec, MESSAGES)))

    # Then the first rows are valid, and the repeat is invalid, naming where Kura first is
    assert [(verdict.sheet, verdict.valid) for verdict in verdicts] == [
        ("Shadi", True),
        ("Shadi", True),
        ("Nerage", False),
    ]
    repeat = verdicts[-1]
    assert repeat.canonical is None
    assert repeat.errors == [
        f"Boundary Code '{KURA}' is repeated; it first appears on row 2 (Shadi)"
    ]
