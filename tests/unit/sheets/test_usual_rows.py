"""The fast paths of the sheet scan read what the general ones read, and fail as they fail.

`xlsx_row_split` cuts the usual runs of rows with `bytes.split`, and `xlsx_row_values`
reads a row of usual cells in one loop; every other piece or row is read by the general
patterns. These read many rows, usual and not, both ways and compare the results
(values, or the error's type, text and code).
"""

import dataclasses
import io
import itertools
from typing import Any

import pytest

from project_factory.sheets import sheet_values
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.reader import IllegalCell, SheetRow
from project_factory.sheets.sheet_row import sheet_row as _sheet_row
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_row_split import split_rows
from project_factory.sheets.xlsx_rows import SheetXml, _patterns
from project_factory.sheets.xlsx_text import read_number
from project_factory.sheets.xlsx_values import CellValues

SHARED = ["zero", "one\x01", "two"]
#: Style 1 is a date.
DATES = DateStyles(dates=frozenset({1}))
#: A cell of at most 12 characters (one cell below is longer), and the default cells.
LIMITS = [WorkbookLimits(max_cell_chars=12), WorkbookLimits()]

#: Cells of every shape (in column A; the rows move them): usual ones first.
CELLS = [
    b'<c r="A7" t="inlineStr"><is><t>plain text</t></is></c>',
    b'<c r="A7"><v>42</v></c>',
    b'<c r="A7" t="n"><v>-1.5E3</v></c>',
    b'<c r="A7" s="1"><v>45000.25</v></c>',
    b'<c r="A7" s="1" t="n"><v>45000</v></c>',
    b'<c r="A7" s="2"><v>7</v></c>',
    b'<c r="A7" t="s"><v>1</v></c>',
    b'<c r="A7" s="3" t="s"><v>2</v></c>',
    b'<c r="A7" t="s"><v></v></c>',
    b'<c r="A7" t="inlineStr"><v>5</v></c>',
    b'<c r="A7" t="n"><is><t>not a number</t></is></c>',
    b'<c r="A7" t="inlineStr"><is><t>a &amp; b &#1;</t></is></c>',
    b'<c r="A7" t="inlineStr"><is><t>line\r\nend</t></is></c>',
    b'<c r="A7" t="inlineStr"><is><t>far too long for a cell</t></is></c>',
    b'<c r="A7" t="inlineStr"><is><t></t></is></c>',
    b'<c r="A7" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>',
    b'<c r="A7" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c>',
    b'<c r="A7" t="s"><v>3</v></c>',
    b'<c r="A7" t="s"><v>-1</v></c>',
    b'<c r="A7" t="s"><v>12345678901</v></c>',
    b'<c r="A7"><v>12a</v></c>',
    b'<c r="A7"><v>' + b"9" * 70 + b"</v></c>",
    b'<c r="A7" t="b"><v>1</v></c>',
    b'<c r="A7" t="e"><v>#N/A</v></c>',
    b'<c r="A7" t="str"><f>A1</f><v>f</v></c>',
    b'<c r="A7" t="d"><v>2024-01-02</v></c>',
    b'<c r="A7"/>',
    b'<c r="A7" t="n" cm="1"><v>3</v></c>',
    b'<c r="A7" r="B7"><v>3</v></c>',
    b"<c r='A7'><v>3</v></c>",
    b'<c r="A7"><v t="x">3</v></c>',
    b"<c><v>8</v></c>",
    b'<c r="a7"><v>9</v></c>',
    b'<c r="A7" t="inlineStr"><is><t>\xff</t></is></c>',
]
#: Column letters to put a cell in: ascending, repeated, past XFD.
COLUMNS = [b"A", b"B", b"C", b"AB", b"XFD", b"XFE", b"ZZZ", b"AAAA"]


def _moved(cell: bytes, letters: bytes) -> bytes:
    return cell.replace(b'"A7"', b'"' + letters + b'7"').replace(b"'A7'", b"'" + letters + b"7'")


def _rows() -> list[bytes]:
    """Row bodies: every pair of cells in ascending columns, then some in other orders
    and columns, with text between cells."""
    bodies = [first + _moved(second, b"C") for first, second in itertools.product(CELLS, CELLS)]
    for cell, letters in itertools.product(CELLS[:8], COLUMNS):
        bodies.append(_moved(CELLS[1], b"B") + _moved(cell, letters))
    bodies += [
        _moved(CELLS[0], b"C") + _moved(CELLS[1], b"B"),
        _moved(CELLS[0], b"B") + _moved(CELLS[1], b"B"),
        CELLS[0] + b"\n  " + _moved(CELLS[1], b"B"),
        CELLS[0] + b"text" + _moved(CELLS[1], b"B"),
        b"",
        b"  ",
    ]
    return bodies


def _outcome(read: Any) -> Any:
    try:
        return ("values", read())
    except Exception as error:  # the errors must be the same too
        return ("error", type(error).__name__, str(error), getattr(error, "code", None))


