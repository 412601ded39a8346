"""Builders shared by the sheets tests: valid rows, and a file read and judged end to end."""

from typing import Any

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
