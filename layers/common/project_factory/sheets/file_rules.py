"""The rules a row keeps against the rows above it: unique columns unique in the file
(later occurrences name the first row), and on a boundary sheet each boundary defined
once, under a parent defined on an earlier row or existing already.

What later rows are checked against is kept as small maps of values, never the rows, so
a file of Excel's million rows costs a few sets.
"""

import re
from collections.abc import Mapping, Sequence
from itertools import compress, count, repeat
from operator import attrgetter, itemgetter, ne
from typing import Any

from project_factory.sheets.cells import cell_text
from project_factory.sheets.checked_batch import CheckedBatch
from project_factory.sheets.checked_row import BoundaryRef, CheckedRow, RowErrors
from project_factory.sheets.messages import normalise_text
from project_factory.sheets.spec import SheetSpec


def unique_columns(json_schema: Mapping[str, Any], spec: SheetSpec) -> list[str]:
    """The schema's unique columns (`x-unique`) and the spec's, each once, if it has them."""
    unique = [*json_schema.get("x-unique", ()), *spec.unique_columns]
    return [column for column in dict.fromkeys(unique) if column in json_schema["properties"]]


class FileRules:
    """The rules across one file's rows, fed in file order. Build one for every file."""

    def __init__(self, unique: list[str], errors: RowErrors, *, allowed: set[str] | None) -> None:
        self._errors = errors
        #: the campaign's boundaries (existing parents); None when unknown
        self._allowed = allowed
        #: unique column -> value -> the row number of its first row: an int a row, since
        #: a file of Excel's million rows keeps one per value (labels apart, see _label_of)
        self._first_row: dict[str, dict[Any, int]] = {column: {} for column in unique}
        #: the labels of first rows on a tab (SheetRow.label), where a number is not enough
        self._tab_labels: dict[int, str] = {}
        #: boundary sheets: path code -> first row; codes of valid rows (possible parents)
        self._boundary_rows: dict[str, tuple[int, str]] = {}
        self._defined_boundaries: set[str] = set()

    def check(self, item: CheckedRow) -> None:
        """The row's unique values, and the boundary it defines, against the rows above."""
        for column, first_rows in self._first_row.items():
            if column in item.values:
                self._check_unique(item, column, item.values[column], first_rows)
        if item.boundary:
            self._check_boundary(item, item.boundary)

    def check_all(self, items: Sequence[CheckedRow]) -> bool:
        """`check_batch` of rows that all have their CheckedRow."""
        return self.check_batch(CheckedBatch.made(list(items)))

    def check_batch(self, batch: CheckedBatch) -> bool:
        """`check` of each row in turn (rows in file order), a unique column of texts down
        the whole batch at once: their keys made and first rows kept by C code (`map`). A
        plain row gets its CheckedRow (`CheckedBatch.item`) only when a rule fails it.

        Each row still gets its errors in `check`'s order, since each column keeps its own
        first rows. A batch with rows that define boundaries (each checked against those
        defined above, `define`) or sit on tabs (their labels kept) is not checked here
        (False): its rows take `check` one by one. A plain row does neither.
        """
        made = [item for item in batch.items if item is not None]
        if any(map(_boundary_of, made)) or not set(map(_sheet_of, made)) <= _NO_SHEET:
            return False
        rows = batch.values
        for column, first_rows in self._first_row.items():
            cells = _cells(rows, column)
            if cells is None:
                # No row has the column (an id column of a new file).
                continue
            kinds = set(map(type, cells))
            if kinds == _TEXTS:
                self._check_texts(batch, column, cells, first_rows)
            else:
                self._check_cells(batch, column, cells, first_rows)
        return True

    def _check_texts(
        self, batch: CheckedBatch, column: str, cells: list[str], first_rows: dict[Any, int]
    ) -> None:
        """A unique column every row has a text in, down the batch: `_check_unique` of
        each cell, normalise_text and the first rows kept as C calls down the column."""
        if not _spaced(cells):
            # Every text spaced as normalise_text spaces it (most): only its case to fold.
            keys = map(str.casefold, cells)
        else:
            keys = map(str.casefold, map(" ".join, map(str.split, cells)))
        numbers = batch.numbers
        firsts = list(map(first_rows.setdefault, keys, numbers))
        repeated = compress(zip(count(), cells, firsts), map(ne, firsts, numbers))
        for place, cell, first in repeated:
            self._fail_repeated(batch.item(place), column, cell, first)

    def _check_cells(
        self, batch: CheckedBatch, column: str, cells: list[Any], first_rows: dict[Any, int]
    ) -> None:
        """`_check_unique` of each cell of a unique column down the batch (on no tab)."""
        for place, (number, cell) in enumerate(zip(batch.numbers, cells, strict=True)):
            if cell is _ABSENT:
                continue
            key = normalise_text(cell) if type(cell) is str else _unique_key(cell)
            first = first_rows.setdefault(key, number)
            if first != number:
                self._fail_repeated(batch.item(place), column, cell, first)

    def _check_unique(
        self, item: CheckedRow, column: str, value: Any, first_rows: dict[Any, int]
    ) -> None:
        """One unique column's value against the rows above."""
        key = normalise_text(value) if type(value) is str else _unique_key(value)
        first = first_rows.setdefault(key, item.row_number)
        if first != item.row_number:
            self._fail_repeated(item, column, value, first)
        elif item.sheet is not None:
            self._tab_labels[item.row_number] = item.label

    def _fail_repeated(self, item: CheckedRow, column: str, value: Any, first: int) -> None:
        label = self._label_of(first)
        self._errors.fail(item, column, "PF_ERR_DUPLICATE", value=cell_text(value), row=label)

    def define(self, boundary: BoundaryRef) -> None:
        """A valid row's boundary: a parent the rows below may name."""
        self._defined_boundaries.add(boundary.code)

    def _label_of(self, row_number: int) -> str:
        """How messages name a row: its number, or its number and tab across tabs."""
        return self._tab_labels.get(row_number) or str(row_number)

    def _check_boundary(self, item: CheckedRow, boundary: BoundaryRef) -> None:
        """Once per file, and under a parent defined earlier or existing."""
        first, label = self._boundary_rows.setdefault(boundary.code, (item.row_number, item.label))
        if first != item.row_number:
            self._errors.fail(item, boundary.column, "PF_ERR_BOUNDARY_REPEATED", row=label)
        parent = boundary.parent_code
        known = parent is None or parent in self._defined_boundaries
        if not known and not (self._allowed is not None and parent in self._allowed):
            name = boundary.parent_name
            self._errors.fail(item, boundary.column, "PF_ERR_BOUNDARY_PARENT", parent=name)


