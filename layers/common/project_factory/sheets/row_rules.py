"""The rules a row must keep on its own, beyond its schema: the phone's digits and
length, usage Active or Inactive, boundary codes within the campaign's boundaries, and
on a boundary sheet levels without gaps (and then the boundary the row defines).

A rule skips a cell whose column failed already (its schema error says enough). Which
rules a sheet has is decided once per file (`RowRules.checks`), not asked per row.
"""

from collections.abc import Callable, Sequence

from project_factory.sheets.boundary_paths import boundary_code, boundary_path
from project_factory.sheets.cells import cell_text, split_codes
from project_factory.sheets.checked_row import BoundaryRef, CheckedRow, RowErrors
from project_factory.sheets.messages import normalise_text
from project_factory.sheets.remembered import Remembered
from project_factory.sheets.spec import USAGE_VALUES, SheetSpec

#: The usage values, by the form they are compared in.
_USAGE_SPELLED = {normalise_text(value): value for value in USAGE_VALUES}

#: One rule, run on a row after its schema check.
RowCheck = Callable[[CheckedRow], None]


class RowRules:
    """The rules of one sheet's rows (its spec), against the campaign's boundaries
    (`allowed`; None when any code will do)."""

    def __init__(
        self,
        spec: SheetSpec,
        errors: RowErrors,
        *,
        phone_length: int,
        allowed: set[str] | None,
    ) -> None:
        self._spec = spec
        self._errors = errors
        self._phone_length = phone_length
        self._allowed = allowed
        #: a cell's usage and codes, as they repeat on every row (sheets/remembered.py)
        self._usage = Remembered(_usage)
        self._codes = Remembered(_codes)
        # A column's rule is among `checks` only when the sheet has the column.
        self._phone_column = spec.phone_column or ""
        self._usage_column = spec.usage_column or ""
        self._boundary_column = spec.boundary_column or ""

    @property
    def checks(self) -> tuple[RowCheck, ...]:
        """The rules this sheet has, in the order they run."""
        spec = self._spec
        chosen: list[tuple[object, RowCheck]] = [
            (spec.phone_column, self._check_phone),
            (spec.usage_column, self._check_usage),
            (spec.boundary_column, self._check_boundary_codes),
            (spec.levels, self._check_levels),
        ]
        return tuple(check for needed, check in chosen if needed)

    def _check_phone(self, item: CheckedRow) -> None:
        column = self._phone_column
        if column not in item.values or column in item.failed_columns:
            return
        text = cell_text(item.values[column])
        if not (text.isascii() and text.isdigit()):
            self._errors.fail(item, column, "PF_ERR_PHONE_DIGITS")
            return
        phone = text.lstrip("0")
        item.values[column] = phone
        if len(phone) != self._phone_length:
            self._errors.fail(item, column, "PF_ERR_PHONE_LENGTH", length=self._phone_length)

    def _check_usage(self, item: CheckedRow) -> None:
        column = self._usage_column
        if column not in item.values or column in item.failed_columns:
            return
        value = item.values[column]
        usage = self._usage[value] if type(value) is str else _usage(value)
        if usage is None:
            self._errors.fail(item, column, "PF_ERR_USAGE", allowed=", ".join(USAGE_VALUES))
        else:
            item.values[column] = usage

    def _check_boundary_codes(self, item: CheckedRow) -> None:
        column = self._boundary_column
        if column not in item.values or column in item.failed_columns:
            return
        codes = self._codes_of(item.values[column])
        if not codes:
            self._errors.fail(item, column, "PF_ERR_REQUIRED")
            return
        if not self._spec.multiple_boundaries and len(codes) > 1:
            self._errors.fail(item, column, "PF_ERR_BOUNDARY_SINGLE")
        if self._allowed is not None:
            unknown = [code for code in codes if code not in self._allowed]
            if unknown:
                codes_text = ", ".join(unknown)
                self._errors.fail(item, column, "PF_ERR_BOUNDARY_UNKNOWN", codes=codes_text)

    def _codes_of(self, value: object) -> tuple[str, ...]:
        """The boundary codes of a cell (`_codes`), remembered as they repeat."""
        if type(value) is not str:
            return _codes(value)
        if "," not in value:
            # One code (most cells): nothing to split or remember.
            code = value.strip()
            return (code,) if code else ()
        return self._codes[value]

    def _check_levels(self, item: CheckedRow) -> None:
        """No level left empty above the deepest filled one; then the boundary the row
        defines, if its levels are sound."""
        levels = self._spec.levels
        filled = [column in item.values for column, _ in levels]
        if not any(filled):
            return
        deepest, gaps = _deepest_and_gaps(levels, filled)
        for column in gaps:
            self._errors.fail(item, column, "PF_ERR_LEVEL_GAP")
        if gaps or item.failed_columns.intersection(column for column, _ in levels):
            return
        self._define_boundary(item, levels[deepest][0])

    def _define_boundary(self, item: CheckedRow, column: str) -> None:
        """The boundary a row with sound levels defines (reported in its deepest level's
        `column`); it exists already when the campaign's boundaries have it."""
        names = [name for _, name in boundary_path(self._spec, item.values)]
        item.boundary = BoundaryRef(
            code=boundary_code(names),
            column=column,
            parent_code=boundary_code(names[:-1]) if len(names) > 1 else None,
            parent_name=names[-2] if len(names) > 1 else None,
        )
        if self._allowed is not None and item.boundary.code in self._allowed:
            item.existing_id = item.boundary.code


def _usage(value: object) -> str | None:
    """The usage value a cell is, in its own spelling; None if it is neither."""
    return _USAGE_SPELLED.get(normalise_text(cell_text(value)))


def _codes(value: object) -> tuple[str, ...]:
    """The boundary codes of a cell."""
    return tuple(split_codes(cell_text(value)))


def _deepest_and_gaps(
    levels: Sequence[tuple[str, str]], filled: Sequence[bool]
) -> tuple[int, list[str]]:
    """The deepest filled level's index, and the columns of the empty levels above it."""
    deepest = max(index for index, present in enumerate(filled) if present)
    return deepest, [levels[index][0] for index in range(deepest) if not filled[index]]
