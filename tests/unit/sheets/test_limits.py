"""The limits on uploads, function by function: the package, the scanner, the values."""

import io
import time
import zipfile

import pytest

from project_factory.domain.resources import RowStatus
from project_factory.errors import WorkbookError
from project_factory.settings import Settings
from project_factory.sheets import (
    xlsx_package,
    xlsx_references,
    xlsx_rows,
    xlsx_shared_strings,
    xlsx_xml_guard,
    xlsx_zip_checks,
)
from project_factory.sheets.limits import (
    DEFAULT_LIMITS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    WorkbookLimits,
    size_text,
)
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import read_metadata
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.spec import FACILITY
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_edit import widen_dimension
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_references import column_index, row_number
from project_factory.sheets.xlsx_rows import SheetXml
from project_factory.sheets.xlsx_text import (
    clean,
    clean_xml,
    escape,
    illegal_character,
    shared_text,
)
from project_factory.sheets.xlsx_values import CellValues
from tests.support.settings import WIRED_ENVIRONMENT, wired_settings
from tests.support.workbooks import open_workbook
from tests.unit.hostile.corpus import (
    METADATA,
    SHEET,
    bomb,
    changed,
    in_sheet,
    normal,
    parts_of,
    zipped,
)
from tests.unit.sheets.support import facility as facility_row
from tests.unit.sheets.support import facility_file, handmade_xlsx, judge, validator, worksheet

MESSAGES = load_bundled_messages()


def sheet_of(rows: bytes, before: bytes = b"") -> SheetXml:
    xml = b'<worksheet xmlns="m">' + before + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    return SheetXml(io.BytesIO(xml))


def refused_code(run) -> str:
    with pytest.raises(WorkbookError) as raised:
        run()
    return raised.value.code


# --------------------------------------------------------------------------- the settings


def test_the_limits_are_the_settings_and_their_defaults_match():
    # Given settings from the environment
    settings = Settings.from_environment(
        WIRED_ENVIRONMENT | {"UPLOAD_MAX_ROWS": "5000", "UPLOAD_MAX_BYTES": "1000"}
    )

    # When / Then the limits read them; by default both agree
    limits = WorkbookLimits.of(settings)
    assert (limits.max_rows, limits.max_bytes) == (5000, 1000)
    assert WorkbookLimits.of(wired_settings()) == DEFAULT_LIMITS


def test_no_setting_goes_past_excel():
    # Given / When / Then a row limit or cell length past Excel's own is refused
    with pytest.raises(ValueError, match="upload_max_rows"):
        Settings.from_environment(WIRED_ENVIRONMENT | {"UPLOAD_MAX_ROWS": str(EXCEL_MAX_ROWS + 1)})
    with pytest.raises(ValueError, match="upload_max_cell_chars"):
        Settings.from_environment(WIRED_ENVIRONMENT | {"UPLOAD_MAX_CELL_CHARS": "40000"})


def test_sizes_read_as_people_read_them():
    assert [size_text(n) for n in (300, 1536, 64 << 20, 3 << 30)] == [
        "300 bytes",
        "1.5 KiB",
        "64 MiB",
        "3.0 GiB",
    ]


# ------------------------------------------------------------------------------ positions


def test_columns_past_xfd_are_past_the_last_one_however_long():
    # Given / When / Then
    assert column_index(b"XFD") == EXCEL_MAX_COLUMNS
    assert column_index(b"XFE") == EXCEL_MAX_COLUMNS + 1
    assert column_index(b"ZZZZZZ") == EXCEL_MAX_COLUMNS + 1
    assert column_index(b"Z" * 100_000) == EXCEL_MAX_COLUMNS + 1
    assert b"Z" * 100_000 not in xlsx_references.KNOWN_COLUMNS


def test_row_numbers_as_writers_write_them():
    assert [row_number(raw) for raw in (b"12", b"12.0", b"1048576")] == [12, 12, 1048576]
    assert row_number(b"9" * 5000) == EXCEL_MAX_ROWS + 1
    with pytest.raises(ValueError):
        row_number(b".")


def test_a_cell_past_xfd_is_too_many_columns():
    # Given a row with a cell at XFE, and one of 16,385 cells without references
    far = sheet_of(b'<row r="1"><c r="XFE1"><v>1</v></c></row>')
    wide = sheet_of(b'<row r="1">' + b"<c><v>1</v></c>" * (EXCEL_MAX_COLUMNS + 1) + b"</row>")

    # When / Then their cells are refused
    for sheet in (far, wide):
        (row,) = sheet.rows()
        assert refused_code(lambda s=sheet, r=row: s.cells(r)) == "TOO_MANY_COLUMNS"
    again = sheet_of(b'<row r="1"><c r="XFE1"><v>1</v></c></row>')
    (row,) = again.rows()
    assert refused_code(lambda: again.last_cell(row)) == "TOO_MANY_COLUMNS"


