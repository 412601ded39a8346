"""The rows with nothing to report on their own: the valid row's quick case.

Most rows of a file are valid. The checks of a row on its own (sheets/validation.py:
illegal characters, the schema, the id column, the row rules) record nothing on such a
row and leave its values as they are, so a row that is plain is asked a few cheap
questions instead (a set of keys, jsonschema-rs's `is_valid`, a comparison or two per
rule, all in one frame) and skips them. Any row that is not plain, or that this cannot
tell, takes every check, in order: a wrong "not plain" costs time, never a verdict.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from project_factory.sheets.spec import ACTIVE, USAGE_VALUES, SheetSpec


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
        # The rules' columns; a sheet without one looks up "" (a row with such a column
        # can only be found not plain, never plain wrongly).
        self._usage_column = spec.usage_column or ""
        self._boundary_column = spec.boundary_column or ""
        self._phone_column = spec.phone_column or ""
        self._phone_length = phone_length
        self._allowed = allowed
        #: a boundary sheet's rows define boundaries: every one takes the checks
        self._never = bool(spec.levels)

    def plain(self, values: Mapping[str, Any]) -> bool:
        """Whether a row (no illegal character, `values` coerced) has nothing to report
        on its own: every required column, no id, valid for the schema, every rule kept."""
        if self._never or not values.keys() >= self._required or self._id_column in values:
            return False
        return self._is_valid(values) and self._rules_kept(values)

    def _rules_kept(self, values: Mapping[str, Any]) -> bool:
        """RowRules' checks with nothing to record or respell: the usage spelled as a
        usage value already, one allowed boundary code (several take the rule), a phone of
        digits without a leading zero to remove."""
        if values.get(self._usage_column, ACTIVE) not in USAGE_VALUES:
            return False
        codes = values.get(self._boundary_column, _ABSENT)
        if codes is not _ABSENT:
            if type(codes) is not str or "," in codes:
                return False
            code = codes.strip()
            if not code or (self._allowed is not None and code not in self._allowed):
                return False
        phone = values.get(self._phone_column, _ABSENT)
        return phone is _ABSENT or self._phone_kept(phone)

    def _phone_kept(self, phone: Any) -> bool:
        """Digits only, no leading zero to remove, of the length (RowRules._check_phone)."""
        return (
            type(phone) is str
            and phone.isascii()
            and phone.isdigit()
            and phone[0] != "0"
            and len(phone) == self._phone_length
        )


class _Absent:
    """A column the row has no value in."""


_ABSENT: Any = _Absent()
