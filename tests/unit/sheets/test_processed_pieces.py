import io
import random
import zipfile

import pytest

from project_factory.domain.resources import RowStatus
from project_factory.errors import DomainError
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_cells import ResultCells
from project_factory.sheets.processed_results import ResultsMismatch, RowResult
from project_factory.sheets.processed_splice import RowSplicer
from project_factory.sheets.spec import FACILITY, USER, SheetSpec
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_row_split import split_rows
from project_factory.sheets.xml_elements import element_pattern
from tests.unit.sheets.support import handmade_xlsx, user, user_file, worksheet

MESSAGES = load_bundled_messages()
DATA_SHEET = "List of Available Facilities"
PART = "xl/worksheets/sheet1.xml"
#: Facility Code (the id, written) in A, the row's own cells in B to D.
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Code</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Facility Name</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Facility Type</t></is></c>'
    '<c r="D1" t="inlineStr"><is><t>Capacity</t></is></c></row>'
)


def _cells(generator: random.Random, prefix: str, number: int) -> str:
    """A row's cells: mostly the usual shape in B to D, sometimes another."""
    p = prefix
    usual = [
        f'<{p}c r="B{number}" t="inlineStr"><{p}is><{p}t>Depot {number}</{p}t></{p}is></{p}c>',
        f'<{p}c r="C{number}" s="2" t="s"><{p}v>0</{p}v></{p}c>',
        f'<{p}c r="D{number}"><{p}v>{number * 7}</{p}v></{p}c>',
    ]
    odd = [
        f'<{p}c r="A{number}" t="inlineStr"><{p}is><{p}t>F-old</{p}t></{p}is></{p}c>',
        f'<{p}c r="B{number}" t="inlineStr"><{p}is><{p}t> </{p}t></{p}is></{p}c>',
        f"<{p}c><{p}v>1</{p}v></{p}c>",
        f'<{p}c r="E{number}"><{p}v>9</{p}v></{p}c>',
        " ",
    ]
    if generator.random() < 0.85:
        return "".join(usual[: generator.randint(1, 3)])
    return "".join(generator.sample(usual + odd, generator.randint(0, 3)))


def _row(generator: random.Random, prefix: str, number: int) -> str:
    p = prefix
    cells = _cells(generator, prefix, number)
    start = generator.choices(
        [
            f'<{p}row r="{number}">',
            f'<{p}row r="{number}" spans="2:4" x14ac:dyDescent="0.25">',
            f'<{p}row r="0{number}">',
            f"<{p}row>",
            f"<{p}row r='{number}'>",
        ],
        weights=[12, 4, 1, 1, 1],
    )[0]
    if generator.random() < 0.03:
        return f'<{p}row r="{number}"/>'
    return f"{start}{cells}</{p}row>" + (" " if generator.random() < 0.02 else "")


def _result(generator: random.Random, number: int) -> RowResult:
    return generator.choice(
        [
            RowResult(RowStatus.CREATED, id=f"F-{number:07d}"),
            RowResult(RowStatus.CREATED, id=f" 100%d & <{number}> "),
            RowResult(RowStatus.INVALID, errors=["Capacity is required", "50% & <more>"]),
            RowResult(RowStatus.FAILED, errors=[f"Row {number} failed"]),
            RowResult(RowStatus.SKIPPED, plan="skip"),
            RowResult(RowStatus.CREATED, id=""),
        ]
    )


def _write(data: bytes, spec: SheetSpec, results: list, plan: bool = False) -> bytes:
    target = io.BytesIO()
    write_processed(data, spec, results, MESSAGES, "en_IN", target, plan_column=plan)
    return target.getvalue()


