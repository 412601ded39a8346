"""Row validation: the schema, then the rules that span rows, reporting every error.

A validator is built once per file and fed the rows in order. It keeps what later rows
are checked against (the first row of each unique value, the boundaries defined so far)
as small maps of values, never the rows, so a 30k-row file costs a few sets.

Per row, in order:
1. cells are coerced to what the schema expects (numbers typed as text, Excel's 12.0,
   trimmed text, enum values in any case, comma-separated multi-select lists);
2. the JSON Schema reports every violation, worded from the column's `errorMessage`
   when the schema has one, else generated and naming the column's header. Rows are
   checked with jsonschema-rs (compiled once per file, ~40x faster than jsonschema);
   its errors are worded exactly as jsonschema's were: by keyword and schema value,
   in jsonschema's order, and with jsonschema's own text for the rare keywords that
   have no message of ours;
3. row rules: no character a workbook cannot carry (ILLEGAL_CHARACTER, naming the cell),
   phone digits and length, usage Active/Inactive, boundary codes within the campaign's
   boundaries, boundary levels without gaps;
4. file rules: unique columns unique in the file (later occurrences name the first
   row), a boundary's parent defined on an earlier row, values already registered in
   the target (only for rows that would be created).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import batched
from typing import Any

import jsonschema_rs

from project_factory.errors import InvalidSchemaError
from project_factory.lookahead import answered_in_order
from project_factory.sheets.cells import cell_number, cell_text
from project_factory.sheets.coercion import NUMERIC as _NUMERIC
from project_factory.sheets.coercion import Coercer
from project_factory.sheets.coercion import enum_of as _enum_of
from project_factory.sheets.coercion import enum_spelling as _enum_spelling
from project_factory.sheets.coercion import remembered as _remembered
from project_factory.sheets.frozen_cells import FrozenCells, shown
from project_factory.sheets.messages import Messages, load_bundled_messages, normalise_text
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.schema import check_json_schema
from project_factory.sheets.schema_wording import describe as _describe
from project_factory.sheets.spec import (
    INACTIVE,
    USAGE_VALUES,
    SheetSpec,
    boundary_code,
    boundary_path,
    split_codes,
    to_canonical,
)

#: (column code, values) -> the subset of values the target already has.
Registered = Callable[[str, list[str]], set[str]]

#: The usage values, by the form they are compared in.
_USAGE_SPELLED = {normalise_text(value): value for value in USAGE_VALUES}


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


@dataclass(frozen=True)
class _BoundaryRef:
    """The boundary a boundary-sheet row defines."""

    code: str
    #: the column of its level, where errors about it are reported
    column: str
    parent_code: str | None
    parent_name: str | None


@dataclass
class _Row:
    """One row between its own checks and the file-wide ones."""

    row_number: int
    values: dict[str, Any]
    #: where the row is, as messages name it (SheetRow.label), and its tab across tabs
    label: str = ""
    sheet: str | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)
    failed_columns: set[str] = field(default_factory=set)
    existing_id: str | None = None
    boundary: _BoundaryRef | None = None


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
        self._validator = _compiled(json_schema)
        self._schema = json_schema
        #: jsonschema, built on the first error only it can word (see `_library_message`)
        self._wording: Any = None
        self._spec = spec
        self._properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
        columns = _columns_in_order(json_schema, self._properties)
        self._order = {column: index for index, column in enumerate(columns)}
        self._required = [c for c in json_schema.get("required", ()) if c in self._properties]
        self._numeric = [c for c in columns if self._properties[c].get("type") in _NUMERIC]
        unique = [*json_schema.get("x-unique", ()), *spec.unique_columns]
        #: unique column -> value -> the row number of its first row: an int a row, since
        #: a file of Excel's million rows keeps one per value (labels apart, see _label_of)
        self._first_row: dict[str, dict[Any, int]] = {
            column: {} for column in dict.fromkeys(unique) if column in self._properties
        }
        self._enums = _enum_spellings(self._properties)
        #: column -> its coercer, built once per file rather than decided per cell
        self._coercers = self._column_coercers()
        self._split_codes = _remembered(lambda text: tuple(split_codes(text)))
        self._phone_length = phone_length
        self._allowed = allowed_boundary_codes
        self._registered = registered
        self._messages = messages or load_bundled_messages()
        self._locale = self._messages.locale_or_default(locale)
        #: the labels of first rows on a tab (SheetRow.label), where a number is not enough
        self._tab_labels: dict[int, str] = {}
        #: boundary sheets: path code -> first row; codes of valid rows (possible parents)
        self._boundary_rows: dict[str, tuple[int, str]] = {}
        self._defined_boundaries: set[str] = set()
        #: a child campaign's upload: the parent's rows, whose cells may not change
        self._frozen = (
            FrozenCells(frozen_rows, spec, columns, self._coerce)
            if frozen_rows is not None
            else None
        )

    def validate(self, row: SheetRow) -> RowVerdict:
        """The verdict on one row (rows must come in file order)."""
        prepared = self._prepare(row)
        return self._conclude(prepared, self._lookup_registered([prepared]))

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
        prepared = ([self._prepare(row) for row in batch] for batch in batches)
        ask = self._lookup_registered
        for items, registered in answered_in_order(prepared, ask, lookups, ahead):
            for item in items:
                yield self._conclude(item, registered)

    # Checks of the row on its own.

    def _prepare(self, row: SheetRow) -> _Row:
        item = _Row(row.row_number, self._coerce(row.values), row.label, row.sheet)
        for cell in row.illegal:
            # A character no workbook may carry: the row is refused, naming the cell.
            self._fail(
                item,
                cell.column,
                "PF_ERR_ILLEGAL_CHARACTER",
                cell=cell.cell,
                character=cell.character,
            )
        self._check_schema(item)
        spec = self._spec
        if spec.id_column and spec.id_column in item.values:
            item.existing_id = cell_text(item.values[spec.id_column])
            if self._frozen is not None:
                for changed in self._frozen.tampered(item.existing_id, item.values):
                    self._fail(
                        item,
                        changed.column,
                        "PF_ERR_IMMUTABLE_CELL_TAMPERED",
                        old=shown(changed.old),
                        new=shown(changed.new),
                    )
        if spec.phone_column:
            self._check_phone(item, spec.phone_column)
        if spec.usage_column:
            self._check_usage(item, spec.usage_column)
        if spec.boundary_column:
            self._check_boundary_codes(item, spec.boundary_column)
        if spec.levels:
            self._check_levels(item)
        return item

    def _coerce(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        coercers = self._coercers
        for column, cell in raw.items():
            coerce = coercers.get(column)
            if coerce is None:
                continue
            value = coerce(cell)
            if value not in ("", []):
                values[column] = value
        return values

    def _column_coercers(self) -> dict[str, Coercer]:
        return {column: self._coercer(column) for column in self._properties}

    def _coercer(self, column: str) -> Coercer:
        """How one column's cells are coerced: numbers parsed, lists split, enum values
        in the schema's spelling. Dropdown and list columns repeat a few values on every
        row, so their texts' values are remembered (`_remembered`)."""
        kind = self._properties[column].get("type")
        if kind in _NUMERIC:
            return cell_number
        enum = self._enums.get(column)
        if kind == "array":
            spelled = _enum_spelling(enum or {})
            items = _remembered(lambda text: tuple(spelled(code) for code in split_codes(text)))
            return lambda cell: list(items(cell_text(cell)))
        if enum is None:
            # Not an enum: the schema's spelling is the text itself.
            return cell_text
        value = _remembered(_enum_spelling(enum))
        return lambda cell: value(cell_text(cell))

    def _check_schema(self, item: _Row) -> None:
        for column in self._required:
            if column not in item.values:
                self._fail(item, column, "PF_ERR_REQUIRED")
        if self._validator.is_valid(item.values):
            # Most rows are valid: no error objects to build (iter_errors yields none
            # exactly when is_valid holds).
            return
        errors = [
            error
            for error in self._validator.iter_errors(item.values)
            if error.instance_path and error.schema_path[-1] != "required"
        ]
        for error in sorted(errors, key=self._jsonschema_order):
            self._fail_schema(item, str(error.instance_path[0]), error)

    def _jsonschema_order(self, error: jsonschema_rs.ValidationError) -> tuple[Any, ...]:
        """Where jsonschema would have reported `error`: by column, then by the keyword's
        place in the column's schema, then by list item, then by the item keyword's place.
        """
        column, *item = error.instance_path
        ranks = []
        node: Any = self._schema
        for step in error.schema_path:
            if isinstance(node, Mapping):
                ranks.append(list(node).index(step) if step in node else len(node))
                node = node.get(step)
            elif isinstance(node, Sequence) and isinstance(step, int):
                ranks.append(step)
                node = node[step]
        positions = tuple(part if isinstance(part, int) else -1 for part in item)
        return (self._order.get(str(column), len(self._order)), ranks[2:3], positions, ranks[3:])

    def _check_phone(self, item: _Row, column: str) -> None:
        if column not in item.values or column in item.failed_columns:
            return
        text = cell_text(item.values[column])
        if not (text.isascii() and text.isdigit()):
            self._fail(item, column, "PF_ERR_PHONE_DIGITS")
            return
        phone = text.lstrip("0")
        item.values[column] = phone
        if len(phone) != self._phone_length:
            self._fail(item, column, "PF_ERR_PHONE_LENGTH", length=self._phone_length)

    def _check_usage(self, item: _Row, column: str) -> None:
        if column not in item.values or column in item.failed_columns:
            return
        usage = _USAGE_SPELLED.get(normalise_text(cell_text(item.values[column])))
        if usage is None:
            self._fail(item, column, "PF_ERR_USAGE", allowed=", ".join(USAGE_VALUES))
        else:
            item.values[column] = usage

    def _check_boundary_codes(self, item: _Row, column: str) -> None:
        if column not in item.values or column in item.failed_columns:
            return
        codes = self._split_codes(cell_text(item.values[column]))
        if not codes:
            self._fail(item, column, "PF_ERR_REQUIRED")
            return
        if not self._spec.multiple_boundaries and len(codes) > 1:
            self._fail(item, column, "PF_ERR_BOUNDARY_SINGLE")
        if self._allowed is not None:
            unknown = [code for code in codes if code not in self._allowed]
            if unknown:
                self._fail(item, column, "PF_ERR_BOUNDARY_UNKNOWN", codes=", ".join(unknown))

    def _check_levels(self, item: _Row) -> None:
        """No level left empty above the deepest filled one; then the boundary the row
        defines, if its levels are sound."""
        levels = self._spec.levels
        filled = [column in item.values for column, _ in levels]
        if not any(filled):
            return
        deepest, gaps = _deepest_and_gaps(levels, filled)
        for column in gaps:
            self._fail(item, column, "PF_ERR_LEVEL_GAP")
        if gaps or item.failed_columns.intersection(column for column, _ in levels):
            return
        self._define_boundary(item, levels[deepest][0])

    def _define_boundary(self, item: _Row, column: str) -> None:
        """The boundary a row with sound levels defines (reported in its deepest level's
        `column`); it exists already when the campaign's boundaries have it."""
        names = [name for _, name in boundary_path(self._spec, item.values)]
        item.boundary = _BoundaryRef(
            code=boundary_code(names),
            column=column,
            parent_code=boundary_code(names[:-1]) if len(names) > 1 else None,
            parent_name=names[-2] if len(names) > 1 else None,
        )
        if self._allowed is not None and item.boundary.code in self._allowed:
            item.existing_id = item.boundary.code

    # Checks against the rest of the file and the target.

    def _conclude(self, item: _Row, registered: Mapping[str, set[str]]) -> RowVerdict:
        self._check_unique(item)
        if item.boundary:
            self._check_boundary(item, item.boundary)
        if self._creatable(item):
            for column, known in registered.items():
                value = item.values.get(column)
                if value is not None and cell_text(value) in known:
                    self._fail(item, column, "PF_ERR_REGISTERED", value=cell_text(value))
        if item.boundary and not item.errors:
            self._defined_boundaries.add(item.boundary.code)
        errors = _worded(item.errors)
        canonical = None
        if not errors:
            canonical = to_canonical(self._spec, item.values, target_columns=self._numeric)
        return RowVerdict(
            row_number=item.row_number,
            canonical=canonical,
            errors=errors,
            create=self._creatable(item),
            existing_id=item.existing_id,
            sheet=item.sheet,
        )

    def _check_unique(self, item: _Row) -> None:
        for column, first_rows in self._first_row.items():
            if column not in item.values:
                continue
            value = item.values[column]
            key = _unique_key(value)
            first = first_rows.setdefault(key, item.row_number)
            if first == item.row_number:
                if item.sheet is not None:
                    self._tab_labels[item.row_number] = item.label
            else:
                label = self._label_of(first)
                self._fail(item, column, "PF_ERR_DUPLICATE", value=cell_text(value), row=label)

    def _label_of(self, row_number: int) -> str:
        """How messages name a row: its number, or its number and tab across tabs."""
        return self._tab_labels.get(row_number) or str(row_number)

    def _check_boundary(self, item: _Row, boundary: _BoundaryRef) -> None:
        """Once per file, and under a parent defined earlier or existing."""
        first, label = self._boundary_rows.setdefault(boundary.code, (item.row_number, item.label))
        if first != item.row_number:
            self._fail(item, boundary.column, "PF_ERR_BOUNDARY_REPEATED", row=label)
        parent = boundary.parent_code
        known = parent is None or parent in self._defined_boundaries
        if not known and not (self._allowed is not None and parent in self._allowed):
            name = boundary.parent_name
            self._fail(item, boundary.column, "PF_ERR_BOUNDARY_PARENT", parent=name)

    def _lookup_registered(self, items: Iterable[_Row]) -> dict[str, set[str]]:
        """Per registered column, the values of these rows the target already has."""
        if self._registered is None:
            return {}
        candidates: dict[str, set[str]] = {c: set() for c in self._spec.registered_columns}
        for item in items:
            if not self._creatable(item):
                continue
            for column, values in candidates.items():
                if column in item.values and column not in item.failed_columns:
                    values.add(cell_text(item.values[column]))
        return {
            column: self._registered(column, sorted(values))
            for column, values in candidates.items()
            if values
        }

    def _creatable(self, item: _Row) -> bool:
        """Valid so far, not existing already, not marked Inactive."""
        usage = self._spec.usage_column
        inactive = usage is not None and item.values.get(usage) == INACTIVE
        return not item.errors and item.existing_id is None and not inactive

    # Messages.

    def _fail(self, item: _Row, column: str, code: str, **params: Any) -> None:
        header = self._messages.text(column, self._locale)
        message = self._messages.format(code, self._locale, column=header, **params)
        item.errors.append((self._order.get(column, len(self._order)), message))
        item.failed_columns.add(column)

    def _fail_schema(self, item: _Row, column: str, error: jsonschema_rs.ValidationError) -> None:
        prop = self._properties.get(column, {})
        custom = prop.get("errorMessage")
        if custom:
            message = self._messages.text(str(custom), self._locale)
            item.errors.append((self._order.get(column, len(self._order)), message))
            item.failed_columns.add(column)
            return
        keyword = str(error.schema_path[-1])
        # The schema's value for the failing keyword, as jsonschema's `validator_value`.
        value = _schema_value(self._schema, error.schema_path)
        described = _describe(keyword, value, error, prop)
        if described is None:
            detail = self._library_message(item.values, error)
            described = "PF_ERR_INVALID", {"detail": detail}
        code, params = described
        self._fail(item, column, code, **params)

    def _library_message(
        self, values: Mapping[str, Any], error: jsonschema_rs.ValidationError
    ) -> str:
        """jsonschema's text for an error, for the keywords without a message of ours.

        Such errors are rare (no admin schema field leads to them), so jsonschema is only
        built and run for them, and the messages stay what they were.
        """
        if self._wording is None:
            from jsonschema import Draft202012Validator

            self._wording = Draft202012Validator(self._schema)
        where = (list(error.instance_path), list(error.schema_path))
        for candidate in self._wording.iter_errors(values):
            if (list(candidate.absolute_path), list(candidate.absolute_schema_path)) == where:
                return str(candidate.message)
        return error.message


