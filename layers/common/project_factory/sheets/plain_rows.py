"""The rows with nothing to report on their own: the valid row's quick case.

Most rows of a file are valid. The checks of a row on its own (sheets/validation.py:
illegal characters, the schema, the id column, the row rules) record nothing on such a
row and leave its values as they are, so a row that is plain is asked a few cheap
questions instead (all of them in C, for most: a set of keys, jsonschema-rs's `is_valid`,
a comparison per rule) and skips them. Any row that is not plain, or that this cannot
tell, takes every check, in order: a wrong "not plain" costs time, never a verdict.
"""

from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from operator import call
from typing import Any

from project_factory.sheets.spec import ACTIVE, USAGE_VALUES, SheetSpec

#: A row's coerced values -> whether one rule has nothing to record or respell.
Kept = Callable[[Mapping[str, Any]], bool]


class PlainRows:
    """Tells the plain rows of one sheet (its spec and schema), against the campaign's
    boundaries (`allowed`; None when any code will do)."""

    def __init__(
        self,
        spec: SheetSpec,
        required: Iterable[str],
        is_valid: Callable[[Mapping[str, Any]], bool],
        *,
        phone_length: int,
        allowed: set[str] | None,
    ) -> None:
        self._required = frozenset(required)
        self._is_valid = is_valid
        #: a row with an id exists already: its cells are compared, never plain
        self._id_column = spec.id_column
        kept: list[Kept] = []
        if spec.phone_column:
            kept.append(_phone_kept(spec.phone_column, phone_length))
        if spec.usage_column:
            kept.append(_usage_kept(spec.usage_column))
        if spec.boundary_column:
            kept.append(_codes_kept(spec.boundary_column, allowed))
        self._kept = tuple(kept)
        #: a boundary sheet's rows define boundaries: every one takes the checks
        self._never = bool(spec.levels)

    def plain(self, values: Mapping[str, Any]) -> bool:
        """Whether a row (no illegal character, `values` coerced) has nothing to report
        on its own: every required column, no id, valid for the schema, every rule kept."""
        if self._never or not values.keys() >= self._required or self._id_column in values:
            return False
        # map, not a generator: no Python frame for a question asked of every row
        return self._is_valid(values) and all(map(call, self._kept, repeat(values)))


def _phone_kept(column: str, length: int) -> Kept:
    """Digits only, no leading zero to remove, of the length (RowRules._check_phone)."""

    def kept(values: Mapping[str, Any]) -> bool:
        phone = values.get(column, _ABSENT)
        if phone is _ABSENT:
            return True
        return (
            type(phone) is str
            and phone.isascii()
            and phone.isdigit()
            and phone[0] != "0"
            and len(phone) == length
        )

    return kept


def _usage_kept(column: str) -> Kept:
    """Spelled as a usage value already (RowRules._check_usage)."""
    return lambda values: values.get(column, ACTIVE) in USAGE_VALUES


def _codes_kept(column: str, allowed: set[str] | None) -> Kept:
    """One code, and an allowed one (RowRules._check_boundary_codes); several codes take
    the rule."""

    def kept(values: Mapping[str, Any]) -> bool:
        codes = values.get(column, _ABSENT)
        if codes is _ABSENT:
            return True
        if type(codes) is not str or "," in codes:
            return False
        code = codes.strip()
        return code != "" and (allowed is None or code in allowed)

    return kept


class _Absent:
    """A column the row has no value in."""


_ABSENT: Any = _Absent()
