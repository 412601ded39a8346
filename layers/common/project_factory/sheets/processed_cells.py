"""The cells a result writes in a spliced row (`processed_splice`), before and after the
row's own cells, made without a dict of texts per row.

What `processed_rows.RowWriter` writes for a result (`_texts`), column by column, is
laid out once per sheet: each written column is a slot, filled from the result's
status, errors or plan (texts many rows share: `#status#` is one of a few words), or
from its id or an output (a text of the row's own, e.g. `F-0000123`). A secret output's
slot is always empty: a cell a spliced row does not have, so it is left out. Each side's
cells are `<c r="H` + the row number + `" t="inlineStr">...</c>`, one after the other:
the bytes between the row numbers, for the shared texts, are remembered per set of
shared texts (a bounded few), so a row costs one join with its number, and a cell's end
per text of its own.

A sheet where two written columns fall on the same column (one text overriding another
in `_texts`) is not laid out: `ResultCells.make` gives None and its rows keep the texts.
"""

from collections.abc import Callable, Mapping
from typing import NamedTuple

from project_factory.sheets.layout import ERRORS_COLUMN, PLAN_COLUMN, STATUS_COLUMN
from project_factory.sheets.processed_results import ResultsMismatch, RowResult
from project_factory.sheets.processed_splice import CellTemplate
from project_factory.sheets.spec import SheetSpec

ERROR_SEPARATOR = "; "
#: Sets of shared texts remembered, and the longest remembered (errors can be long).
_REMEMBERED = 256
_REMEMBERED_CHARS = 1024

#: A result's shared texts: status, errors joined (None when there are none), plan.
Shared = tuple[str, str | None, str | None]
_NO_TEXTS: Shared = ("", None, None)
#: The text of a slot of a row's own.
_Own = Callable[[RowResult], str | None]


class _Slot(NamedTuple):
    column: int
    #: the index of its text in `Shared`, or None for a text of the row's own
    shared: int | None
    own: _Own | None


def shared_texts(result: RowResult) -> Shared:
    return (str(result.status), ERROR_SEPARATOR.join(result.errors) or None, result.plan)


