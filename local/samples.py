"""Sample workbooks for the demo and the tests, laid out as the sheets reader expects.

A readme sheet first, then the data sheet with localised headers in the schema's column
order (the id column hidden), then hidden metadata. Rows are realistic and deterministic:
boundary codes come from the bundled `ADMIN` hierarchy, and a few rows are invalid on
purpose (bad capacity or phone, a repeated name or phone, an unknown boundary).
"""

import io
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.domain.boundaries import Boundary
from project_factory.sheets.messages import DEFAULT_LOCALE, load_bundled_messages
from project_factory.sheets.metadata import add_metadata
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, README_SHEET, USER, SheetSpec

SAMPLE_TENANT = "mz"
SAMPLE_HIERARCHY = "ADMIN"
UNKNOWN_BOUNDARY = "NOWHERE_000000"

Row = dict[str, Any]
_README_LINES = (
    "HCM_README_FILL",
    "HCM_README_BOUNDARY_CODES",
    "HCM_README_USAGE",
    "HCM_README_RESULT",
)
_FIRST_NAMES = (
    "Amina",
    "Joao",
    "Fatima",
    "Carlos",
    "Lucia",
    "Pedro",
    "Rosa",
    "Tomas",
    "Maria",
    "Ana",
    "Jose",
    "Ines",
    "Samuel",
    "Grace",
    "Ibrahim",
    "Esther",
    "Daniel",
    "Marta",
    "Paulo",
    "Sara",
)
_LAST_NAMES = (
    "Mabunda",
    "Cossa",
    "Nhantumbo",
    "Sitoe",
    "Macuacua",
    "Tembe",
    "Chissano",
    "Mondlane",
    "Langa",
    "Muianga",
    "Matsinhe",
    "Bila",
    "Cumbe",
    "Nhaca",
    "Manjate",
)
_FACILITY_KINDS = (
    ("Health Post", "Health Facility", "Permanent"),
    ("Central Warehouse", "Warehouse", "Permanent"),
    ("Storage Point", "Storing Resource", "Temporary"),
)
_ROLE_SETS = (
    "Registrar",
    "Distributor",
    "Registrar, Distributor",
    "Supervisor",
    "Warehouse Manager",
    "Health Facility Supervisor",
)


