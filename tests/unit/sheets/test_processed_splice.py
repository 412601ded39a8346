import io
import random
import zipfile

from project_factory.domain.resources import RowStatus
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.processed_splice import CellTemplate, RowSplicer
from project_factory.sheets.spec import FACILITY
from project_factory.sheets.xlsx_edit import cell_xml, replace_cells
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_rows import SheetXml
from tests.unit.sheets.support import handmade_xlsx, worksheet

MESSAGES = load_bundled_messages()
DATA_SHEET = "List of Available Facilities"
PART = "xl/worksheets/sheet1.xml"
HEADER = (
    '<row r="1"><c r="B1" t="inlineStr"><is><t>Facility Name</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Capacity</t></is></c></row>'
)


def _cell(generator: random.Random, prefix: str, column: int, number: int) -> str:
    """A cell as some writer writes it: mostly Excel's shape, sometimes not."""
    reference = f"{column_letters(column)}{number}"
    attributes = generator.choices(
        [
            f' r="{reference}"',
            f' r="{reference}" s="3"',
            f' r="{reference}" s="2" t="s"',
            f' r="{reference}" t="inlineStr"',
            f' t="n" r="{reference}"',
            f' r="{reference.lower()}"',
            f" r='{reference}'",
            "",
        ],
        weights=[6, 6, 6, 6, 1, 1, 1, 1],
    )[0]
    content = generator.choice(
        ["/>", "><v>7</v></c>", "><is><t>a &amp; b</t></is></c>", "><f>A1</f><v>2</v></c>"]
    )
    if content != "/>":
        content = content.replace("</c>", f"</{prefix}c>").replace("<v>", f"<{prefix}v>")
        content = content.replace("</v>", f"</{prefix}v>")
    return f"<{prefix}c{attributes}{content}"


def test_the_usual_row_splice_writes_what_the_general_path_writes():
    # Given rows of cells in many shapes and orders, and texts in any columns
    generator = random.Random(14)
    for _ in range(1500):
        namespace = generator.choice(["", "x"])
        prefix = f"{namespace}:" if namespace else ""
        number = generator.randint(2, 99)
        # (mostly the usual layout: the row's cells in 3 to 8, written columns around them)
        low, high = (3, 8) if generator.random() < 0.6 else (1, 12)
        columns = [generator.randint(low, high) for _ in range(generator.randint(1, 6))]
        if generator.random() < 0.7:
            columns.sort()
        joiner = generator.choice(["", "", "", "", "", "", "", " "])
        body = joiner.join(_cell(generator, prefix, column, number) for column in columns)
        written = set(generator.sample([1, 2, 9, 10, 11] if low == 3 else range(1, 16), 3))
        texts = {
            column: generator.choice([None, "CREATED", " a & b ", "<x>"])
            for column in written
            if generator.random() < 0.8
        }
        xml = worksheet(f'<{prefix}row r="{number}">{body}</{prefix}row>', prefix=namespace)
        sheet = SheetXml(io.BytesIO(xml.encode()))
        (row,) = sheet.rows()

        # When the splicer writes the row, and the general path does
        spliced = RowSplicer(sheet.prefix, written, range(1, 13)).body(row.body, row.number, texts)
        general = replace_cells(sheet.prefix, row.number, sheet.cells(row), texts)

        # Then the splicer declines the row or writes the same bytes
        assert spliced is None or spliced == general, (body, texts)


def test_rows_of_the_usual_shape_are_spliced():
    # Given a row as Excel writes it, and a result's cells before and after its cells
    body = b'<c r="B5" s="1" t="s"><v>0</v></c><c r="C5"><v>3</v></c>'
    splicer = RowSplicer(b"", {1, 4, 5}, range(1, 4))

    # When it is spliced
    spliced = splicer.body(body, 5, {1: "F-5", 4: "CREATED", 5: None})

    # Then its cells are kept as written, the new ones around them
    assert spliced == (
        b'<c r="A5" t="inlineStr"><is><t>F-5</t></is></c>'
        + body
        + b'<c r="D5" t="inlineStr"><is><t>CREATED</t></is></c>'
    )


def test_a_written_column_among_the_rows_cells_is_left_to_the_general_path():
    # Given a row whose cells span the written column
    body = b'<c r="B5"><v>1</v></c><c r="D5"><v>3</v></c>'

    # When / Then the splicer declines it
    assert RowSplicer(b"", {1, 3}, range(1, 5)).body(body, 5, {3: "CREATED"}) is None


def test_a_blank_row_keeps_its_bytes_and_a_data_row_without_a_result_gets_missing():
    # Given a data row with a result, a blank row and a data row without one
    blank = '<row r="3"><c r="B3" t="inlineStr"><is><t> </t></is></c><c r="C3"/></row>'
    rows = (
        HEADER
        + '<row r="2"><c r="B2" t="inlineStr"><is><t>Depot</t></is></c></row>'
        + blank
        + '<row r="4"><c r="B4" t="inlineStr"><is><t>Store</t></is></c></row>'
    )
    data = handmade_xlsx({DATA_SHEET: worksheet(rows)})

    # When it is processed with a result for row 2 only
    target = io.BytesIO()
    results = [(2, RowResult(RowStatus.CREATED, id="F-2"))]
    write_processed(data, FACILITY, results, MESSAGES, "en_IN", target)

    # Then the blank row keeps its bytes, the row without a result says so
    sheet = zipfile.ZipFile(target).read(PART)
    assert blank.encode() in sheet
    assert b"<t>F-2</t>" in sheet and b"<t>CREATED</t>" in sheet
    assert b'<c r="E4" t="inlineStr"><is><t>FAILED</t></is></c>' in sheet
    assert MESSAGES.text("PF_ERR_NO_OUTCOME", "en_IN").encode() in sheet


def test_a_row_out_of_column_order_is_left_to_the_general_path():
    # Given a row whose cells are not in column order
    body = b'<c r="C5"><v>3</v></c><c r="B5"><v>1</v></c>'

    # When / Then the splicer declines it
    assert RowSplicer(b"", {1, 4}, range(1, 4)).body(body, 5, {4: "CREATED"}) is None


def test_a_row_past_the_widest_gap_is_left_to_the_general_path():
    # Given a sheet of 300 columns before the status column, and a row reaching column 200
    splicer = RowSplicer(b"", {301}, range(1, 301))
    near, far = (b'<c r="%s5"><v>1</v></c>' % column_letters(n).encode() for n in (100, 200))

    # When / Then the row within the first 128 columns is spliced, the other declined
    assert splicer.body(near, 5, {301: "CREATED"}) is not None
    assert splicer.body(near + far, 5, {301: "CREATED"}) is None


def test_a_cell_template_writes_what_cell_xml_writes_however_often_a_text_comes():
    # Given a template and texts, some repeated, some long, more than it remembers
    template = CellTemplate(b"x:", 30)
    texts = ["CREATED", " padded ", "a < b", "é" * 100, *(f"F-{n}" for n in range(600))]

    # When / Then each cell, written twice, is what cell_xml writes
    for number, text in enumerate(texts * 2, start=2):
        expected = cell_xml(b"x:", f"AD{number}", b"", text)
        assert template.xml(number, text) == expected, text
    assert template.xml(5, None) == b""
