"""The JSON Schema check of a row, its errors worded as jsonschema worded them.

Rows are checked with jsonschema-rs (compiled once per file, ~40x faster than
jsonschema). Its errors are worded from the column's `errorMessage` when the schema has
one, else by keyword and schema value (sheets/schema_wording.py), naming the column's
header; they are reported in jsonschema's order, and with jsonschema's own text for the
rare keywords that have no message of ours.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema_rs

from project_factory.errors import InvalidSchemaError
from project_factory.sheets.checked_row import CheckedRow, RowErrors
from project_factory.sheets.schema import check_json_schema
from project_factory.sheets.schema_wording import describe

#: The schemas found sound already, as their JSON text: every file of a campaign has the
#: same few, and checking one (jsonschema's meta-schema, in Python) costs milliseconds.
_CHECKED: set[str] = set()
#: How many sound schemas are remembered; past them, a schema is checked every time.
CHECKED_SCHEMAS = 64


def compiled_schema(json_schema: Mapping[str, Any]) -> jsonschema_rs.Validator:
    """The schema checked for what we support (once for a schema of JSON values), then
    compiled once for the whole file."""
    known = _json_text(json_schema)
    if known is None or known not in _CHECKED:
        check_json_schema(json_schema)
        if known is not None and len(_CHECKED) < CHECKED_SCHEMAS:
            _CHECKED.add(known)
    try:
        return jsonschema_rs.Draft202012Validator(dict(json_schema))
    except ValueError as error:
        raise InvalidSchemaError(f"The schema cannot be compiled: {error}") from error


class SchemaCheck:
    """Checks rows against one schema (compiled by `compiled_schema`), recording every
    violation on the row."""

    def __init__(
        self,
        json_schema: Mapping[str, Any],
        validator: jsonschema_rs.Validator,
        errors: RowErrors,
    ) -> None:
        self._schema = json_schema
        self._validator = validator
        self._errors = errors
        self._properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
        self._required = [c for c in json_schema.get("required", ()) if c in self._properties]
        #: one question of a row (most have them all) before any column is asked
        self._required_set = frozenset(self._required)
        #: jsonschema, built on the first error only it can word (see `_library_message`)
        self._wording: Any = None

    def check(self, item: CheckedRow) -> None:
        """Every violation of the row's (coerced) values, required columns first."""
        if not item.values.keys() >= self._required_set:
            for column in self._required:
                if column not in item.values:
                    self._errors.fail(item, column, "PF_ERR_REQUIRED")
        if self._validator.is_valid(item.values):
            # Most rows are valid: no error objects to build (iter_errors yields none
            # exactly when is_valid holds).
            return
        errors = [
            error
            for error in self._validator.iter_errors(item.values)
            if error.instance_path and error.schema_path[-1] != "required"
        ]
        if len(errors) > 1:
            # Most invalid rows have one error: nothing to order.
            errors.sort(key=self._jsonschema_order)
        for error in errors:
            self._fail(item, str(error.instance_path[0]), error)

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
        order = self._errors.order
        return (order.get(str(column), len(order)), ranks[2:3], positions, ranks[3:])

    def _fail(self, item: CheckedRow, column: str, error: jsonschema_rs.ValidationError) -> None:
        prop = self._properties.get(column, {})
        custom = prop.get("errorMessage")
        if custom:
            self._errors.fail_worded(item, column, self._errors.text(str(custom)))
            return
        keyword = str(error.schema_path[-1])
        # The schema's value for the failing keyword, as jsonschema's `validator_value`.
        value = _schema_value(self._schema, error.schema_path)
        described = describe(keyword, value, error, prop)
        if described is None:
            detail = self._library_message(item.values, error)
            described = "PF_ERR_INVALID", {"detail": detail}
        code, params = described
        self._errors.fail(item, column, code, **params)

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


def _json_text(schema: Mapping[str, Any]) -> str | None:
    """The schema as JSON text, when it is made of JSON's own types only (exactly: a
    tuple, a subclass or a key that is not text would read as another value); else None."""
    return json.dumps(schema) if _json_only(schema) else None


def _json_only(node: Any) -> bool:
    kind = type(node)
    if kind is dict:
        return all(type(key) is str and _json_only(value) for key, value in node.items())
    if kind is list:
        return all(_json_only(value) for value in node)
    return kind in _JSON_ATOMS


_JSON_ATOMS = {str, int, float, bool, type(None)}


def _schema_value(schema: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    """The schema's node at `path` (keys of objects, indexes of lists), as jsonschema's
    `validator_value`."""
    node: Any = schema
    for step in path:
        node = node[step]
    return node