def workbook_from_rows(
    spec: SheetSpec,
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    locale: str = DEFAULT_LOCALE,
    rows_above_header: Sequence[str] = (),
) -> bytes:
    """A workbook whose data sheet holds `rows` (column code -> value) as they are.

    `columns` sets which columns appear and in which order (the schema's order by
    default); a code the catalogue does not know is used as the header text itself.
    `rows_above_header` are title lines written above the header row.
    """
    messages = load_bundled_messages()
    schema = bundled_json_schema(spec.schema_identifier)
    order = list(columns if columns is not None else schema["x-columns"])
    workbook = Workbook()
    readme = workbook.active
    readme.title = messages.text(README_SHEET, locale)
    _fill_readme(readme, spec, locale)
    sheet = workbook.create_sheet(messages.text(spec.data_sheet, locale))
    for line in rows_above_header:
        sheet.append([line])
    sheet.append([messages.text(code, locale) for code in order])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(code) for code in order])
    for index, code in enumerate(order, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = max(14, len(messages.text(code, locale)) + 2)
        dimension.hidden = bool(schema["properties"].get(code, {}).get("x-hideColumn"))
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    add_metadata(workbook, {"type": spec.resource_type, "locale": locale})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def facility_workbook(rows: int = 20, invalid: int = 3, *, locale: str = DEFAULT_LOCALE) -> bytes:
    """`rows` facilities, of which `invalid` are invalid (cycling: capacity, name, boundary)."""
    return workbook_from_rows(FACILITY, facility_rows(rows, invalid), locale=locale)


def user_workbook(rows: int = 20, invalid: int = 3, *, locale: str = DEFAULT_LOCALE) -> bytes:
    """`rows` users, of which `invalid` are invalid (cycling: phone, boundary, repeated phone)."""
    return workbook_from_rows(USER, user_rows(rows, invalid), locale=locale)


def facility_rows(rows: int, invalid: int) -> list[Row]:
    localities = _sample_localities(rows)
    result: list[Row] = []
    for index, (locality, again) in enumerate(localities):
        kind, facility_type, status = _FACILITY_KINDS[index % len(_FACILITY_KINDS)]
        result.append(
            {
                "HCM_ADMIN_CONSOLE_FACILITY_NAME": f"{locality.name} {kind}{again}",
                "HCM_ADMIN_CONSOLE_FACILITY_TYPE": facility_type,
                "HCM_ADMIN_CONSOLE_FACILITY_STATUS": status,
                "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 500 + (index * 739) % 20_000,
                "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": locality.code,
                "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
            }
        )
    breakers: Sequence[Callable[[Row, list[Row]], None]] = (
        lambda row, _: row.update({"HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 0}),
        lambda row, done: row.update(
            {"HCM_ADMIN_CONSOLE_FACILITY_NAME": done[0]["HCM_ADMIN_CONSOLE_FACILITY_NAME"]}
        ),
        _unknown_boundary,
    )
    return _break_rows(result, invalid, breakers)


def user_rows(rows: int, invalid: int) -> list[Row]:
    localities = _sample_localities(rows)
    result: list[Row] = []
    for index, (locality, _) in enumerate(localities):
        first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(index * 7) % len(_LAST_NAMES)]
        # 7919 is prime to 10**9: distinct phones for up to a billion rows.
        phone = 9_000_000_000 + (index * 7919) % 1_000_000_000
        result.append(
            {
                "HCM_ADMIN_CONSOLE_USER_NAME": f"{first} {last}",
                # Excel users type phones as numbers, some with a leading zero as text.
                "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": f"0{phone}" if index % 5 == 4 else phone,
                "HCM_ADMIN_CONSOLE_USER_ROLE": _ROLE_SETS[index % len(_ROLE_SETS)],
                "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": ("Temporary", "Permanent")[index % 2],
                "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": locality.code,
                "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
            }
        )
    breakers: Sequence[Callable[[Row, list[Row]], None]] = (
        lambda row, _: row.update({"HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": "98765-4321"}),
        _unknown_boundary,
        lambda row, done: row.update(
            {"HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": done[0]["HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"]}
        ),
    )
    return _break_rows(result, invalid, breakers)


def _unknown_boundary(row: Row, _: list[Row]) -> None:
    row["HCM_ADMIN_CONSOLE_BOUNDARY_CODE"] = (
        f"{row['HCM_ADMIN_CONSOLE_BOUNDARY_CODE']},{UNKNOWN_BOUNDARY}"
    )


def _break_rows(
    rows: list[Row], invalid: int, breakers: Sequence[Callable[[Row, list[Row]], None]]
) -> list[Row]:
    """Make `invalid` rows invalid, spread evenly and never the first (others copy it)."""
    if not 0 <= invalid < len(rows):
        raise ValueError(f"invalid must be from 0 to {len(rows) - 1}, not {invalid}")
    for k in range(invalid):
        position = (k + 1) * len(rows) // (invalid + 1)
        breakers[k % len(breakers)](rows[position], rows)
    return rows


def _sample_localities(count: int) -> list[tuple[Boundary, str]]:
    """`count` localities of the bundled hierarchy, spread over it, the same every time.

    Each comes with a suffix ("", " 2", " 3"...) that keeps names built from it unique
    when there are more rows than localities.
    """
    boundaries = BundledBoundarySource().boundaries(SAMPLE_TENANT, SAMPLE_HIERARCHY)
    localities = [boundary for boundary in boundaries if boundary.type == "Locality"]
    random.Random(SAMPLE_HIERARCHY).shuffle(localities)
    return [
        (localities[index % len(localities)], _round_suffix(index // len(localities)))
        for index in range(count)
    ]


def _round_suffix(round_number: int) -> str:
    return f" {round_number + 1}" if round_number else ""


def _fill_readme(sheet: Worksheet, spec: SheetSpec, locale: str) -> None:
    messages = load_bundled_messages()
    sheet.append([messages.text("HCM_README_TITLE", locale)])
    sheet["A1"].font = Font(bold=True, size=14)
    data_sheet = messages.text(spec.data_sheet, locale)
    for code in _README_LINES:
        sheet.append([messages.format(code, locale, sheet=data_sheet)])
    sheet.column_dimensions["A"].width = 120
