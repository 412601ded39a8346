"""Data rows read by the template of a row shape seen before are the rows, and the
errors, the usual and general readers give.

`data_rows.templated_rows` reads a row at once when a template (`xlsx_row_templates`)
learned from an earlier usual row fits it, else as `value_rows` and `value_sheet_rows`
read it. These read sheets of rows of every kind both ways and compare the outcomes.
"""

import io
import itertools
from typing import Any

import pytest

from project_factory.sheets import sheet_values
from project_factory.sheets.data_rows import templated_rows, value_sheet_rows
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.xlsx_row_templates import RowTemplates
from project_factory.sheets.xlsx_rows import SheetXml
from project_factory.sheets.xlsx_values import CellValues
from tests.unit.sheets.test_usual_rows import CELLS, DATES, LIMITS, SHARED, _moved, _outcome

#: A table with no character XML cannot hold (shared strings are templated then), with
#: a blank one.
CLEAN_SHARED = ["zero", "one", "two", "   "]
#: Known columns out of the cells' order; column B is not a known one.
POSITIONS = [("HCM_C", 3), ("HCM_A", 1), ("HCM_D", 4)]
#: Values swapped into a row of a shape seen before: other numbers, texts, blanks.
SWAPS = [
    (b">plain text<", b">other<"),
    (b">plain text<", b">   <"),
    (b">plain text<", b">a &amp; b<"),
    (b">plain text<", b">\x01<"),
    (b">plain text<", b">" + b"x" * 20 + b"<"),
    (b">42<", b">43<"),
    (b">42<", b">4.5<"),
    (b">42<", b">-7<"),
    (b">42<", b">1_0<"),
    (b">-1.5E3<", b">2e5<"),
    (b">-1.5E3<", b">12<"),
    (b">45000.25<", b">45001<"),
    (b">45000<", b">99999999<"),
    (b"<v>1</v>", b"<v>3</v>"),
    (b"<v>2</v>", b"<v>0</v>"),
]


def _bodies() -> list[bytes]:
    """Row bodies of one to three cells of every kind, in ascending columns."""
    usual = CELLS[:8]
    bodies = [_moved(cell, b"C") for cell in CELLS]
    bodies += [first + _moved(second, b"C") for first, second in itertools.product(usual, CELLS)]
    bodies += [
        first + _moved(second, b"B") + _moved(third, b"D")
        for first, second, third in itertools.product(usual, usual[:3], usual[5:])
    ]
    return bodies


def _sheet(body: bytes, prefix: bytes) -> bytes:
    """A sheet of rows of the shape of `body`: the row, then it again with each swap,
    with the row itself between them (a template learned, then fitting or not)."""
    bodies = [body]
    for old, new in SWAPS:
        if old in body:
            bodies += [body.replace(old, new), body]
    rows = b"".join(b'<row r="%d">%s</row>' % (number, row) for number, row in enumerate(bodies, 7))
    if prefix:
        rows = rows.replace(b"<", b"<" + prefix).replace(b"<" + prefix + b"/", b"</" + prefix)
    return b'<worksheet xmlns="m"><%ssheetData>%s</%ssheetData></worksheet>' % (
        prefix,
        rows,
        prefix,
    )


class _Counted(RowTemplates):
    """Templates that count the rows they read."""

    read_rows = 0

    def read(self, body: bytes) -> dict[str, Any] | None:
        values = super().read(body)
        _Counted.read_rows += values is not None
        return values


def _read(xml: bytes, shared: list[str], limits: WorkbookLimits, templated: bool) -> Any:
    sheet = SheetXml(io.BytesIO(xml), limits)
    values = CellValues(shared, DATES, sheet.prefix, limits)
    last_row = 16
    if not templated:
        rows = sheet_values.value_rows(sheet, values)
        return _outcome(lambda: list(value_sheet_rows(rows, POSITIONS, last_row)))
    templates = _Counted(shared, DATES, sheet.prefix, limits.max_cell_chars, POSITIONS)
    read = templated_rows(sheet, values, sheet.rows(), 0, templates, last_row)
    return _outcome(lambda: list(read))


@pytest.mark.parametrize("shared", [SHARED, CLEAN_SHARED], ids=["illegal string", "clean"])
@pytest.mark.parametrize("limits", LIMITS, ids=["short cells", "default"])
@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_a_row_read_by_its_template_is_read_as_by_the_usual_readers(prefix, limits, shared):
    # Given sheets of rows of every kind, each shape repeated with other values
    _Counted.read_rows = 0
    for body in _bodies():
        xml = _sheet(body, prefix)

        # When each is read by the templates (where they fit) and as before
        # Then the rows, or the errors, are the same
        assert _read(xml, shared, limits, True) == _read(xml, shared, limits, False), xml
    # and a good share of the rows were read by a template
    assert _Counted.read_rows > 250


def test_the_rows_of_a_shape_seen_before_are_read_by_its_template():
    # Given a usual row, learned
    templates = RowTemplates(CLEAN_SHARED, DATES, b"", 100, POSITIONS)
    body = _moved(CELLS[0], b"A") + _moved(CELLS[1], b"B") + _moved(CELLS[6], b"C")
    assert templates.read(body) is None
    templates.learn(body)

    # When rows of its shape are read
    # Then they are read by its template, by the known columns' codes in the header's order
    assert templates.read(body) == {"HCM_C": "one", "HCM_A": "plain text"}
    swapped = body.replace(b">42<", b">7<").replace(b">plain text<", b">other<")
    assert list(templates.read(swapped).items()) == [("HCM_C", "one"), ("HCM_A", "other")]
    # and a row of other values, or blank, is not
    assert templates.read(body.replace(b">42<", b">4.2<")) is None
    assert templates.read(body.replace(b">plain text<", b">a &amp; b<")) is None
    blank = _moved(CELLS[0], b"A").replace(b"plain text", b"  ")
    templates.learn(_moved(CELLS[0], b"A"))
    assert templates.read(blank) is None


def test_templates_are_bounded_whatever_the_shapes():
    # Given rows of ever new shapes (a cell in another column each)
    templates = RowTemplates(CLEAN_SHARED, DATES, b"", 100, POSITIONS)
    letters = [bytes([first, second]) for first in b"ABC" for second in b"ABCDEFGHIJ"]

    # When each is learned
    for column in letters:
        templates.learn(_moved(CELLS[1], column))

    # Then only a few are compiled, and fewer kept
    assert 0 < len(templates._templates) <= 4
    assert templates._learned == 16
