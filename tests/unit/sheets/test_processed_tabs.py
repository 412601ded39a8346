"""The processed copy of a file read across tabs: a target file, one tab per district."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from project_factory.domain.resources import RowStatus
from project_factory.errors import InvalidRequestError
from project_factory.sheets.freeze_parent_targets import OLD_SUFFIX, freeze_targets
from project_factory.sheets.layout import place
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import BOUNDARY_WITH_TARGET
from project_factory.sheets.spec_binding import bind
from tests.unit.generate.support import open_template, save, template

MESSAGES = load_bundled_messages()
SPEC, SCHEMA = bind(BOUNDARY_WITH_TARGET, bundled_json_schema("boundaryWithTarget.all"))
TARGET, HOUSEHOLDS = "Target at the Selected Boundary Level", "Target Households"
TAB_HEADER = ("District", "Locality", "Boundary Code", TARGET, HOUSEHOLDS)
STATUS_HEADER = ("#status#", "#errorDetails#")
#: The boundary template's sheets, in workbook order (see sheets.template).
README, BOUNDARIES, LUNDA, MOXI, NACALA, METADATA = range(6)
#: Their parts, as openpyxl names them: sheet<n> is the n-th sheet.
README_PART, BOUNDARIES_PART, METADATA_PART = (
    f"xl/worksheets/sheet{index + 1}.xml" for index in (README, BOUNDARIES, METADATA)
)
#: Lunda: L1, L2 (rows 2, 3); Moxi: L3 (row 2); Nacala: L4 (row 2).
EVERY_ROW = {
    place(LUNDA, 2): RowResult(RowStatus.CREATED, id="never-written"),
    place(LUNDA, 3): RowResult(RowStatus.INVALID, errors=["Target is required"]),
    place(MOXI, 2): RowResult(RowStatus.SKIPPED),
    place(NACALA, 2): RowResult(RowStatus.INVALID, errors=["first", "second"]),
}


def process(data: bytes, results: dict[int, RowResult]) -> bytes:
    target = io.BytesIO()
    write_processed(
        data, SPEC, sorted(results.items()), MESSAGES, "en_IN", target, json_schema=SCHEMA
    )
    return target.getvalue()


def rows_of(data: bytes, title: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data))[title].iter_rows(values_only=True))


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def reordered(data: bytes, key) -> bytes:
    """The same parts, stored in the zip in the order `key` sorts their names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in sorted(source.infolist(), key=lambda info: key(info.filename)):
            out.writestr(info, source.read(info))
    return buffer.getvalue()


def test_every_target_tab_gets_its_own_status_columns_and_no_id():
    # Given a boundary template with three district tabs, a result for each of their rows
    data = template("boundary")

    # When it is processed
    processed = process(data, EVERY_ROW)

    # Then each tab has the status columns after its targets and its rows' outcomes;
    # the id of a created row is nowhere (the type has no id column)
    expected = {
        "Lunda": [("L1", "CREATED", None), ("L2", "INVALID", "Target is required")],
        "Moxi": [("L3", "SKIPPED", None)],
        "Nacala": [("L4", "INVALID", "first; second")],
    }
    for title, outcomes in expected.items():
        header, *rows = rows_of(processed, title)
        assert header == (*TAB_HEADER, *STATUS_HEADER)
        assert [(row[2], row[-2], row[-1]) for row in rows] == outcomes
    written = parts(processed)
    assert written and not any(b"never-written" in part for part in written.values())


def test_a_row_without_a_result_is_marked_failed():
    # Given results for every row but Moxi's
    results = {row: result for row, result in EVERY_ROW.items() if row != place(MOXI, 2)}

    # When the template is processed
    processed = process(template("boundary"), results)

    # Then Moxi's row says no outcome was recorded, and the others keep theirs
    assert rows_of(processed, "Moxi")[1][-2:] == ("FAILED", "No outcome was recorded for this row")
    assert rows_of(processed, "Nacala")[1][-2:] == ("INVALID", "first; second")


def test_sheets_that_are_not_target_tabs_keep_their_bytes():
    # Given a boundary template: a readme, a hidden boundary sheet (codes, no targets),
    # the district tabs and the metadata
    data = template("boundary")
    before = parts(data)

    # When it is processed
    after = parts(process(data, EVERY_ROW))

    # Then the readme, the boundary sheet and the metadata are the same bytes
    for part in (README_PART, BOUNDARIES_PART, METADATA_PART):
        assert after[part] == before[part]
    assert list(after) == list(before)


