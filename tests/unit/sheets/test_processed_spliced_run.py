import random

import pytest

from project_factory.domain.resources import RowStatus
from project_factory.sheets.processed_cells import ResultCells
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.processed_spliced_run import SplicedRun
from project_factory.sheets.spec import FACILITY, USER
from project_factory.sheets.xlsx_edit import widen_spans

ID_COLUMN = "HCM_ADMIN_CONSOLE_FACILITY_CODE"
#: The usual layout: the id in A, the row's own cells in B to D, the status columns after.
COLUMNS = {ID_COLUMN: 1, "#status#": 5, "#errorDetails#": 6}
#: Ids written as they are (in one go), and ids that need more (row by row).
PLAIN_IDS = ["F-0000007", "", None, "Fé 7", "F%s"]
OTHER_IDS = ["F-7\x7f", " F-7", "F-7 ", "F&7", "a<b>", "F\n7", "F\x017", "\u00a0F", "F\ud800"]


def _result(generator: random.Random, number: int, ids: list[str | None]) -> RowResult:
    return generator.choice(
        [
            RowResult(RowStatus.CREATED, id=f"F-{number:07d}"),
            RowResult(RowStatus.CREATED, id=generator.choice(ids)),
            RowResult(RowStatus.INVALID, errors=["Capacity is required", "50% & <more>"]),
            RowResult(RowStatus.FAILED, errors=[f"Row {number} failed"]),
            RowResult(RowStatus.SKIPPED, plan="skip"),
        ]
    )


def _one_by_one(
    cells: ResultCells, prefix: bytes, rows, results, spans: bool, last: int = 6
) -> list[bytes]:
    """Each row as its cells come from `ResultCells.around`, one row at a time."""
    tag = prefix + b"row"
    written = []
    for (digits, attrs, body), result in zip(rows, results, strict=True):
        before, after = cells.around(result, digits)
        attrs = widen_spans(attrs, last) if spans else attrs
        written.append(b"<%s%s>%s%s%s</%s>" % (tag, attrs, before, body, after, tag))
    return written


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_a_run_of_usual_rows_is_written_as_row_by_row(prefix):
    # Given usual rows (some with a spans hint) and results of every kind, ids of every shape
    generator = random.Random(14)
    for _ in range(200):
        cells = ResultCells.make(prefix, COLUMNS, FACILITY, first=2)
        assert cells is not None
        numbers = range(2, generator.randint(3, 40))
        rows = [
            (
                b"%d" % number,
                generator.choice([b' r="%d"' % number, b' r="%d" spans="2:4"' % number]),
                b'<%sc r="B%d"><%sv>1</%sv></%sc>' % (prefix, number, prefix, prefix, prefix),
            )
            for number in numbers
        ]
        ids = PLAIN_IDS if generator.random() < 0.5 else PLAIN_IDS + OTHER_IDS
        results = [_result(generator, number, ids) for number in numbers]
        spans = generator.random() < 0.5
        run = SplicedRun(prefix + b"row", cells, 6)

        # When the run is written in one go, and row by row
        together = run.rows(rows, results, spans)
        apart = _one_by_one(cells, prefix, rows, results, spans)

        # Then the rows are the same, byte for byte
        assert together == apart, results


def test_an_id_that_needs_escaping_is_escaped_and_kept_with_its_spaces():
    # Given a run whose ids hold markup, and an id with a space at its end
    cells = ResultCells.make(b"", COLUMNS, FACILITY, first=2)
    assert cells is not None
    run = SplicedRun(b"row", cells, 6)
    rows = [(b"2", b' r="2"', b""), (b"3", b' r="3"', b"")]
    results = [RowResult(RowStatus.CREATED, id="F&1"), RowResult(RowStatus.CREATED, id="F-2 ")]

    # When the run is written
    first, second = run.rows(rows, results, spans=False)

    # Then each id's cell is escaped, or keeps its space
    assert b"<t>F&amp;1</t>" in first
    assert b'<t xml:space="preserve">F-2 </t>' in second


def test_a_run_of_rows_with_outputs_is_written_as_row_by_row():
    # Given a user sheet's layout (an output after the gap: not the usual one) and results
    columns = {
        "HCM_ADMIN_CONSOLE_USER_UUID": 1,
        "HCM_ADMIN_CONSOLE_USER_USERNAME": 5,
        "HCM_ADMIN_CONSOLE_USER_PASSWORD": 6,
        "#status#": 7,
        "#errorDetails#": 8,
    }
    cells = ResultCells.make(b"", columns, USER, first=2)
    assert cells is not None and not cells.usual
    run = SplicedRun(b"row", cells, 8)
    rows = [(b"%d" % n, b' r="%d"' % n, b"") for n in range(2, 6)]
    results = [
        RowResult(RowStatus.CREATED, id=f"u-{n}", output={"username": f"user{n}"})
        for n in range(2, 6)
    ]

    # When it is written in one go, and row by row
    together = run.rows(rows, results, spans=False)

    # Then the rows are the same
    assert together == _one_by_one(cells, b"", rows, results, spans=False, last=8)
