"""The rows plain as they are read: told by one call of jsonschema-rs over a batch.

Most rows of a file are valid and typed as the template asks: texts trimmed, dropdown
values in the schema's own spelling, whole numbers. The coercer leaves such a row as it is
and it is plain (sheets/plain_rows.py), so it needs neither coercing nor its rules asked:
one schema, the row's own schema and, with it, what the coercer keeps as it is
(sheets/coercion.py `unchanged_schema`) and what keeps each rule, tells them all in Rust,
a call for the whole batch. A row it does not take is not told anything: it takes the
batch's path (sheets/plain_batches.py), which coerces it and tells again. The schema may
turn down rows that are plain (costing time), never take one that is not.
"""

from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import jsonschema_rs

from project_factory.sheets.coercion import SPACES, unchanged_schema
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.spec import USAGE_VALUES, SheetSpec

#: Rows as read (dicts of exact str and int) -> the places of those not plain as read.
NotPlain = Callable[[list[dict[str, Any]]], set[int]]

_values_of = attrgetter("values")
_illegal_of = attrgetter("illegal")
_sheet_of = attrgetter("sheet")
_NO_SHEET = {None}
_DICTS = {dict}
#: The cells the schema can tell exactly (jsonschema-rs takes 12.0 for an integer and a
#: str subclass for a string: a batch with any other cell is not told here).
_READ = frozenset((str, int))
#: The schema keywords ours may sit beside, in one schema: none depends on another.
_APART = frozenset(("type", "title", "description", "properties", "required", "$comment"))


class PlainAsRead:
    """Tells the rows of one sheet (its spec and schema) that are plain as read, against
    the campaign's boundaries (`allowed`; None when any code will do)."""

    def __init__(
        self,
        json_schema: Mapping[str, Any],
        spec: SheetSpec,
        *,
        phone_length: int,
        allowed: set[str] | None,
    ) -> None:
        self._allowed = allowed
        self._boundary_column = spec.boundary_column
        #: None when this sheet's rows are not told here (every batch takes its path)
        self._not_plain = not_plain(json_schema, spec, phone_length=phone_length)

    def told(self, batch: Sequence[SheetRow]) -> tuple[list[dict[str, Any]], list[bool]] | None:
        """The batch's values as read and which rows are plain as read; None when the
        batch is not told here (illegal characters, rows across tabs, other cells)."""
        tell = self._not_plain
        raws = _as_read(batch) if tell is not None else None
        if tell is None or raws is None:
            return None
        try:
            invalid = tell(raws)
        except ValueError:
            # A column that is not text (jsonschema-rs takes none): the batch's path.
            return None
        plain = [True] * len(raws)
        for place in invalid:
            plain[place] = False
        if self._allowed is not None and self._boundary_column is not None:
            plain = self._within(raws, plain, self._boundary_column, self._allowed)
        return raws, plain

    @staticmethod
    def _within(
        raws: list[dict[str, Any]], plain: list[bool], column: str, allowed: set[str]
    ) -> list[bool]:
        """The plain rows still plain once their boundary code (one, a text: the schema
        saw to it) is among the campaign's (RowRules._check_boundary_codes)."""
        cells = map(dict.get, raws, repeat(column))
        return [
            kept and (cell is None or (type(cell) is str and cell.strip() in allowed))
            for kept, cell in zip(plain, cells, strict=True)
        ]


def _as_read(batch: Sequence[SheetRow]) -> list[dict[str, Any]] | None:
    """The rows' values, when the schema can tell them (no illegal character, on no tab,
    dicts of `_READ` cells)."""
    if not batch or any(map(_illegal_of, batch)) or set(map(_sheet_of, batch)) != _NO_SHEET:
        return None
    raws = list(map(_values_of, batch))
    if set(map(type, raws)) != _DICTS:
        return None
    if not _READ.issuperset(map(type, chain.from_iterable(map(dict.values, raws)))):
        return None
    return raws


