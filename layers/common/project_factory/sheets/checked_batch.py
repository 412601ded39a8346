"""A batch of rows between their own checks and the file-wide ones, its plain rows kept
as their values alone.

Most rows of a batch are plain (sheets/plain_rows.py): nothing is recorded on them, and a
`CheckedRow` each (a Python `__init__` a row) would only carry their values to their
verdicts. A plain row gets its `CheckedRow` the first time one is asked for (`item`: a
file rule failing it, a lookup in the target), the very one the row's own path makes;
the rows still without one when their verdicts are made are the plain valid rows,
whose verdicts are made from their values alone (sheets/validation.py `_verdicts`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from project_factory.sheets.checked_row import CheckedRow
from project_factory.sheets.reader import SheetRow

_number_of = attrgetter("row_number")
_values_of = attrgetter("values")


@dataclass(slots=True)
class CheckedBatch:
    """A batch's rows in file order: each one's number and (coerced) values, and its
    `CheckedRow` once made (None: a plain row nothing was recorded on)."""

    numbers: list[int]
    values: list[dict[str, Any]]
    items: list[CheckedRow | None]
    #: the rows as read, a plain row's `CheckedRow` made from (empty when all are made)
    rows: Sequence[SheetRow] = ()

    @classmethod
    def made(cls, items: list[CheckedRow]) -> "CheckedBatch":
        """A batch whose rows all have their `CheckedRow` (the rows' own path)."""
        numbers = list(map(_number_of, items))
        return cls(numbers, list(map(_values_of, items)), list[CheckedRow | None](items))

    def item(self, place: int) -> CheckedRow:
        """The `CheckedRow` of the row at `place`, made now for a plain row: what the
        batch's path makes of a row (sheets/validation.py), on no tab."""
        item = self.items[place]
        if item is None:
            row = self.rows[place]
            item = self.items[place] = CheckedRow(row.row_number, self.values[place], row)
        return item

    def checked(self) -> list[CheckedRow]:
        """Every row's `CheckedRow`, the plain rows' made now."""
        return list(map(self.item, range(len(self.items))))
