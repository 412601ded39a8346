"""Frozen cells enforced on the server: a child campaign's rows taken from its parent.

A child campaign's facility and user templates start with the parent's rows, every cell
locked but the boundary code (sheets/freeze_parent_rows.py). Locks hold only while nobody
removes the sheet's protection, which a spreadsheet program does in two clicks; so
Validate compares each frozen row of an upload (a row whose id is one of the parent's
processed file) with that file, cell by cell. A changed cell makes its row INVALID with
IMMUTABLE_CELL_TAMPERED, the column and the old value. The boundary code may change (the
row moves to one of the child's new boundaries), and a password is never in the parent's
file. Rows with ids the parent does not have (the child's own created rows, uploaded
again) are not frozen.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from project_factory.sheets.spec import SheetSpec

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Tampered:
    column: str
    old: Any
    new: Any


class FrozenCells:
    """The parent's rows by id, their values coerced as the upload's are (`coerce`), so a
    number typed as text or a value in another case compares equal, as it validates."""

    def __init__(
        self,
        parent_rows: Iterable[Values],
        spec: SheetSpec,
        columns: Iterable[str],
        coerce: Callable[[Values], dict[str, Any]],
    ) -> None:
        if spec.id_column is None:
            raise ValueError(f"{spec.resource_type} rows have no id column to freeze by")
        editable = {spec.boundary_column, spec.id_column}
        editable |= {spec.output_columns[key] for key in spec.secret_outputs}
        self._columns = [column for column in columns if column not in editable]
        self._rows: dict[str, dict[str, Any]] = {}
        for row in parent_rows:
            row_id = str(row.get(spec.id_column) or "").strip()
            if row_id:
                self._rows[row_id] = coerce(row)

    def __len__(self) -> int:
        return len(self._rows)

    def tampered(self, row_id: str, values: Values) -> list[Tampered]:
        """The frozen cells of the parent's row `row_id` that `values` changed (none for
        a row the parent does not have)."""
        frozen = self._rows.get(row_id)
        if frozen is None:
            return []
        return [
            Tampered(column, frozen.get(column), values.get(column))
            for column in self._columns
            if _comparable(frozen.get(column)) != _comparable(values.get(column))
        ]


def _comparable(value: Any) -> Any:
    """Blank is blank whether absent, None or empty; whole floats equal their ints."""
    if value in (None, "", []):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def shown(value: Any) -> str:
    """A frozen or changed value as a message shows it (a blank cell as nothing)."""
    value = _comparable(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)