def _read(body: bytes, prefix: bytes, limits: WorkbookLimits, usual: bool) -> Any:
    if prefix:
        body = body.replace(b"<", b"<" + prefix).replace(b"<" + prefix + b"/", b"</" + prefix)
    xml = b'<worksheet xmlns="m"><%ssheetData><%srow r="7">' % (prefix, prefix)
    xml += body + b"</%srow></%ssheetData></worksheet>" % (prefix, prefix)
    sheet = SheetXml(io.BytesIO(xml), limits)
    values = CellValues(SHARED, DATES, sheet.prefix, limits)
    if not usual:
        values.row = lambda body: None  # every row cell by cell
    return _outcome(lambda: list(sheet_values.value_rows(sheet, values)))


@pytest.mark.parametrize("limits", LIMITS, ids=["short cells", "default"])
@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_a_row_read_at_once_is_read_as_cell_by_cell(prefix, limits):
    # Given rows of every kind of cell, in every order
    bodies = _rows()

    # When each is read by the fast path (where it applies) and cell by cell
    # Then the values, or the errors, are the same
    for body in bodies:
        usual = _read(body, prefix, limits, usual=True)
        assert usual == _read(body, prefix, limits, usual=False), body
    # and a good share of them took the fast path
    fast = CellValues(SHARED, DATES, b"", limits)
    assert sum(fast.row(body) is not None for body in bodies) > 150


def test_the_usual_rows_are_read_at_once():
    # Given a row of usual cells
    values = CellValues(SHARED, DATES)
    placed = zip(CELLS[:3], [b"A", b"B", b"D"], strict=True)
    body = b"".join(_moved(cell, letters) for cell, letters in placed)

    # When / Then it takes the fast path, with the general reader's values
    assert values.row(body) == {1: "plain text", 2: 42, 4: -1500.0}
    assert values.row(body.replace(b"plain", b"a &amp;")) == {1: "a & text", 2: 42, 4: -1500.0}


ROWS = [
    b'<row r="1"><c r="A1"><v>1</v></c></row>',
    b'<row r="2" spans="1:2" x14ac:dyDescent="0.25"><c r="A2"><v>1</v></c></row>',
    b'<row r="3"></row>',
    b'<row r="4"/>',
    b"<row><c><v>2</v></c></row>",
    b'<row r="5.0"><c r="A5"><v>1</v></c></row>',
    b"<row r='6'><c r=\"A6\"><v>1</v></c></row>",
    b'<row x="a>b" r="7"><c r="A7"><v>1</v></c></row>',
    b'<row  r="8" ><c r="A8"><v>1</v></c></row>',
    b'<row r="12345678"></row>',
    b'<rows r="9"></rows>',
    b'<row r="10"><row r="11"></row>',
    b'<row r="13">',
    b"  ",
    b"text",
]


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_a_piece_cut_by_split_is_cut_as_by_the_row_pattern(prefix):
    # Given pieces of rows of every kind, alone and in pairs
    patterns = _patterns(prefix)
    pieces = [first + second for first, second in itertools.product(ROWS, ROWS)] + ROWS
    for piece in pieces:
        if prefix:
            piece = piece.replace(b"<row", b"<x:row").replace(b"</row", b"</x:row")

        # When it is cut both ways
        cut = split_rows(piece, prefix + b"row", patterns.row)
        general = patterns.row.findall(piece)

        # Then the rows are the same, and a number read is the one `r` gives
        assert [(xml, attrs, body) for _, attrs, body, xml in cut] == general, piece
        for number, attrs, _, _ in cut:
            assert number is None or attrs.startswith(b' r="%d"' % number), piece


@pytest.mark.parametrize(
    "raw", [b"0", b"42", b"007", b"-3", b"1.5", b"1e3", b"2E-2", b" 5", b"1_000", b"x", b""]
)
def test_numbers_read_as_openpyxl_read_them(raw):
    # Given a number's text, When it is read, Then it is what openpyxl's rule gives
    expected = _outcome(
        lambda: float(raw) if b"." in raw or b"e" in raw or b"E" in raw else int(raw)
    )
    assert _outcome(lambda: read_number(raw)) == expected


def test_a_row_made_without_init_is_the_dataclass_row():
    # Given a row's fields
    illegal = (IllegalCell("HCM_X", "B7", "U+0001"),)

    # When the reader makes the row without SheetRow's __init__
    row = _sheet_row(7, {"HCM_X": "a"}, illegal)

    # Then it is the row __init__ makes, with every field of the dataclass set
    assert row == SheetRow(row_number=7, values={"HCM_X": "a"}, illegal=illegal)
    assert list(vars(row)) == [field.name for field in dataclasses.fields(SheetRow)]
    assert row.label == "7" and row.sheet is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.row_number = 8  # type: ignore[misc]