def test_a_row_past_excels_last_is_too_many_rows():
    sheet = sheet_of(b'<row r="1048577"/>')
    assert refused_code(lambda: list(sheet.rows())) == "TOO_MANY_ROWS"


def test_rows_without_numbers_past_excels_last_are_too_many_rows(monkeypatch):
    # Given more rows without `r` than Excel has (counted, not written: a small stand-in)
    monkeypatch.setattr(xlsx_rows, "EXCEL_MAX_ROWS", 3)
    sheet = sheet_of(b"<row/>" * 4)

    # When / Then
    assert refused_code(lambda: list(sheet.rows())) == "TOO_MANY_ROWS"


def test_an_empty_row_past_the_configured_last_row_is_ignored_a_value_is_refused():
    # Given a facility file with an empty styled row, then a value, past row 50
    base = facility_file(facility_row())
    empty = changed(base, {SHEET: in_sheet(b"</sheetData>", b'<row r="60" s="1"/></sheetData>')})
    value = changed(
        base,
        {
            SHEET: in_sheet(
                b"</sheetData>",
                b'<row r="60"><c r="B60" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
            )
        },
    )
    limits = WorkbookLimits(max_rows=50)

    # When / Then
    from project_factory.sheets.reader import iter_sheet_rows

    assert len(list(iter_sheet_rows(empty, FACILITY, MESSAGES, limits=limits))) == 1
    code = refused_code(lambda: list(iter_sheet_rows(value, FACILITY, MESSAGES, limits=limits)))
    assert code == "TOO_MANY_ROWS"


# ---------------------------------------------------------------------------------- sizes


def test_a_row_larger_than_the_limit_is_refused_while_it_streams():
    # Given a sheet with a row far larger than the limit, cut into many chunks
    limits = WorkbookLimits(max_row_bytes=1 << 16)
    xml = b'<worksheet><sheetData><row r="1"><c><v>' + b"1" * (1 << 20) + b"</v></c></row>"
    sheet = SheetXml(io.BytesIO(xml + b"</sheetData></worksheet>"), limits)

    # When / Then
    assert refused_code(lambda: list(sheet.rows())) == "ROW_TOO_LARGE"


def test_settings_before_the_rows_larger_than_a_row_may_be_are_refused():
    limits = WorkbookLimits(max_row_bytes=1 << 16)
    xml = b"<worksheet><sheetPr>" + b" " * (1 << 20) + b"</sheetPr><sheetData/></worksheet>"
    assert refused_code(lambda: SheetXml(io.BytesIO(xml), limits)) == "WORKBOOK_TOO_LARGE"


def test_a_doctype_in_a_streamed_sheet_is_refused_before_its_rows():
    xml = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x "y">]><worksheet><sheetData/></worksheet>'
    assert refused_code(lambda: SheetXml(io.BytesIO(xml))) == "XML_NOT_ALLOWED"


def test_a_cell_longer_than_a_cell_may_be_is_cell_too_long():
    # Given inline and formula strings of 40,000 characters
    sheet = sheet_of(
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>'
        + b"a" * 40_000
        + b'</t></is></c><c r="B3" t="str"><f>x</f><v>'
        + b"b" * 40_000
        + b"</v></c></row>"
    )
    values = CellValues([], DateStyles())
    (row,) = sheet.rows()
    first, second = sheet.cells(row)

    # When / Then each is refused, naming the cell
    for cell in (first, second):
        with pytest.raises(WorkbookError, match=r"Cell [AB]3 holds 40,000") as raised:
            values.value(cell, row.number)
        assert raised.value.code == "CELL_TOO_LONG"


def test_numbers_and_references_no_cell_holds_are_unreadable():
    sheet = sheet_of(
        b'<row r="1"><c r="A1"><v>' + b"9" * 5000 + b'</v></c><c r="B1" t="s"><v>7</v></c></row>'
    )
    (row,) = sheet.rows()
    number, shared = sheet.cells(row)
    values = CellValues(["only one"], DateStyles())
    with pytest.raises(ValueError, match="no number"):
        values.value(number, 1)
    with pytest.raises(ValueError, match="shared string"):
        values.value(shared, 1)