def _worded(errors: list[tuple[int, str]]) -> list[str]:
    """A row's messages in column order (stable), each once; most rows have none."""
    if not errors:
        return []
    ordered = [message for _, message in sorted(errors, key=lambda error: error[0])]
    return list(dict.fromkeys(ordered))


def _unique_key(value: Any) -> Any:
    """Values equal for uniqueness: text ignoring case and spacing, lists by content."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, list):
        return tuple(_unique_key(part) for part in value)
    return value


def _schema_value(schema: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    """The schema's node at `path` (keys of objects, indexes of lists), as jsonschema's
    `validator_value`."""
    node: Any = schema
    for step in path:
        node = node[step]
    return node


def _columns_in_order(json_schema: Mapping[str, Any], properties: Mapping[str, Any]) -> list[str]:
    """The schema's columns as messages order them: `x-columns` first, then the rest."""
    listed = [c for c in json_schema.get("x-columns", ()) if c in properties]
    return listed + [column for column in properties if column not in listed]


def _enum_spellings(properties: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Enum column -> its values by normalised spelling, so any case or spacing matches."""
    return {
        column: {normalise_text(str(value)): value for value in enum}
        for column, prop in properties.items()
        if (enum := _enum_of(prop))
    }


def _compiled(json_schema: Mapping[str, Any]) -> jsonschema_rs.Validator:
    """The schema checked for what we support, then compiled once for the whole file."""
    check_json_schema(json_schema)
    try:
        return jsonschema_rs.Draft202012Validator(dict(json_schema))
    except ValueError as error:
        raise InvalidSchemaError(f"The schema cannot be compiled: {error}") from error


def _deepest_and_gaps(
    levels: Sequence[tuple[str, str]], filled: Sequence[bool]
) -> tuple[int, list[str]]:
    """The deepest filled level's index, and the columns of the empty levels above it."""
    deepest = max(index for index, present in enumerate(filled) if present)
    return deepest, [levels[index][0] for index in range(deepest) if not filled[index]]
