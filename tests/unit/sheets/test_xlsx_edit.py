import random

from project_factory.sheets.xlsx_edit import _merged_cells, replace_cells
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_rows import RawCell


def _raw_cell(column: int, style: bytes) -> RawCell:
    attrs = b' r="%s7"%s' % (column_letters(column).encode(), b' s="%s"' % style if style else b"")
    xml = b"<c%s><v>%d</v></c>" % (attrs, column)
    return RawCell(column, b"", style, b"%d" % column, b"", attrs, xml)


def test_the_usual_row_shortcut_writes_what_the_merge_writes():
    # Given rows of cells in any order (even repeated columns) and texts in any columns
    generator = random.Random(14)
    for _ in range(2000):
        columns = [generator.randint(1, 12) for _ in range(generator.randint(0, 6))]
        if generator.random() < 0.5:
            columns.sort()
        cells = [_raw_cell(column, generator.choice([b"", b"3"])) for column in columns]
        texts = {
            generator.randint(1, 15): generator.choice([None, "CREATED", " a & b "])
            for _ in range(generator.randint(1, 4))
        }
        style = generator.choice([None, b"", b"5"])

        # When the cells are replaced, and merged the general way
        written = replace_cells(b"", 7, cells, texts, style=style)
        merged = _merged_cells(b"", 7, cells, texts, sorted(texts), style)

        # Then the bytes are the same
        assert written == merged, (columns, texts, style)