def test_cells_whose_attributes_could_be_read_many_ways_match_at_once():
    # Given an unclosed cell whose attributes match several alternatives each (a pattern
    # that backtracks tries 2^n ways), against a plain one
    trap = sheet_of(b'<row r="1"><c r="A1"' + b' r="A1"' * 28 + b"><v>1</v></row>")
    plain = sheet_of(b'<row r="1"><c r="A1"><v>1</v></row>')

    # When each is read (this process's CPU time, which a busy neighbour does not inflate;
    # the best of five runs, as the ratio of two times is only as good as each)
    def seconds(sheet: SheetXml) -> float:
        (row,) = sheet.rows()
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(100):
                sheet.cells(row)
            best = min(best, time.process_time() - started)
        return best

    # Then the trap costs about what its length does, not 2^28 tries
    assert seconds(trap) < 50 * seconds(plain)


# ----------------------------------------------------------------------------- characters


def test_characters_xml_cannot_hold_are_found_and_replaced():
    assert illegal_character("ok\tline\nend\r") is None
    assert [illegal_character(t) for t in ("a\x00", "a\x08", "a\x1f", "\ud800", "\uffff")] == [
        "\x00",
        "\x08",
        "\x1f",
        "\ud800",
        "\uffff",
    ]
    assert clean("a\x01b\x0bc") == "a\ufffdb\ufffdc"
    assert escape("a < b\x01") == "a &lt; b\ufffd"


def test_raw_xml_is_cleaned_of_control_bytes_and_forbidden_references_only():
    raw = b"<t>a\x01b&#1;c&#x1F;d&#10;e&#xE9;f&#xD800;g&#99999999;h</t>"
    assert clean_xml(raw) == ("<t>a\ufffdb\ufffdc\ufffdd&#10;e&#xE9;f\ufffdg\ufffdh</t>".encode())
    assert clean_xml(b"<t>clean</t>") == b"<t>clean</t>"


def test_excels_escapes_of_control_characters_are_read_as_the_characters():
    # Given shared strings with Excel's escape of U+0001, and an escaped escape
    # When / Then the first is the character (refused later), the second literal text
    assert shared_text(b"<t>a_x0001_b</t>") == "a\x01b"
    assert shared_text(b"<t>a_x005F_x0001_b</t>") == "a_x0001_b"
    assert shared_text(b"<t>_x000D_</t>") == "_x000D_"


def test_a_control_character_makes_its_row_invalid_naming_the_cell():
    # Given a row whose name held a control character (as the reader reports it)
    from project_factory.sheets.reader import IllegalCell

    row = facility_row(name="Clinic\ufffdA")
    illegal = (IllegalCell("HCM_ADMIN_CONSOLE_FACILITY_NAME", "B7", "U+0001"),)
    # When it is judged
    verdict = validator().validate(SheetRow(7, row, illegal))

    # Then it is invalid, its error coded and naming the column and the cell
    assert verdict.errors == [
        "ILLEGAL_CHARACTER: Facility Name (cell B7) holds a control character (U+0001), "
        "which a workbook cannot carry; remove it and upload again"
    ]
    assert not verdict.create
    assert judge(FACILITY, facility_row())[0].errors == []


# -------------------------------------------------------------------------------- package


def test_too_many_parts_are_refused_from_the_end_record_before_zipfile_reads_them(monkeypatch):
    # Given a zip of 600 entries, and zipfile forbidden to read any directory
    data = zipped({f"part{n}.txt": b"x" for n in range(600)})

    def no_zipfile(*_args, **_kwargs):
        raise AssertionError("zipfile read the directory")

    monkeypatch.setattr(xlsx_package.zipfile, "ZipFile", no_zipfile)

    # When / Then the count is refused from the end record alone
    assert refused_code(lambda: XlsxPackage(data)) == "TOO_MANY_PARTS"


def test_a_zip64_end_record_is_read_for_its_count():
    # Given a zip written with zip64 records
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(600):
            with archive.open(f"part{n}.txt", "w", force_zip64=True) as sink:
                sink.write(b"x")
    # When / Then
    assert refused_code(lambda: XlsxPackage(buffer.getvalue())) == "TOO_MANY_PARTS"


def test_a_part_is_counted_while_it_is_read():
    # Given a part whose stream holds more than its directory entry says
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    info.file_size, info.compress_size = 100, 100
    part = xlsx_zip_checks.CountedPart(io.BytesIO(b"x" * 5000), info, DEFAULT_LIMITS)

    # When / Then reading past the declared size stops
    with pytest.raises(WorkbookError, match="more than its zip directory says"):
        part.read(5000)


def test_the_ratio_is_checked_while_a_part_is_read():
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    info.file_size, info.compress_size = 64 << 20, 1000
    part = xlsx_zip_checks.CountedPart(io.BytesIO(b" " * (2 << 20)), info, DEFAULT_LIMITS)
    assert refused_code(lambda: part.read(2 << 20)) == "ZIP_BOMB"


