"""Which data validation each column of a template gets, and on which cells.

sheets.dropdowns knows how to write a dropdown or a number range that Excel accepts;
this module decides per column of a data sheet or a target tab which one it needs, from
the column's schema property and the sheet spec: the boundary-code column a dropdown of
the listed boundaries, an enum a dropdown of its values, a number with limits a range.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from project_factory.sheets.dropdowns import list_validation, number_validation
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.template_book import TemplateBook, sheet_setup

_NUMERIC = ("number", "integer")


def data_column_validation(
    book: TemplateBook,
    spec: SheetSpec,
    column: str,
    prop: Mapping[str, Any],
    header: str,
    codes: Sequence[str],
) -> DataValidation | None:
    """The validation of a data sheet's column, or None when it takes any value.

    `codes` are the boundary codes the template lists.
    """
    if column == spec.boundary_column:
        return _boundary_validation(book, spec, header, codes)
    enum = _enum(prop)
    if enum:
        values = [str(value) for value in enum]
        # An array's cell holds several values separated by commas: Excel is to warn, not refuse.
        strict = prop.get("type") != "array"
        return list_validation(book.lists.source(values), strict=strict, **_options(book, header))
    if prop.get("type") in _NUMERIC:
        return number_validation(prop, **_options(book, header))
    return None


def target_validation(
    book: TemplateBook, prop: Mapping[str, Any], header: str
) -> DataValidation | None:
    """The range check of a target column, or None when it has no limits."""
    return number_validation(prop, **_options(book, header))


def validate_column(
    sheet: WriteOnlyWorksheet, validation: DataValidation, column: int, last_row: int
) -> None:
    """Applies `validation` to a column's cells below the header, to `last_row`."""
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet_setup(sheet).data_validations.append(validation)


def _boundary_validation(
    book: TemplateBook, spec: SheetSpec, header: str, codes: Sequence[str]
) -> DataValidation | None:
    if not codes:
        return None
    # A row of a spec with several boundaries may name a few codes separated by commas.
    strict = not spec.multiple_boundaries
    return list_validation(book.lists.source(codes), strict=strict, **_options(book, header))


def _enum(prop: Mapping[str, Any]) -> Sequence[Any] | None:
    """The values a property takes, for a single value or for each item of an array."""
    items = prop.get("items")
    return prop.get("enum") or (items.get("enum") if isinstance(items, Mapping) else None)


def _options(book: TemplateBook, header: str) -> dict[str, Any]:
    return {"column": header, "messages": book.messages, "locale": book.locale}