def test_results_land_on_their_rows_when_the_zip_stores_the_tabs_in_reverse_order():
    # Given a template whose sheet parts are stored last sheet first
    def reverse_sheets(name: str) -> tuple[int, int]:
        number = name.removeprefix("xl/worksheets/sheet").removesuffix(".xml")
        return (0, -int(number)) if number.isdigit() else (1, 0)

    data = reordered(template("boundary"), reverse_sheets)
    assert next(iter(parts(data))) == "xl/worksheets/sheet6.xml"

    # When it is processed
    processed = process(data, EVERY_ROW)

    # Then every tab's rows have their own outcomes
    assert [(row[2], row[-2]) for row in rows_of(processed, "Lunda")[1:]] == [
        ("L1", "CREATED"),
        ("L2", "INVALID"),
    ]
    assert rows_of(processed, "Moxi")[1][-2:] == ("SKIPPED", None)
    assert rows_of(processed, "Nacala")[1][-2:] == ("INVALID", "first; second")
    # And the district tabs (sheets 3 to 5) fill the slots they had, in workbook order
    sheets = [name for name in parts(processed) if name.startswith("xl/worksheets/")]
    assert sheets == [f"xl/worksheets/sheet{n}.xml" for n in (6, 3, 4, 5, 2, 1)]


def test_a_child_tab_with_hidden_old_columns_is_a_target_tab_and_its_old_columns_untouched():
    # Given a child's template: Lunda's targets kept in hidden <header>(OLD) columns
    old = {"L1": {"HCM_ADMIN_CONSOLE_TARGET": 150}, "L2": {"HCM_ADMIN_CONSOLE_TARGET": 70}}
    data = freeze_targets(template("boundary"), old, SCHEMA, MESSAGES, "en_IN")

    # When it is processed
    processed = process(data, EVERY_ROW)

    # Then Lunda gets its outcomes after its last column, its OLD columns as they were
    header, *rows = rows_of(processed, "Lunda")
    assert header == (
        "District",
        "Locality",
        "Boundary Code",
        f"{TARGET}{OLD_SUFFIX}",
        TARGET,
        f"{HOUSEHOLDS}{OLD_SUFFIX}",
        HOUSEHOLDS,
        *STATUS_HEADER,
    )
    assert [(row[3], row[5], row[-2]) for row in rows] == [
        (150, None, "CREATED"),
        (70, None, "INVALID"),
    ]
    lunda = load_workbook(io.BytesIO(processed))["Lunda"]
    assert lunda.column_dimensions["D"].hidden and lunda.column_dimensions["F"].hidden


def test_a_single_sheet_of_targets_after_a_readme_is_a_data_tab():
    # Given a workbook made by hand: a readme, then one sheet of codes and targets
    book = Workbook()
    book.active.title = "Read Me"
    book.active.append(["Fill in the targets"])
    sheet = book.create_sheet("Targets")
    sheet.append(["Boundary Code", TARGET])
    sheet.append(["L1", 10])
    sheet.append(["L2", 20])

    # When it is processed with results placed on its tab (the second sheet)
    results = {place(1, 2): RowResult(RowStatus.CREATED), place(1, 3): RowResult(RowStatus.SKIPPED)}
    processed = process(save(book), results)

    # Then each row has its status
    assert rows_of(processed, "Targets") == [
        ("Boundary Code", TARGET, *STATUS_HEADER),
        ("L1", 10, "CREATED", None),
        ("L2", 20, "SKIPPED", None),
    ]


def test_a_workbook_without_a_target_tab_is_refused():
    # Given a boundary template whose district tabs were removed
    book = open_template(template("boundary"))
    for title in ("Lunda", "Moxi", "Nacala"):
        del book[title]

    # When / Then processing it is refused: no sheet names a boundary code and a target
    with pytest.raises(InvalidRequestError) as refused:
        process(save(book), {})
    assert refused.value.code == "DATA_SHEET_MISSING"


def test_a_target_tab_with_a_column_twice_is_refused():
    # Given a template whose Moxi tab has the households column twice
    book = open_template(template("boundary"))
    book["Moxi"].cell(1, 6, HOUSEHOLDS)

    # When / Then processing it is refused: which copy holds the data is a guess
    with pytest.raises(InvalidRequestError) as refused:
        process(save(book), EVERY_ROW)
    assert refused.value.code == "DUPLICATE_HEADER"


def test_results_across_tabs_are_consumed_as_a_stream():
    # Given the results produced one at a time
    produced = []

    def results():
        for row_place, result in sorted(EVERY_ROW.items()):
            produced.append(row_place)
            yield row_place, result

    # When the template is processed
    target = io.BytesIO()
    write_processed(
        template("boundary"), SPEC, results(), MESSAGES, "en_IN", target, json_schema=SCHEMA
    )

    # Then every result was taken, and the last tab's row has its own
    assert produced == sorted(EVERY_ROW)
    assert rows_of(target.getvalue(), "Nacala")[1][-2:] == ("INVALID", "first; second")
