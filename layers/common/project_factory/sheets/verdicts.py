"""A row's verdict: what validation says of it, and what the target is given."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowVerdict:
    row_number: int
    #: the fields the target consumes; None when the row is invalid
    canonical: dict[str, Any] | None
    errors: list[str]
    #: False for invalid rows, Inactive rows and rows that already exist
    create: bool = False
    #: the id the row already carries (it exists and is not created again)
    existing_id: str | None = None
    #: the tab the row is on, for a file read across tabs (row_number is then its place)
    sheet: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


def verdict_of(
    row_number: int,
    canonical: dict[str, Any] | None,
    errors: list[str],
    create: bool,
    existing_id: str | None,
    sheet: str | None,
) -> RowVerdict:
    """`RowVerdict(...)` of these fields, at a third of the cost: a frozen dataclass's
    `__init__` sets each field through `object.__setattr__`, paid on every row of a file.
    The verdict is the one `__init__` makes (tests/unit/sheets/test_validation_fast_paths.py)."""
    verdict = _new(RowVerdict)
    fields = verdict.__dict__
    fields["row_number"] = row_number
    fields["canonical"] = canonical
    fields["errors"] = errors
    fields["create"] = create
    fields["existing_id"] = existing_id
    fields["sheet"] = sheet
    return verdict


_new = object.__new__