@pytest.mark.parametrize(
    ("head", "verdict"),
    [
        (b"<worksheet/>", "ok"),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><a/>', "ok"),
        (b"<?xml version='1.0'?><!DOCTYPE a><a/>", "doctype"),
        (b"<!-- <a> --><!DOCTYPE a><a/>", "doctype"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16"), "doctype"),
        (b"<!-- never ends", "unended"),
    ],
)
def test_the_prolog_of_a_part_is_read_for_a_doctype(head, verdict):
    assert xlsx_xml_guard._prolog(head) == verdict


def test_open_workbook_checks_the_package_first():
    assert refused_code(lambda: open_workbook(bomb(8 << 20), read_only=True)) == "ZIP_BOMB"


def test_styles_are_read_incrementally_cell_styles_only():
    # Given styles with a custom and built-in date formats, and cell-style formats that
    # are not cell formats (`cellStyleXfs`)
    styles = (
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>'
        '<cellStyleXfs count="2"><xf numFmtId="14"/><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
        '<xf numFmtId="46"/></cellXfs>'
    )
    data = handmade_xlsx({"Sheet": worksheet("")}, styles=styles)

    # When / Then the date styles are the cell formats' own
    with XlsxPackage(data) as package:
        dates = package.date_styles()
    assert (dates.dates, dates.durations) == (frozenset({1, 2, 3}), frozenset({3}))


# ------------------------------------------------------------------------- metadata, processed


def test_metadata_below_its_first_rows_is_not_read():
    # Given a metadata sheet with a row far below its pairs (openpyxl walked every row)
    data = changed(
        normal(),
        {
            METADATA: in_sheet(
                b"</sheetData>",
                b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>late</t></is></c>'
                b'<c r="B1000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
            )
        },
    )

    # When / Then only the pairs at the top are read
    assert read_metadata(data) == {"type": "facility", "locale": "en_IN"}


def test_a_processed_file_never_needs_a_column_past_xfd():
    # Given an upload whose header reaches column XFD: the status columns would go past it
    data = changed(
        facility_file(facility_row()),
        {SHEET: in_sheet(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>Far</t></is></c></row>')},
    )

    # When / Then writing the processed file says so, instead of writing a broken file
    result = RowResult(RowStatus.VALID)
    code = refused_code(
        lambda: write_processed(data, FACILITY, [(2, result)], MESSAGES, None, io.BytesIO())
    )
    assert code == "TOO_MANY_COLUMNS"


def test_a_dimension_past_excels_last_cell_is_brought_back_within_it():
    head = b'<worksheet><dimension ref="A1:ZZZZZZ99999999"/><sheetData>'
    assert b'ref="A1:XFD1048576"' in widen_dimension(head, 9)
    assert b'ref="A1:I5"' in widen_dimension(b'<dimension ref="A1:G5"/>', 9)


def test_the_processed_file_keeps_every_other_part_of_a_clean_upload_byte_for_byte():
    # Given a clean upload
    data = facility_file(facility_row())
    target = io.BytesIO()

    # When it is processed
    write_processed(data, FACILITY, [(2, RowResult(RowStatus.VALID))], MESSAGES, None, target)

    # Then only the data sheet changed
    before, after = parts_of(data), parts_of(target.getvalue())
    assert {name for name in before if before[name] != after[name]} == {SHEET}


@pytest.mark.parametrize("chunk", [5, 11, 64])
def test_shared_strings_cut_anywhere_between_chunks_read_the_same(monkeypatch, chunk):
    # Given shared strings of every shape (rich runs, phonetic runs, empty, whitespace
    # between items), read whole and then in chunks of a few bytes
    items = [
        "<t>Facility Name</t>",
        '<r><rPr><b/></rPr><t>Rich</t></r><r><t xml:space="preserve"> text</t></r>',
        '<t>Tokyo</t><rPh sb="0" eb="1"><t>TOUKYOU</t></rPh>',
        "<t/>",
        "<t>a &amp; b</t>",
    ]
    data = handmade_xlsx({"Sheet": worksheet("")}, shared=items)
    data = changed(data, {"xl/sharedStrings.xml": lambda xml: xml.replace(b"</si>", b"</si>\n  ")})
    with XlsxPackage(data) as package:
        whole = list(package.shared_strings())
    monkeypatch.setattr(xlsx_shared_strings, "CHUNK_SIZE", chunk)

    # When / Then
    with XlsxPackage(data) as package:
        assert list(package.shared_strings()) == whole
    assert whole == ["Facility Name", "Rich text", "Tokyo", "", "a & b"]
