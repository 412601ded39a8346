"""Builders shared by the sheets tests: valid rows, and a file read and judged end to end."""

import io
import zipfile
from typing import Any

from openpyxl import load_workbook

from local.samples import workbook_from_rows
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.reader import SheetRow, iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER, SheetSpec
from project_factory.sheets.validation import RowValidator, RowVerdict

ALLOWED = {"LOC_A", "LOC_B", "DIST_1"}


def facility(**changes: Any) -> dict[str, Any]:
    row = {
        "HCM_ADMIN_CONSOLE_FACILITY_NAME": "Chuabo Health Post",
        "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Health Facility",
        "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
        "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 1200,
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "LOC_A",
        "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
    }
    return _apply(row, changes)


def user(**changes: Any) -> dict[str, Any]:
    row = {
        "HCM_ADMIN_CONSOLE_USER_NAME": "Amina Mabunda",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9876543210,
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Registrar",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "LOC_A",
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    }
    return _apply(row, changes)


def _apply(row: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Columns by code, or by a short name: name="x" sets HCM_ADMIN_CONSOLE_<TYPE>_NAME.

    None removes the column (an empty cell).
    """
    for key, value in changes.items():
        column = key if key.isupper() else _column(row, key)
        if value is None:
            row.pop(column, None)
        else:
            row[column] = value
    return row


def _column(row: dict[str, Any], short: str) -> str:
    matches = [code for code in row if code.endswith(f"_{short.upper()}")]
    if len(matches) != 1:
        raise KeyError(f"{short!r} names {len(matches)} columns")
    return matches[0]


def validator(
    spec: SheetSpec = FACILITY, json_schema: dict[str, Any] | None = None, **options: Any
) -> RowValidator:
    """A validator with the bundled schema, phones of 10 digits and ALLOWED boundaries."""
    settings: dict[str, Any] = {"phone_length": 10, "allowed_boundary_codes": ALLOWED}
    schema = json_schema or bundled_json_schema(spec.schema_identifier)
    return RowValidator(schema, spec, **(settings | options))


def judge(spec: SheetSpec, *rows: dict[str, Any], **options: Any) -> list[RowVerdict]:
    """Verdicts on rows numbered from 2, as under a header on row 1."""
    checker = validator(spec, **options)
    return [checker.validate(SheetRow(number, row)) for number, row in enumerate(rows, start=2)]


def read(data: bytes, spec: SheetSpec = FACILITY) -> list[SheetRow]:
    return list(iter_sheet_rows(data, spec, load_bundled_messages()))


def facility_file(*rows: dict[str, Any], **options: Any) -> bytes:
    return workbook_from_rows(FACILITY, list(rows), **options)


def user_file(*rows: dict[str, Any], **options: Any) -> bytes:
    return workbook_from_rows(USER, list(rows), **options)


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def handmade_xlsx(
    sheets: dict[str, str],
    *,
    shared: list[str] | None = None,
    styles: str | None = None,
    date1904: bool = False,
) -> bytes:
    """A workbook zipped from XML written by hand, as other spreadsheet programs write it.

    `sheets`: title -> the worksheet's XML; `shared`: the `<si>` items (their inner XML);
    `styles`: the inner XML of `<styleSheet>`.
    """
    names = [f"sheet{index}.xml" for index in range(1, len(sheets) + 1)]
    overrides = [(f"/xl/worksheets/{name}", f"{_TYPES}.worksheet+xml") for name in names] + [
        ("/xl/workbook.xml", f"{_TYPES}.sheet.main+xml")
    ]
    relations = [(f"rId{i}", "worksheet", f"worksheets/{n}") for i, n in enumerate(names, 1)]
    parts = {}
    if shared is not None:
        items = "".join(f"<si>{item}</si>" for item in shared)
        parts["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN_NS}" count="{len(shared)}" uniqueCount="{len(shared)}">'
            f"{items}</sst>"
        )
        overrides.append(("/xl/sharedStrings.xml", f"{_TYPES}.sharedStrings+xml"))
        relations.append(("rIdS", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN_NS}">{styles}</styleSheet>'
        overrides.append(("/xl/styles.xml", f"{_TYPES}.styles+xml"))
        relations.append(("rIdT", "styles", "styles.xml"))
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
        '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    listed = "".join(
        f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>' for i, title in enumerate(sheets, 1)
    )
    properties = '<workbookPr date1904="1"/>' if date1904 else ""
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{_REL}">{properties}<sheets>{listed}</sheets>'
        "</workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_REL}">'
        + "".join(
            f'<Relationship Id="{i}" Type="{_REL}/{kind}" Target="{target}"/>'
            for i, kind, target in relations
        )
        + "</Relationships>"
    )
    for name, xml in zip(names, sheets.values(), strict=True):
        parts[f"xl/worksheets/{name}"] = xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml)
    return buffer.getvalue()


def worksheet(rows: str, *, before: str = "", after: str = "", prefix: str = "") -> str:
    """A worksheet's XML around `rows` (the inside of `<sheetData>`)."""
    p = f"{prefix}:" if prefix else ""
    namespace = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    return (
        f"<{p}worksheet {namespace} "
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        f"{before}<{p}sheetData>{rows}</{p}sheetData>{after}</{p}worksheet>"
    )


def openpyxl_rows(data: bytes, title: str) -> list[tuple[int, dict[int, Any]]]:
    """(row number, column -> value) of the non-empty cells, as openpyxl's read-only mode
    reads them (what the reader used to be built on)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book[title]
    sheet.reset_dimensions()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = {column: value for column, value in enumerate(cells, 1) if value is not None}
        if values:
            rows.append((number, values))
    book.close()
    return rows