def not_plain(
    json_schema: Mapping[str, Any], spec: SheetSpec, *, phone_length: int
) -> NotPlain | None:
    """The rows not plain as read, by one jsonschema-rs call a batch: the row's schema,
    every cell one the coercer keeps, no column the schema lacks, no id, every rule kept
    (sheets/plain_rows.py `rules_kept`). None for a sheet whose rows always take the
    checks (a boundary sheet), whose schema refers to parts of itself, or whose rows
    cannot be told (a column of lists)."""
    wrapper = _plain_schema(json_schema, spec, phone_length) if not spec.levels else None
    if wrapper is None:
        return None
    try:
        validator = jsonschema_rs.Draft202012Validator(wrapper)
    except ValueError:
        return None
    # iter_errors on a list reports every row not taken, each error under the row's place.
    return lambda rows: {int(error.instance_path[0]) for error in validator.iter_errors(rows)}


def _plain_schema(
    json_schema: Mapping[str, Any], spec: SheetSpec, phone_length: int
) -> dict[str, Any] | None:
    """The schema of a batch (a list) of rows plain as read (`not_plain`), or None."""
    if refers_to_itself(json_schema):
        return None
    properties: Mapping[str, Any] = json_schema["properties"]
    kept = unchanged_schema(properties)
    if any(schema is False for schema in kept.values()):
        return None
    rules = _rules(spec, phone_length)
    # Each column's keywords in one schema (allOf only where two of them meet): a row is
    # checked in one pass down its cells, not once a schema.
    columns = {
        column: _both(_both(prop, kept[column]), rules.get(column, True))
        for column, prop in properties.items()
    }
    wrapper: dict[str, Any] = {"items": _row_schema(json_schema, columns)}
    if "$schema" in json_schema:
        wrapper["$schema"] = json_schema["$schema"]
    return wrapper


def _row_schema(json_schema: Mapping[str, Any], columns: dict[str, Any]) -> dict[str, Any]:
    """The schema's row schema with its columns as `columns` has them, and no other."""
    row = {key: value for key, value in json_schema.items() if key != "$schema"}
    if all(key in _APART or key.startswith("x-") for key in row):
        # Keywords none of which reads what `properties` or additionalProperties say.
        row.update(properties=columns, additionalProperties=False)
        return row
    # The schema's own keywords (patternProperties, unevaluatedProperties...) and ours,
    # each reading its own `properties` only.
    return {"allOf": [row, {"properties": columns, "additionalProperties": False}]}


def _both(first: Any, second: Any) -> Any:
    """A schema that takes what both take (True, False or keywords)."""
    if first is True or second is False:
        return second
    if second is True or first is False:
        return first
    both = dict(first)
    meeting = []
    for key, value in second.items():
        if key not in both or both[key] == value:
            both[key] = value
        else:
            meeting.append({key: value})
    if meeting:
        both["allOf"] = [*both.get("allOf", ()), *meeting]
    return both


def _rules(spec: SheetSpec, phone_length: int) -> dict[str, Any]:
    """Per rule column, the schema of a text that keeps its rule (RowRules; a row without
    the column keeps it), and no id: a row with one is compared, never plain."""
    rules: dict[str, Any] = {}
    if spec.usage_column:
        rules[spec.usage_column] = {"enum": list(USAGE_VALUES)}
    if spec.boundary_column:
        # One code (no comma), not blank.
        one = f"^[^,]*[^,{SPACES}][^,]*$"
        rules[spec.boundary_column] = {"type": "string", "pattern": one}
    if spec.phone_column:
        # ASCII digits, no leading zero to remove, of the length.
        digits = {"type": "string", "pattern": f"^[1-9][0-9]{{{phone_length - 1}}}$"}
        rules[spec.phone_column] = digits if phone_length >= 1 else False
    if spec.id_column:
        rules[spec.id_column] = False
    return rules


def refers_to_itself(json_schema: Mapping[str, Any]) -> bool:
    """Whether a schema refers to parts of itself (`$ref`, `$id`, `$anchor`...): its
    meaning then depends on where it sits, and it is not put inside another."""
    return _refers(json_schema, root=True)


def _refers(node: Any, *, root: bool = False) -> bool:
    """Whether a schema holds any `$` keyword but the root's `$schema` and `$comment`."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            allowed = key == "$comment" or (root and key == "$schema")
            if (str(key).startswith("$") and not allowed) or _refers(value):
                return True
        return False
    if isinstance(node, list | tuple):
        return any(_refers(value) for value in node)
    return False
