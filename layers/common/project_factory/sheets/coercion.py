"""A row's cells coerced to what the schema expects, before the schema sees them.

Numbers typed as text and Excel's 12.0 become numbers, text is trimmed, enum values in
any case or spacing take the schema's spelling, and multi-select cells become lists. What
each column needs is decided once per file (`row_coercer`), never per cell, and the values
of dropdown and list columns are remembered, since they repeat on every row.
"""

from collections.abc import Callable, Mapping
from typing import Any

from project_factory.sheets.cells import cell_number, cell_text, split_codes
from project_factory.sheets.messages import normalise_text

NUMERIC = ("number", "integer")
#: How many distinct texts a column remembers the coerced value of (see `remembered`).
REMEMBERED = 1024

#: A column's cell -> the value the schema checks.
Coercer = Callable[[Any], Any]
#: A row's cells by column -> the values the schema checks (empty cells left out).
RowCoercer = Callable[[Mapping[str, Any]], dict[str, Any]]


def row_coercer(properties: Mapping[str, Mapping[str, Any]]) -> RowCoercer:
    """How a row of a sheet with these columns (the schema's `properties`) is coerced.

    Cells of columns the schema does not have are left out, and so are cells that are
    empty once coerced (blank text, a list of nothing).
    """
    enums = _enum_spellings(properties)
    coercers = {column: _coercer(prop, enums.get(column)) for column, prop in properties.items()}

    def coerce(raw: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column, cell in raw.items():
            coerce_cell = coercers.get(column)
            if coerce_cell is None:
                continue
            value = coerce_cell(cell)
            if value not in ("", []):
                values[column] = value
        return values

    return coerce


def _coercer(prop: Mapping[str, Any], enum: Mapping[str, Any] | None) -> Coercer:
    """How one column's cells are coerced: numbers parsed, lists split, enum values
    in the schema's spelling. Dropdown and list columns repeat a few values on every
    row, so their texts' values are remembered (`remembered`)."""
    kind = prop.get("type")
    if kind in NUMERIC:
        return cell_number
    if kind == "array":
        spelled = _enum_spelling(enum or {})
        items = remembered(lambda text: tuple(spelled(code) for code in split_codes(text)))
        return lambda cell: list(items(cell_text(cell)))
    if enum is None:
        # Not an enum: the schema's spelling is the text itself.
        return cell_text
    value = remembered(_enum_spelling(enum))
    return lambda cell: value(cell_text(cell))


def _enum_spelling(enum: Mapping[str, Any]) -> Callable[[str], Any]:
    """A text -> the schema's spelling of the enum value it is (`enum` maps normalised
    spellings to values), or the text itself."""
    return lambda text: enum.get(normalise_text(text), text)


def remembered[T](compute: Callable[[str], T], limit: int = REMEMBERED) -> Callable[[str], T]:
    """`compute`, remembering its answers for the first `limit` texts it is asked about:
    a column of a few values repeated on every row is computed a few times, and a column
    of distinct values (names) costs at most `limit` entries."""
    known: dict[str, T] = {}

    def answer(text: str) -> T:
        if text in known:
            return known[text]
        found = compute(text)
        if len(known) < limit:
            known[text] = found
        return found

    return answer


def _enum_of(prop: Mapping[str, Any]) -> list[Any]:
    """The allowed values of a column, or of each item of a multi-select column."""
    items = prop.get("items")
    allowed = prop.get("enum") or (items.get("enum") if isinstance(items, Mapping) else None)
    return list(allowed or [])


def _enum_spellings(properties: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Enum column -> its values by normalised spelling, so any case or spacing matches."""
    return {
        column: {normalise_text(str(value)): value for value in enum}
        for column, prop in properties.items()
        if (enum := _enum_of(prop))
    }
