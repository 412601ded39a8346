"""Data validations of generated templates: dropdown lists and number ranges.

Excel keeps an inline list (`"a,b,c"`) to 255 characters and cannot hold a value with a
comma or a quote in one; a longer list silently breaks the file in Excel. Such lists
(boundary codes, long enums) are written one per column of a very hidden sheet and the
validation points at that range instead, never inline.
"""

from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import Any, Literal

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from project_factory.sheets.messages import Messages
from project_factory.sheets.written import safe_row

#: Excel's limit on an inline list, separators included.
INLINE_LIST_LIMIT = 255
#: Excel's limits on a validation's error box (longer ones make it "repair" the file).
_TITLE_LIMIT = 32
_MESSAGE_LIMIT = 255
LISTS_SHEET = "_lists"

#: The kinds and operators of DataValidation a range check uses (openpyxl's names).
_NumberKind = Literal["whole", "decimal"]
_RangeOperator = Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]


class Lists:
    """Where the dropdown lists of one workbook live; `write` adds the lists sheet if needed."""

    def __init__(self) -> None:
        self._columns: list[Sequence[str]] = []
        self._references: dict[tuple[str, ...], str] = {}

    def source(self, values: Sequence[str]) -> str:
        """The validation formula of a list: inline when Excel allows it, else a range."""
        if _fits_inline(values):
            return '"' + ",".join(values) + '"'
        key = tuple(values)
        if key not in self._references:
            self._columns.append(values)
            column = get_column_letter(len(self._columns))
            sheet = quote_sheetname(LISTS_SHEET)
            self._references[key] = f"{sheet}!${column}$1:${column}${max(len(values), 1)}"
        return self._references[key]

    def write(self, workbook: Workbook) -> None:
        if not self._columns:
            return
        sheet = workbook.create_sheet(LISTS_SHEET)
        # Very hidden: Excel's interface cannot show it, so nobody edits a list by accident.
        sheet.sheet_state = "veryHidden"
        for row in zip_longest(*self._columns):
            sheet.append(safe_row(sheet, row))


def list_validation(
    source: str, *, strict: bool, column: str, messages: Messages, locale: str
) -> DataValidation:
    """A dropdown. Not strict for cells that take several values separated by commas:
    Excel then warns about a value off the list instead of refusing it."""
    return DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=column[:_TITLE_LIMIT],
        error=messages.text(
            "HCM_TEMPLATE_PICK_FROM_LIST" if strict else "HCM_TEMPLATE_PICK_SEVERAL", locale
        )[:_MESSAGE_LIMIT],
    )


def number_validation(
    prop: Mapping[str, Any], *, column: str, messages: Messages, locale: str
) -> DataValidation | None:
    """A range check for a number column with a minimum or a maximum, else None."""
    low, high = prop.get("minimum"), prop.get("maximum")
    if low is None and high is None:
        return None
    kind: _NumberKind = "whole" if prop.get("type") == "integer" else "decimal"
    operator: _RangeOperator
    if low is not None and high is not None:
        operator, first, second = "between", low, high
        error = messages.format("PF_ERR_RANGE", locale, column=column, minimum=low, maximum=high)
    elif low is not None:
        operator, first, second = "greaterThanOrEqual", low, None
        error = messages.format("PF_ERR_MINIMUM", locale, column=column, limit=low)
    else:
        operator, first, second = "lessThanOrEqual", high, None
        error = messages.format("PF_ERR_MAXIMUM", locale, column=column, limit=high)
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=str(first),
        formula2=None if second is None else str(second),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=column[:_TITLE_LIMIT],
        error=error[:_MESSAGE_LIMIT],
    )


def _fits_inline(values: Sequence[str]) -> bool:
    if any("," in value or '"' in value for value in values):
        return False
    return len(",".join(values)) <= INLINE_LIST_LIMIT
