"""A row's cells coerced to what the schema expects, before the schema sees them.

Numbers typed as text and Excel's 12.0 become numbers, text is trimmed, enum values in
any case or spacing take the schema's spelling, and multi-select cells become lists. What
each column needs is decided once per file (`row_coercer`), never per cell, and the values
of dropdown and list columns are remembered, since they repeat on every row.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from project_factory.sheets.cells import cell_number, cell_text, split_codes
from project_factory.sheets.messages import normalise_text
from project_factory.sheets.remembered import Remembered, remembered

NUMERIC = ("number", "integer")

#: A column's cell -> the value the schema checks.
Coercer = Callable[[Any], Any]
#: A row's cells by column -> the values the schema checks (empty cells left out).
RowCoercer = Callable[[Mapping[str, Any]], dict[str, Any]]
#: A column and its cells down a batch of rows -> their values and whether each is its
#: cell, or None (see column_coercer).
ColumnCoercer = Callable[[str, Sequence[Any]], tuple[list[Any], bool] | None]


def row_coercer(properties: Mapping[str, Mapping[str, Any]]) -> RowCoercer:
    """How a row of a sheet with these columns (the schema's `properties`) is coerced.

    Cells of columns the schema does not have are left out, and so are cells that are
    empty once coerced (blank text, a list of nothing).
    """
    by_text, by_cell, _ = _coercers(properties)

    def coerce(raw: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column, cell in raw.items():
            coerce_cell = by_text.get(column) if type(cell) is str else by_cell.get(column)
            if coerce_cell is None:
                continue
            value = coerce_cell(cell)
            if value is not _EMPTY and value != "":
                values[column] = value
        return values

    return coerce


def column_coercer(properties: Mapping[str, Mapping[str, Any]]) -> ColumnCoercer:
    """How one column's cells down a batch of rows are coerced, all at once: what
    `row_coercer` makes of each, and whether each value is its cell, of its type; None
    when one of them is empty once coerced (the row coercer leaves it out; the batch
    then takes it row by row).

    A column of texts (nearly all) is one `map` of its text coercer, C code looking up
    remembered values; a number column of whole numbers is taken as it is.
    """
    by_text, by_cell, numeric = _coercers(properties)

    def coerce(column: str, cells: Sequence[Any]) -> tuple[list[Any], bool] | None:
        kinds = set(map(type, cells))
        if kinds == _WHOLE and column in numeric:
            # _NumberColumn.learn takes a whole number as it is.
            return list(cells), True
        if kinds == _TEXTS:
            values = list(map(by_text[column], cells))
            # Texts equal to texts are the same values (a number or list never equals one).
            same = values == list(cells)
        else:
            values = list(map(by_cell[column], cells))
            same = False
        return None if _EMPTY in values or "" in values else (values, same)

    return coerce


#: The characters str.strip strips (str.isspace), as a regex class of them: none is a
#: character a class must escape.
SPACES = "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def unchanged_schema(properties: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per column, the JSON Schema of the cells `row_coercer` keeps as they are, neither
    changed nor left out, for cells that are exact `str` or `int` (what the caller
    makes sure of: jsonschema-rs takes 12.0 and a str subclass alike). A schema may take
    fewer cells than are kept (then they take the coercer), never more."""
    enums = _enum_spellings(properties)
    return {
        column: _unchanged(_column(prop, enums.get(column)), enums.get(column, {}))
        for column, prop in properties.items()
    }


#: A text not blank, with nothing to strip at either end: one pattern (Rust) a cell.
_TRIMMED = f"^[^{SPACES}]([\\s\\S]*[^{SPACES}])?$"


def _unchanged(known: "_Column", enum: Mapping[str, Any]) -> Any:
    """The schema of the cells (exact str or int) one column's coercion keeps as they are."""
    if isinstance(known, _NumberColumn):
        # An int is taken as it is (`_NumberColumn.learn`), a text never.
        return {"type": "integer"}
    if isinstance(known, _FreshColumn):
        # A list of its own for every cell: never the cell.
        return False
    if isinstance(known, _TextColumn):
        # str.strip of a text not blank, with nothing to strip, is the text.
        return {"type": "string", "pattern": _TRIMMED}
    # The enum's spellings that are their own value (learn: not blank either).
    spelled = [value for value in enum.values() if type(value) is str]
    kept = [value for value in spelled if _kept(known.learn(value), value)]
    return {"type": "string", "enum": kept} if kept else False


def _kept(value: Any, text: str) -> bool:
    return type(value) is str and value == text


def _coercers(
    properties: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Coercer], dict[str, Coercer], frozenset[str]]:
    """Per column, how a text cell (nearly all) is coerced, how any other cell is, and
    the number columns.

    A text is one call of C code when it can be (a lookup in the column's remembered
    values, or str.strip for free text), no Python frame.
    """
    enums = _enum_spellings(properties)
    columns = {column: _column(prop, enums.get(column)) for column, prop in properties.items()}
    by_text = {column: known.text_coercer() for column, known in columns.items()}
    by_cell: dict[str, Coercer] = {column: known.learn for column, known in columns.items()}
    numeric = frozenset(c for c, known in columns.items() if isinstance(known, _NumberColumn))
    return by_text, by_cell, numeric


_TEXTS = {str}
_WHOLE = {int}


class _Empty:
    """A cell empty once coerced (blank text, a list of nothing): left out of the row."""


_EMPTY: Any = _Empty()


class _Column(Remembered[Any]):
    """One column's coercion (`learn`, _EMPTY when empty), its texts' values remembered:
    `column[text]`."""

    def __init__(self, coerce_cell: Coercer) -> None:
        super().__init__(self.learn)
        self._coerce_cell = coerce_cell

    def learn(self, cell: Any) -> Any:
        value = self._coerce_cell(cell)
        return _EMPTY if value == "" or value == [] else value

    def text_coercer(self) -> Coercer:
        """How a text cell is coerced: looked up among the remembered ones."""
        return self.__getitem__


class _NumberColumn(_Column):
    """Whole numbers (most cells of a number column) are taken as they are."""

    def learn(self, cell: Any) -> Any:
        return cell if type(cell) is int else super().learn(cell)


class _FreshColumn(_Column):
    """A column whose texts are not remembered: lists, as every row is given a list of
    its own (their items are remembered)."""

    def text_coercer(self) -> Coercer:
        return self.learn


class _TextColumn(_Column):
    """Free text (names, mostly distinct): never remembered, trimmed as `cell_text` trims
    a text (an empty text is left out by the row's coercer)."""

    def text_coercer(self) -> Coercer:
        return str.strip


def _column(prop: Mapping[str, Any], enum: Mapping[str, Any] | None) -> _Column:
    """How one column's cells are coerced: numbers parsed, lists split, enum values
    in the schema's spelling, text trimmed."""
    kind = prop.get("type")
    if kind in NUMERIC:
        return _NumberColumn(cell_number)
    if kind == "array":
        spelled = _enum_spelling(enum or {})
        items = remembered(lambda text: tuple(spelled(code) for code in split_codes(text)))
        return _FreshColumn(lambda cell: list(items(cell_text(cell))))
    if enum is None:
        # Not an enum: the schema's spelling is the text itself.
        return _TextColumn(cell_text)
    value = _enum_spelling(enum)
    return _Column(lambda cell: value(cell_text(cell)))


def _enum_spelling(enum: Mapping[str, Any]) -> Callable[[str], Any]:
    """A text -> the schema's spelling of the enum value it is (`enum` maps normalised
    spellings to values), or the text itself."""
    return lambda text: enum.get(normalise_text(text), text)


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
