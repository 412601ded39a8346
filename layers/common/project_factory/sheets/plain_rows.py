"""The rows with nothing to report on their own: the valid row's quick case.

Most rows of a file are valid. The checks of a row on its own (sheets/validation.py:
illegal characters, the schema, the id column, the row rules) record nothing on such a
row and leave its values as they are, so a row that is plain is asked a few cheap
questions instead (a set of keys, jsonschema-rs's `is_valid`, one predicate per rule's
column, all in one frame) and skips them. Any row that is not plain, or that this cannot
tell, takes every check, in order: a wrong "not plain" costs time, never a verdict.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from itertools import repeat
from operator import and_, contains, eq, not_
from typing import Any

from project_factory.sheets.spec import USAGE_VALUES, SheetSpec

#: A rule's column down rows (one row's value, or a batch's) -> whether each row keeps
#: the rule: nothing to record or respell. C calls down the column, one `map` a question.
Kept = Callable[[Sequence[Any]], list[bool]]


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
        self.required = frozenset(required)
        self._is_valid = is_valid
        #: a row with an id exists already: its cells are compared, never plain
        self.id_column = spec.id_column
        #: a boundary sheet's rows define boundaries: every one takes the checks
        self.never = bool(spec.levels)
        #: (a rule's column, whether rows keep the rule): RowRules' checks with nothing
        #: to record or respell; a row without the column keeps the rule
        self.rules = rules_kept(spec, phone_length=phone_length, allowed=allowed)

    def plain(self, values: Mapping[str, Any]) -> bool:
        """Whether a row (no illegal character, `values` coerced) has nothing to report
        on its own: every required column, no id, valid for the schema, every rule kept."""
        if self.never or not values.keys() >= self.required or self.id_column in values:
            return False
        if not self._is_valid(values):
            return False
        return all(column not in values or kept([values[column]])[0] for column, kept in self.rules)


def rules_kept(
    spec: SheetSpec, *, phone_length: int, allowed: set[str] | None
) -> tuple[tuple[str, Kept], ...]:
    """The sheet's rule columns, each with what keeps its rule (RowRules)."""
    chosen: list[tuple[str | None, Kept]] = [
        (spec.usage_column, _usages_kept),
        (spec.boundary_column, partial(_codes_kept, allowed)),
        (spec.phone_column, partial(_phones_kept, phone_length)),
    ]
    return tuple((column, kept) for column, kept in chosen if column)


def _usages_kept(usages: Sequence[Any]) -> list[bool]:
    """Spelled as a usage value already (RowRules._check_usage)."""
    return list(map(USAGE_VALUES.__contains__, usages))


def _codes_kept(allowed: set[str] | None, cells: Sequence[Any]) -> list[bool]:
    """One boundary code (several take the rule), allowed (RowRules._check_boundary_codes)."""
    if set(map(type, cells)) != _TEXTS:
        return [_codes_kept(allowed, [cell])[0] if type(cell) is str else False for cell in cells]
    codes = list(map(str.strip, cells))
    one = map(and_, map(not_, map(contains, cells, repeat(","))), map(bool, codes))
    return list(one if allowed is None else map(and_, one, map(allowed.__contains__, codes)))


def _phones_kept(length: int, phones: Sequence[Any]) -> list[bool]:
    """Digits only, no leading zero to remove, of the length (RowRules._check_phone)."""
    if set(map(type, phones)) != _TEXTS:
        return [
            _phones_kept(length, [phone])[0] if type(phone) is str else False for phone in phones
        ]
    digits = map(and_, map(str.isascii, phones), map(str.isdigit, phones))
    unpadded = map(and_, digits, map(not_, map(str.startswith, phones, repeat("0"))))
    return list(map(and_, unpadded, map(eq, map(len, phones), repeat(length))))


_TEXTS = {str}
