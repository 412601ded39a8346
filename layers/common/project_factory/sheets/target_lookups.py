"""The values a target must not have already (a facility's name, a user's phone), asked of
the target once per column per batch of rows, only for the rows that would be created.

The validator asks about a batch while later batches are read (project_factory/
lookahead.py), so asking needs only what the rows are on their own; the answers are
checked against each row in file order.
"""

from collections.abc import Callable, Iterable, Mapping

from project_factory.sheets.cells import cell_text
from project_factory.sheets.checked_row import CheckedRow, RowErrors, creatable
from project_factory.sheets.spec import SheetSpec

#: (column code, values) -> the subset of values the target already has.
Registered = Callable[[str, list[str]], set[str]]


class TargetLookups:
    """Asks `registered` about a sheet's registered columns, and fails the rows whose
    values the target has."""

    def __init__(self, spec: SheetSpec, registered: Registered | None, errors: RowErrors) -> None:
        self._columns = spec.registered_columns
        self._usage_column = spec.usage_column
        self._registered = registered
        self._errors = errors

    def ask(self, items: Iterable[CheckedRow]) -> dict[str, set[str]]:
        """Per registered column, the values of these rows the target already has."""
        if self._registered is None:
            return {}
        candidates: dict[str, set[str]] = {c: set() for c in self._columns}
        for item in items:
            if not creatable(item, self._usage_column):
                continue
            for column, values in candidates.items():
                if column in item.values and column not in item.failed_columns:
                    values.add(cell_text(item.values[column]))
        return {
            column: self._registered(column, sorted(values))
            for column, values in candidates.items()
            if values
        }

    def check(self, item: CheckedRow, known: Mapping[str, set[str]]) -> None:
        """Fails a row to create whose values the target has (`known`, from `ask`)."""
        for column, values in known.items():
            value = item.values.get(column)
            if value is not None and cell_text(value) in values:
                self._errors.fail(item, column, "PF_ERR_REGISTERED", value=cell_text(value))