class ResultCells:
    """A result's cells in one sheet, before and after a gap of the row's own cells."""

    @classmethod
    def make(
        cls, prefix: bytes, columns: Mapping[str, int], spec: SheetSpec, first: int
    ) -> "ResultCells | None":
        """The cells of `spec`'s results, `columns` (code -> column) those written,
        `first` the first column of the gap; None when two of them share a column."""
        slots = _slots(columns, spec)
        if slots is None:
            return None
        return cls(prefix, slots, first, spec)

    def __init__(self, prefix: bytes, slots: list[_Slot], first: int, spec: SheetSpec) -> None:
        self._kind, self._outputs = spec.resource_type, spec.output_columns
        self._templates = {slot.column: CellTemplate(prefix, slot.column) for slot in slots}
        self._sides = (
            [slot for slot in slots if slot.column < first],
            [slot for slot in slots if slot.column >= first],
        )
        # A side of shared slots only (the usual one) is one join of remembered bytes.
        self._own = tuple(_has_own(side) for side in self._sides)
        self._shared = tuple(_has_shared(side) for side in self._sides)
        self._alone = tuple(_alone(side) for side in self._sides)
        self._remembered: dict[tuple[object, ...], tuple[list[bytes], list[bytes]]] = {}
        # The usual layout: the id alone (or nothing) before the gap, shared slots after.
        self._id, self._usual = _usual(self._sides, self._templates)

    @property
    def usual(self) -> bool:
        """Whether the layout is the usual one: the id alone (or nothing) before the gap,
        shared slots only after it (`around`'s one lookup and join)."""
        return self._usual

    @property
    def id_template(self) -> CellTemplate | None:
        """The id's cell, in the usual layout with an id before the gap."""
        return self._id

    def after(self, result: RowResult) -> list[bytes]:
        """The bytes around the row numbers of the cells after the gap, for `result`'s
        shared texts (remembered): `number.join` of them is those cells."""
        key = (result.status, result.plan, *result.errors)
        between = self._remembered.get(key)
        if between is None:
            between = self._remember(key, shared_texts(result))
        return between[1]

    def around(self, result: RowResult, number: bytes) -> tuple[bytes, bytes]:
        """The cells `result` writes in the row numbered `number` (its digits): those
        before the gap, those after (ResultsMismatch for an output without a column)."""
        if self._usual and not result.output:
            # (the one path nearly every row takes: a lookup, a join and an id's cell)
            key = (result.status, result.plan, *result.errors)
            between = self._remembered.get(key)
            if between is None:
                between = self._remember(key, shared_texts(result))
            ident, template = result.id, self._id
            before = template.cell(number, ident) if ident and template is not None else b""
            return before, number.join(between[1])
        return self._around(result, number)

    def _around(self, result: RowResult, number: bytes) -> tuple[bytes, bytes]:
        """`around` in general: a side with texts of the row's own cell by cell."""
        if result.output:
            self._check(result.output)
        key = (result.status, result.plan, *result.errors)
        between = self._remembered.get(key)
        if between is None:
            between = self._remember(key, shared_texts(result))
        before, after = between
        own_before, own_after = self._own
        return (
            self._side(0, result, number) if own_before else number.join(before),
            self._side(1, result, number) if own_after else number.join(after),
        )

    def _side(self, side: int, result: RowResult, number: bytes) -> bytes:
        """A side with a slot of the row's own, cell by cell."""
        alone = self._alone[side]
        if alone is not None:
            # The usual side of its own: the id alone.
            column, own = alone
            text = own(result)
            if text is None:
                return b""
            template = self._templates[column]
            return b"%s%s%s" % (template.start, number, template.end(text, remember=False))
        texts = shared_texts(result) if self._shared[side] else _NO_TEXTS
        cells: list[bytes] = []
        for slot in self._sides[side]:
            text = slot.own(result) if slot.own is not None else texts[slot.shared or 0]
            if text is not None:
                template = self._templates[slot.column]
                end = template.end(text, remember=slot.own is None)
                cells.append(b"%s%s%s" % (template.start, number, end))
        return b"".join(cells)

    def _check(self, output: Mapping[str, str]) -> None:
        for key in output:
            if key not in self._outputs:
                raise ResultsMismatch(f"{self._kind} rows have no output column for {key!r}")

    def _remember(self, key: tuple[object, ...], texts: Shared) -> tuple[list[bytes], list[bytes]]:
        """Each side's bytes between its cells' row numbers, for the shared `texts`."""
        before, after = (self._between(side, texts) for side in self._sides)
        if sum(len(text or "") for text in texts) <= _REMEMBERED_CHARS:
            if len(self._remembered) >= _REMEMBERED:
                self._remembered.clear()
            self._remembered[key] = before, after
        return before, after

    def _between(self, side: list[_Slot], texts: Shared) -> list[bytes]:
        """The bytes around the row numbers of a side's shared cells: [start, end +
        start, ..., end]; [b""] when it writes none."""
        between = [b""]
        for slot in side:
            text = texts[slot.shared] if slot.shared is not None else None
            if text is not None:
                template = self._templates[slot.column]
                between[-1] += template.start
                between.append(template.end(text))
        return between


def _usual(
    sides: tuple[list[_Slot], list[_Slot]], templates: Mapping[int, CellTemplate]
) -> tuple[CellTemplate | None, bool]:
    """The id's template when it is alone before the gap, and whether the layout is the
    usual one: the id alone (or nothing) before the gap, shared slots only after it."""
    before, after = sides
    alone_id = len(before) == 1 and before[0].own is _id
    usual = not _has_own(after) and (not before or alone_id)
    return (templates[before[0].column] if alone_id else None), usual


def _has_own(side: list[_Slot]) -> bool:
    return any(slot.own is not None for slot in side)


def _has_shared(side: list[_Slot]) -> bool:
    return any(slot.shared is not None for slot in side)


def _alone(side: list[_Slot]) -> tuple[int, _Own] | None:
    """The column and text of a side's one slot, when that is a text of the row's own."""
    if len(side) == 1 and side[0].own is not None:
        return side[0].column, side[0].own
    return None


def _slots(columns: Mapping[str, int], spec: SheetSpec) -> list[_Slot] | None:
    """Every written column's slot, in column order; None when two share a column."""
    slots = [_Slot(columns[STATUS_COLUMN], 0, None), _Slot(columns[ERRORS_COLUMN], 1, None)]
    if PLAN_COLUMN in columns:
        slots.append(_Slot(columns[PLAN_COLUMN], 2, None))
    if spec.id_column:
        slots.append(_Slot(columns[spec.id_column], None, _id))
    secret = {spec.output_columns[key] for key in spec.secret_outputs}
    for key, code in spec.output_columns.items():
        if code not in secret:
            slots.append(_Slot(columns[code], None, _output(key)))
    taken = [slot.column for slot in slots] + [columns[code] for code in secret]
    if len(set(taken)) != len(taken):
        return None
    return sorted(slots, key=lambda slot: slot.column)


def _id(result: RowResult) -> str | None:
    return result.id or None


def _output(key: str) -> _Own:
    def text(result: RowResult) -> str | None:
        return result.output.get(key)

    return text
