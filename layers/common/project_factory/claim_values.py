"""Claims as API Gateway passes them (every claim a string), back into values.

API Gateway's JWT authorizer renders an array claim as `[a b]` and an object as JSON text
or, from some issuers, Go's `map[k:v]`; the caller's grants (`auth.py`) need the values.
"""

import json
from typing import Any

#: Longest claim text parsed (a token is at most a few kB; anything longer is ignored).
_MAX_CLAIM_TEXT = 65_536


def claim_value(value: Any) -> Any:
    """A claim as API Gateway passes it, back into a value.

    Strings stay strings, except the renderings of arrays and objects: `[a b]` (API
    Gateway's, space-separated), JSON text (`["a","b"]`, `{"k": "v"}`) and Go's
    `map[k:v]`. Anything else (a JSON value, from another authorizer or a test) is as given.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) > _MAX_CLAIM_TEXT or not text.startswith(("[", "{", "map[")):
        return value
    if text[0] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        parsed, end = _GoValue(text).parse(0)
    except (IndexError, ValueError):
        return value
    return parsed if end == len(text) else value


class _GoValue:
    """Reads Go's fmt rendering of decoded JSON: `[a b]`, `map[k:v k2:[x y]]`, with JSON
    objects or arrays allowed as items (`[{"code":"A"} {"code":"B"}]`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._json = json.JSONDecoder()

    def parse(self, at: int, stops: str = "") -> tuple[Any, int]:
        """The value starting at `at`, and where it ends; a bare word ends at any of `stops`."""
        if self.text.startswith("map[", at):
            return self._map(at + 4)
        if self.text[at] == "[":
            return self._list(at + 1)
        if self.text[at] == "{":
            return self._json.raw_decode(self.text, at)
        return self._word(at, stops)

    def _map(self, at: int) -> tuple[dict[str, Any], int]:
        """`k:v k2:v2]` (after `map[`): a key runs to its colon, a value to a space or `]`."""
        mapping: dict[str, Any] = {}
        while True:
            at = self._spaces(at)
            if self.text[at] == "]":
                return mapping, at + 1
            colon = self.text.index(":", at)
            key = self.text[at:colon]
            if not key or any(c in key for c in " []"):
                raise ValueError("not a map key")
            mapping[key], at = self.parse(colon + 1, " ]")

    def _list(self, at: int) -> tuple[list[Any], int]:
        """`a b]` (after `[`): items separated by spaces."""
        items: list[Any] = []
        while True:
            at = self._spaces(at)
            if self.text[at] == "]":
                return items, at + 1
            item, at = self.parse(at, " ]")
            items.append(item)

    def _word(self, at: int, stops: str) -> tuple[str, int]:
        """A bare value: Go renders strings and numbers unquoted, so it is kept as text."""
        end = at
        while end < len(self.text) and self.text[end] not in stops:
            end += 1
        return self.text[at:end], end

    def _spaces(self, at: int) -> int:
        while self.text[at] == " ":
            at += 1
        return at
