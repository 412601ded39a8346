"""Row validation: the schema, then the rules that span rows, reporting every error.

A validator is built once per file and fed the rows in order; what it checks against is
decided once per file too, so a row costs only its checks. Per row, in order:
1. cells are coerced to what the schema expects (sheets/coercion.py);
2. no character a workbook cannot carry (ILLEGAL_CHARACTER, naming the cell);
3. the JSON Schema reports every violation, worded as jsonschema worded them
   (sheets/schema_check.py);
4. a child campaign's frozen cells unchanged (sheets/frozen_cells.py);
5. row rules: phone, usage, boundary codes, boundary levels (sheets/row_rules.py);
6. file rules: unique columns unique in the file, a boundary defined once under a known
   parent (sheets/file_rules.py);
7. values already registered in the target, only for rows that would be created
   (sheets/target_lookups.py).
Every check records its errors on the row the same way (sheets/checked_row.py). Most rows
are valid: a plain row (sheets/plain_rows.py) is known to have nothing to report on its
own after a few cheap questions, and skips steps 2 to 5; any other row takes them all. A
batch's rows plain as read are told by one jsonschema-rs call (sheets/plain_as_read.py)
and need no CheckedRow unless a file rule fails one (sheets/checked_batch.py).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from itertools import batched, compress, repeat
from operator import attrgetter, not_
from typing import Any, cast

from project_factory.lookahead import answered_in_order
from project_factory.sheets.canonical import canonical_of
from project_factory.sheets.cells import cell_text
from project_factory.sheets.checked_batch import CheckedBatch
from project_factory.sheets.checked_row import (
    CheckedRow,
    RowErrors,
    columns_in_order,
    creatable,
    worded,
)
from project_factory.sheets.coercion import NUMERIC, row_coercer
from project_factory.sheets.file_rules import FileRules, unique_columns
from project_factory.sheets.frozen_cells import FrozenCells, shown
from project_factory.sheets.messages import Messages, load_bundled_messages
from project_factory.sheets.plain_as_read import PlainAsRead
from project_factory.sheets.plain_batches import PlainBatches
from project_factory.sheets.plain_rows import PlainRows
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.row_rules import RowRules
from project_factory.sheets.schema_check import SchemaCheck, compiled_schema
from project_factory.sheets.spec import INACTIVE, SheetSpec
from project_factory.sheets.target_lookups import Registered, TargetLookups
from project_factory.sheets.verdicts import RowVerdict, verdict_of

__all__ = ["RowValidator", "RowVerdict", "verdict_of"]

_number_of = attrgetter("row_number")


class RowValidator:
    """Validates the rows of one file, in order. Build a new one for every file."""

    def __init__(
        self,
        json_schema: Mapping[str, Any],
        spec: SheetSpec,
        *,
        phone_length: int,
        allowed_boundary_codes: set[str] | None,
        registered: Registered | None = None,
        messages: Messages | None = None,
        locale: str | None = None,
        frozen_rows: Iterable[Mapping[str, Any]] | None = None,
    ) -> None:
        # First: a schema we cannot check rows with is refused before anything is built.
        compiled = compiled_schema(json_schema)
        self._spec = spec
        self._usage_column = spec.usage_column
        properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
        columns = columns_in_order(json_schema)
        numeric = [c for c in columns if properties[c].get("type") in NUMERIC]
        self._canonical = canonical_of(spec, target_columns=numeric)
        messages = messages or load_bundled_messages()
        self._errors = errors = RowErrors(messages, messages.locale_or_default(locale), columns)
        self._coerce = row_coercer(properties)
        self._schema_check = SchemaCheck(json_schema, compiled, errors)
        allowed = allowed_boundary_codes
        required = json_schema.get("required", ())
        plain_rows = PlainRows(
            spec,
            [column for column in required if column in properties],
            compiled.is_valid,
            phone_length=phone_length,
            allowed=allowed,
        )
        self._plain = plain_rows.plain
        #: a batch of alike rows, coerced and told plain by columns (None: row by row)
        as_read = PlainAsRead(json_schema, spec, phone_length=phone_length, allowed=allowed)
        self._batches: PlainBatches | None = PlainBatches(
            json_schema, plain_rows, compiled.is_valid, as_read
        )
        rules = RowRules(spec, errors, phone_length=phone_length, allowed=allowed)
        self._row_checks = rules.checks
        self._file_rules = FileRules(unique_columns(json_schema, spec), errors, allowed=allowed)
        self._lookups = TargetLookups(spec, registered, errors)
        #: whether a batch's rows are asked about (then each needs its CheckedRow)
        self._asks = registered is not None
        #: a child campaign's upload: the parent's rows, whose cells may not change
        self._frozen = (
            FrozenCells(frozen_rows, spec, columns, self._coerce)
            if frozen_rows is not None
            else None
        )

    def validate(self, row: SheetRow) -> RowVerdict:
        """The verdict on one row (rows must come in file order)."""
        prepared = self._prepare(row)
        return self._conclude(prepared, self._lookups.ask([prepared]))

    def validate_all(
        self,
        rows: Iterable[SheetRow],
        *,
        batch_size: int = 500,
        lookups: Executor | None = None,
        ahead: int = 4,
    ) -> Iterator[RowVerdict]:
        """Verdicts for rows in order; asks `registered` once per column per batch.

        With `lookups`, a batch's questions to the target run there while the next
        batches are read and checked (at most `ahead` beyond the one concluded next; see
        project_factory/lookahead.py). A batch's lookup needs only what its rows are on
        their own (`_prepare`); everything that depends on earlier rows (`_conclude`)
        still runs here, in file order.
        """
        batches = batched(rows, batch_size, strict=False)
        prepared = map(self._prepare_all, batches)
        for batch, registered in answered_in_order(prepared, self._ask, lookups, ahead):
            yield from self._conclude_all(batch, registered)

    def _ask(self, batch: CheckedBatch) -> dict[str, set[str]]:
        """The target's answers about a batch's rows (none asked without `registered`)."""
        return self._lookups.ask(batch.checked() if self._asks else ())

    def _prepare_all(self, batch: Sequence[SheetRow]) -> CheckedBatch:
        """`_prepare` of each row; a batch of alike rows coerced and told plain at once,
        its plain rows left without a CheckedRow until one is asked for."""
        told = self._batches.told(batch) if self._batches is not None else None
        if told is None:
            return CheckedBatch.made([self._prepare(row) for row in batch])
        values, plain = told
        items: list[CheckedRow | None] = [None] * len(batch)
        for place in compress(range(len(batch)), map(not_, plain)):
            row = batch[place]
            coerced = values[place]
            if coerced is None:
                item = self._prepare(row)
            else:
                item = CheckedRow(row.row_number, coerced, row)
                self._check(item, row)
            items[place] = item
            values[place] = item.values
        numbers = list(map(_number_of, batch))
        prepared = CheckedBatch(numbers, cast(list[dict[str, Any]], values), items, batch)
        if self._asks:
            # The lookups ask of every row: made here, in file order, not in their pool.
            prepared.checked()
        return prepared

    def _prepare(self, row: SheetRow) -> CheckedRow:
        """The checks of the row on its own; a plain row (most) has none to take."""
        values = self._coerce(row.values)
        item = CheckedRow(row.row_number, values, row, row.sheet)
        if row.illegal or not self._plain(values):
            self._check(item, row)
        return item

    def _check(self, item: CheckedRow, row: SheetRow) -> None:
        """Every check of the row on its own, in order, recording what each finds."""
        for cell in row.illegal:
            # A character no workbook may carry: the row is refused, naming the cell.
            self._errors.fail(
                item,
                cell.column,
                "PF_ERR_ILLEGAL_CHARACTER",
                cell=cell.cell,
                character=cell.character,
            )
        self._schema_check.check(item)
        id_column = self._spec.id_column
        if id_column and id_column in item.values:
            item.existing_id = cell_text(item.values[id_column])
            if self._frozen is not None:
                for changed in self._frozen.tampered(item.existing_id, item.values):
                    self._errors.fail(
                        item,
                        changed.column,
                        "PF_ERR_IMMUTABLE_CELL_TAMPERED",
                        old=shown(changed.old),
                        new=shown(changed.new),
                    )
        for check in self._row_checks:
            check(item)

    def _conclude(self, item: CheckedRow, registered: Mapping[str, set[str]]) -> RowVerdict:
        """The checks against the rows above and the target's answers (`registered`)."""
        self._file_rules.check(item)
        return self._verdict(item, registered)

    def _conclude_all(
        self, batch: CheckedBatch, registered: Mapping[str, set[str]]
    ) -> Iterator[RowVerdict]:
        """`_conclude` of each row in turn, the file rules checked down the batch."""
        if not self._file_rules.check_batch(batch):
            return map(self._conclude, batch.checked(), repeat(registered))
        if registered:
            return map(self._verdict, batch.checked(), repeat(registered))
        return self._verdicts(batch)

    def _verdicts(self, batch: CheckedBatch) -> Iterator[RowVerdict]:
        """`_verdict` of each row, no answer from the target and no boundary defined
        (FileRules.check_batch), in this frame; a plain row nothing was recorded on (no
        CheckedRow) is valid, carries no id and is on no tab.

        One verdict at a time, as they are asked for: made and dropped in turn, a row's
        objects take the memory (and the cache) the row before it freed."""
        usage, canonical = self._usage_column, self._canonical
        for number, values, item in zip(batch.numbers, batch.values, batch.items, strict=True):
            if item is None:
                create = usage is None or values.get(usage) != INACTIVE
                yield verdict_of(number, canonical(values), [], create, None, None)
                continue
            existing_id = item.existing_id
            if item.errors:
                errors = worded(item.errors)
                yield verdict_of(number, None, errors, False, existing_id, None)
                continue
            values = item.values
            create = existing_id is None and (usage is None or values.get(usage) != INACTIVE)
            yield verdict_of(number, canonical(values), [], create, existing_id, None)

    def _verdict(self, item: CheckedRow, registered: Mapping[str, set[str]]) -> RowVerdict:
        """A row's verdict once the file rules are checked: the target's answers, then its
        canonical fields (a valid row's boundary defined for the rows below)."""
        create = creatable(item, self._usage_column)
        if create and registered:
            self._lookups.check(item, registered)
            # Still creatable unless the target has one of its values.
            create = not item.errors
        if item.errors:
            errors = worded(item.errors)
            return verdict_of(item.row_number, None, errors, create, item.existing_id, item.sheet)
        if item.boundary:
            self._file_rules.define(item.boundary)
        canonical = self._canonical(item.values)
        return verdict_of(item.row_number, canonical, [], create, item.existing_id, item.sheet)
