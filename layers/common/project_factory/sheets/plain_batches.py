"""The plain rows of a batch, told all at once: the valid rows' quick case, by columns.

A file's rows are alike: the same columns filled, texts from the same dropdowns. A batch
of such rows (sheets/validation.py) is coerced column by column (one `map` of C code a
column, sheets/coercion.py `column_coercer`), checked against the schema in one call of
jsonschema-rs over the whole batch, and each rule's column asked once down the batch
(sheets/plain_rows.py `rules_kept`): a few calls a batch, not a few calls a row.

A batch that is not alike (columns filled differently, illegal characters, rows across
tabs, a cell empty once coerced) is left to the rows' own path (None): what is coerced
and told plain here is exactly what the row path makes of each row, only sooner.
"""

from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import and_, attrgetter, not_
from typing import Any

import jsonschema_rs

from project_factory.sheets.coercion import column_coercer
from project_factory.sheets.plain_as_read import PlainAsRead, refers_to_itself
from project_factory.sheets.plain_rows import PlainRows
from project_factory.sheets.reader import SheetRow

#: Rows' coerced values -> the places of those the schema finds invalid.
InvalidRows = Callable[[list[dict[str, Any]]], set[int]]

_values_of = attrgetter("values")
_illegal_of = attrgetter("illegal")
_sheet_of = attrgetter("sheet")
_NO_SHEET = {None}
_DICTS = {dict}


class PlainBatches:
    """Coerces a batch of one sheet's rows and tells which are plain (`PlainRows`)."""

    def __init__(
        self,
        json_schema: Mapping[str, Any],
        rows: PlainRows,
        is_valid: Callable[[Mapping[str, Any]], bool],
        as_read: PlainAsRead | None = None,
    ) -> None:
        properties: Mapping[str, Any] = json_schema["properties"]
        #: the rows plain as read, told first (None: every batch coerced here)
        self._as_read = as_read
        self._known = frozenset(properties)
        self._coerce = column_coercer(properties)
        self._rows = rows
        self._invalid = invalid_rows(json_schema, is_valid)

    def told(
        self, batch: Sequence[SheetRow]
    ) -> tuple[list[dict[str, Any] | None], list[bool]] | None:
        """Each row's coerced values and whether it is plain: the rows plain as read
        (PlainAsRead) as they are, the others `coerced` here, or None (a row that takes
        its own path); None when the batch is neither told as read nor alike."""
        read = self._as_read.told(batch) if self._as_read is not None else None
        if read is None:
            whole = self.coerced(batch)
            return None if whole is None else (list[dict[str, Any] | None](whole[0]), whole[1])
        raws, plain = read
        if all(plain):
            return list[dict[str, Any] | None](raws), plain
        rest = list(compress(range(len(batch)), map(not_, plain)))
        told = self.coerced([batch[place] for place in rest])
        values = list[dict[str, Any] | None](raws)
        if told is None:
            for place in rest:
                values[place] = None
            return values, plain
        for place, coerced, kept in zip(rest, *told, strict=True):
            values[place] = coerced
            plain[place] = kept
        return values, plain

    def coerced(self, batch: Sequence[SheetRow]) -> tuple[list[dict[str, Any]], list[bool]] | None:
        """The batch's coerced values and which rows are plain; None when the batch is not
        alike and takes the rows' own path."""
        columns = self._alike(batch)
        if columns is None:
            return None
        raws = list(map(_values_of, batch))
        told = self._columns(columns, raws)
        if told is None:
            return None
        coerced, unchanged = told
        known = tuple(column for column in columns if column is not None)
        if not unchanged:
            rows = list(map(dict, map(zip, repeat(known), zip(*coerced, strict=True))))
            return rows, self._plain(known, coerced, rows)
        # Every value is its cell (most batches): a plain row's values are the row's own
        # (never changed, plain rows take no check), the others get a copy their checks
        # may respell.
        plain = self._plain(known, coerced, raws)
        return [raw if kept else dict(raw) for raw, kept in zip(raws, plain, strict=True)], plain

    def _columns(
        self, columns: list[str | None], raws: list[dict[str, Any]]
    ) -> tuple[list[list[Any]], bool] | None:
        """The schema's columns of the batch coerced (column_coercer), and whether every
        cell of the batch is its value; None when a cell is empty once coerced."""
        coerced = []
        unchanged = None not in columns
        for column, cells in zip(columns, zip(*map(dict.values, raws), strict=True), strict=True):
            if column is None:
                continue
            told = self._coerce(column, cells)
            if told is None:
                return None
            coerced.append(told[0])
            unchanged = unchanged and told[1]
        return coerced, unchanged

    def _alike(self, batch: Sequence[SheetRow]) -> list[str | None] | None:
        """The columns every row of the batch fills, in order (None for a column the
        schema does not have); None unless every row fills the same ones, in the same
        order, with no illegal character, on no tab."""
        if not batch or any(map(_illegal_of, batch)) or set(map(_sheet_of, batch)) != _NO_SHEET:
            return None
        raws = list(map(_values_of, batch))
        first = tuple(raws[0])
        if set(map(type, raws)) != _DICTS or not all(map(first.__eq__, map(tuple, raws))):
            return None
        columns = [column if column in self._known else None for column in first]
        return columns if any(column is not None for column in columns) else None

    def _plain(
        self, known: tuple[str, ...], coerced: list[list[Any]], rows: list[dict[str, Any]]
    ) -> list[bool]:
        """Which rows are plain (PlainRows.plain of each), the batch's columns asked once."""
        plain = self._rows
        filled = frozenset(known)
        if plain.never or not filled >= plain.required or plain.id_column in filled:
            return [False] * len(rows)
        kept = [True] * len(rows)
        for column, rule in plain.rules:
            if column in filled:
                kept = list(map(and_, kept, rule(coerced[known.index(column)])))
        for place in self._invalid(rows):
            kept[place] = False
        return kept


def invalid_rows(json_schema: Mapping[str, Any], is_valid: Callable[[Any], bool]) -> InvalidRows:
    """The rows the schema finds invalid: one jsonschema-rs call for a batch, its row schema
    under `items`, when the schema refers to no other part of itself (no `$ref`, `$id`,
    `$anchor`...: its meaning does not depend on where it sits); else `is_valid` a row."""
    if refers_to_itself(json_schema):
        return lambda rows: {place for place, row in enumerate(rows) if not is_valid(row)}
    items = {key: value for key, value in json_schema.items() if key != "$schema"}
    wrapper: dict[str, Any] = {"items": items}
    if "$schema" in json_schema:
        wrapper["$schema"] = json_schema["$schema"]
    validator = jsonschema_rs.Draft202012Validator(wrapper)
    # iter_errors on a list reports every invalid row, each error under the row's place.
    return lambda rows: {int(error.instance_path[0]) for error in validator.iter_errors(rows)}