def _row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every piece to the row-by-row paths (the usual row's splice and the general one)."""
    monkeypatch.setattr(RowSplicer, "runs", lambda self, piece: iter([(False, piece)]))


def test_pieces_of_rows_are_written_as_row_by_row(monkeypatch):
    # Given sheets of many rows, mostly usual, some of other shapes, and results for most
    generator = random.Random(14)
    cases = []
    for _ in range(30):
        namespace = generator.choice(["", "", "x"])
        prefix = f"{namespace}:" if namespace else ""
        count = generator.choice([5, 40, 1500])
        header = HEADER.replace("<", f"<{prefix}").replace(f"<{prefix}/", f"</{prefix}")
        rows = header + "".join(_row(generator, prefix, n) for n in range(2, count + 2))
        data = handmade_xlsx(
            {DATA_SHEET: worksheet(rows, prefix=namespace)}, shared=["<t>Warehouse</t>"]
        )
        results = [
            (number, _result(generator, number))
            for number in range(1, count + 3)
            if generator.random() < 0.9
        ]
        cases.append((data, results, generator.random() < 0.3))

    # When each is written a piece at a time, and row by row
    pieces = [_write(data, FACILITY, results, plan) for data, results, plan in cases]
    _row_by_row(monkeypatch)
    rows = [_write(data, FACILITY, results, plan) for data, results, plan in cases]

    # Then the files are the same, byte for byte
    assert pieces == rows


def test_outputs_and_secrets_are_written_as_row_by_row(monkeypatch):
    # Given a user file and results with a username and a password
    data = user_file(*(user(name=f"User {n}") for n in range(40)))
    results = [
        (number, RowResult(RowStatus.CREATED, id=f"u-{number}", output=output))
        for number, output in zip(
            range(2, 42),
            [{"username": "ab%d", "password": "secret"}, {"username": " c "}, {}] * 14,
            strict=False,
        )
    ]

    # When it is written a piece at a time, and row by row
    pieces = _write(data, USER, results)
    _row_by_row(monkeypatch)

    # Then the bytes are the same, and no password is written
    assert pieces == _write(data, USER, results)
    assert b"secret" not in zipfile.ZipFile(io.BytesIO(pieces)).read(PART)


def test_an_output_without_a_column_is_refused_in_a_piece_too():
    # Given a usual row and a result with an output facilities do not have
    rows = HEADER + '<row r="2"><c r="B2"><v>1</v></c></row>'
    data = handmade_xlsx({DATA_SHEET: worksheet(rows)})
    result = RowResult(RowStatus.CREATED, id="F-2", output={"username": "x"})

    # When / Then it is the caller's mistake
    with pytest.raises(ResultsMismatch, match="facility rows have no output column for 'username'"):
        _write(data, FACILITY, [(2, result)])


def test_a_usual_row_past_excels_last_row_is_refused():
    # Given a usual row numbered past Excel's last row
    rows = (
        HEADER + '<row r="2"><c r="B2"><v>1</v></c></row><row r="2000000"><c r="B2000000"/></row>'
    )
    data = handmade_xlsx({DATA_SHEET: worksheet(rows)})

    # When / Then the writer refuses it as the reader does
    with pytest.raises(DomainError) as refused:
        _write(data, FACILITY, [(2, RowResult(RowStatus.CREATED, id="F-2"))])
    assert refused.value.code == "TOO_MANY_ROWS"


def test_a_row_of_another_shape_is_a_run_of_its_own_and_the_rows_are_the_readers():
    # Given a piece of usual rows around the header and a row with a cell in a written column
    splicer = RowSplicer(b"", {1, 5, 6}, range(1, 5))
    usual = b'<row r="%d"><c r="B%d"><v>1</v></c></row>'
    odd = b'<row r="4"><c r="A4"><v>1</v></c></row>'
    piece = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>' + usual % (2, 2) + usual % (3, 3) + odd
    ) + usual % (5, 5)

    # When it is cut into runs
    runs = list(splicer.runs(piece))

    # Then the odd rows stand alone, and the runs hold the rows the reader finds
    assert [usual for usual, _ in runs] == [False, True, False, True]
    assert b"".join(rows for _, rows in runs) == piece
    pattern = element_pattern(b"row")
    whole = [row[1:] for row in split_rows(piece, b"row", pattern)]
    assert [row[1:] for _, rows in runs for row in split_rows(rows, b"row", pattern)] == whole


def test_past_a_row_that_is_not_plainly_one_the_rest_of_the_piece_is_one_run():
    # Given text between rows
    splicer = RowSplicer(b"", {1, 5, 6}, range(1, 5))
    piece = b'<row r="2"><c r="B2"/></row> <row r="3"><c r="B3"/></row>'

    # When it is cut into runs / Then all past the usual row is left to the general path
    assert list(splicer.runs(piece)) == [
        (True, b'<row r="2"><c r="B2"/></row>'),
        (False, b' <row r="3"><c r="B3"/></row>'),
    ]


def test_a_results_cells_are_those_of_its_texts():
    # Given a sheet's id before the gap, the status columns after it
    columns = {"HCM_ADMIN_CONSOLE_FACILITY_CODE": 1, "#status#": 5, "#errorDetails#": 6}
    cells = ResultCells.make(b"", columns, FACILITY, first=2)
    assert cells is not None

    # When a result's cells are made for row 12
    result = RowResult(RowStatus.INVALID, id="F-1", errors=["a", "b%s"])
    before, after = cells.around(result, b"12")

    # Then they are the cells the texts give, around the row's own
    assert before == b'<c r="A12" t="inlineStr"><is><t>F-1</t></is></c>'
    assert after == (
        b'<c r="E12" t="inlineStr"><is><t>INVALID</t></is></c>'
        b'<c r="F12" t="inlineStr"><is><t>a; b%s</t></is></c>'
    )
    assert column_letters(6) == "F"


def test_written_columns_sharing_a_column_keep_the_texts():
    # Given an id column that is also the status column
    columns = {"HCM_ADMIN_CONSOLE_FACILITY_CODE": 5, "#status#": 5, "#errorDetails#": 6}

    # When / Then the sheet's results are not laid out slot by slot
    assert ResultCells.make(b"", columns, FACILITY, first=1) is None


@pytest.mark.parametrize("plan", [False, True])
def test_the_usual_layouts_cells_are_those_cell_by_cell(plan):
    # Given the usual layout: the id before the gap, the status columns after it
    columns = {"HCM_ADMIN_CONSOLE_FACILITY_CODE": 1, "#status#": 5, "#errorDetails#": 6}
    if plan:
        columns["#plan#"] = 7
    cells = ResultCells.make(b"x:", columns, FACILITY, first=2)
    assert cells is not None
    generator = random.Random(7)

    for number in range(2, 300):
        # When a result's cells are made by the usual path and cell by cell
        result = _result(generator, number)
        digits = b"%d" % number

        # Then they are the same
        assert cells.around(result, digits) == cells._around(result, digits), result
