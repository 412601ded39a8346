"""Cell coercion helpers: the per-column coercers are decided once per file, and the
values of dropdown and list columns are remembered, since they repeat on every row."""

from collections.abc import Callable, Mapping
from typing import Any

from project_factory.sheets.messages import normalise_text

NUMERIC = ("number", "integer")
#: How many distinct texts a column remembers the coerced value of (see `remembered`).
REMEMBERED = 1024

#: A column's cell -> the value the schema checks.
Coercer = Callable[[Any], Any]


def enum_spelling(enum: Mapping[str, Any]) -> Callable[[str], Any]:
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


def enum_of(prop: Mapping[str, Any]) -> list[Any]:
    """The allowed values of a column, or of each item of a multi-select column."""
    items = prop.get("items")
    allowed = prop.get("enum") or (items.get("enum") if isinstance(items, Mapping) else None)
    return list(allowed or [])