class _Absent:
    """A column a row has no value in."""


_ABSENT: Any = _Absent()
_TEXTS = {str}
_NO_SHEET = {None}
_boundary_of = attrgetter("boundary")
_sheet_of = attrgetter("sheet")
#: The ASCII whitespace but a space (what str.split splits on), and all of it but a space.
_ASCII_SPACES = tuple(c for c in map(chr, range(128)) if c.isspace() and c != " ")
_SPACE = re.compile(r"[^\S ]")


def _cells(rows: list[dict[str, Any]], column: str) -> list[Any] | None:
    """A column's cells down the rows (_ABSENT where a row has none), or None when no row
    has it: one C call a row (itemgetter) when every row has it, as most rows do."""
    try:
        return list(map(itemgetter(column), rows))
    except KeyError:
        if not any(map(dict.__contains__, rows, repeat(column))):
            return None
        return list(map(dict.get, rows, repeat(column), repeat(_ABSENT)))


def _spaced(texts: list[str]) -> bool:
    """Whether normalise_text would respace any of the texts: two spaces, a space leading
    or trailing a text, or whitespace but a space. C searches over the texts joined by NUL
    (a NUL inside a text only makes a match likelier: a match costs the general path)."""
    joined = "\0".join(texts)
    if "  " in joined or "\0 " in joined or " \0" in joined:
        return True
    if joined.startswith(" ") or joined.endswith(" "):
        return True
    if joined.isascii():
        return any(space in joined for space in _ASCII_SPACES)
    # `\s` of a str pattern is the whitespace str.split splits on.
    return _SPACE.search(joined) is not None


def _unique_key(value: Any) -> Any:
    """Values equal for uniqueness: text ignoring case and spacing, lists by content."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, list):
        return tuple(_unique_key(part) for part in value)
    return value
