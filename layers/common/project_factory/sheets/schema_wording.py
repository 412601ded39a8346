"""The message code and parameters of one JSON Schema violation, by its keyword: kept
apart from the validator so each keyword's wording reads on its own."""

from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs

#: (message code, its parameters)
Described = tuple[str, dict[str, Any]]
_Describer = Callable[[str, Any, jsonschema_rs.ValidationError, Mapping[str, Any]], Described]


def _type(keyword: str, value: Any, error: Any, prop: Mapping[str, Any]) -> Described:
    expected = {"number": "PF_ERR_NUMBER", "integer": "PF_ERR_INTEGER"}
    return expected.get(str(value), "PF_ERR_TEXT"), {}


def _bound(keyword: str, value: Any, error: Any, prop: Mapping[str, Any]) -> Described:
    if "minimum" in prop and "maximum" in prop:
        return "PF_ERR_RANGE", {"minimum": prop["minimum"], "maximum": prop["maximum"]}
    code = "PF_ERR_MINIMUM" if keyword == "minimum" else "PF_ERR_MAXIMUM"
    return code, {"limit": value}


def _length(keyword: str, value: Any, error: Any, prop: Mapping[str, Any]) -> Described:
    if "minLength" in prop and "maxLength" in prop:
        return "PF_ERR_LENGTH", {"minimum": prop["minLength"], "maximum": prop["maxLength"]}
    code = "PF_ERR_MIN_LENGTH" if keyword == "minLength" else "PF_ERR_MAX_LENGTH"
    return code, {"limit": value}


def _enum(
    keyword: str, value: Any, error: jsonschema_rs.ValidationError, prop: Mapping[str, Any]
) -> Described:
    allowed = ", ".join(str(option) for option in value)
    if len(error.instance_path) > 1:
        return "PF_ERR_ENUM_ITEM", {"value": error.instance, "allowed": allowed}
    return "PF_ERR_ENUM", {"allowed": allowed}


def _items(keyword: str, value: Any, error: Any, prop: Mapping[str, Any]) -> Described:
    code = "PF_ERR_MIN_ITEMS" if keyword == "minItems" else "PF_ERR_MAX_ITEMS"
    return code, {"limit": value}


def _pattern(keyword: str, value: Any, error: Any, prop: Mapping[str, Any]) -> Described:
    return "PF_ERR_PATTERN", {}


_DESCRIBERS: dict[str, _Describer] = {
    "type": _type,
    "minimum": _bound,
    "maximum": _bound,
    "minLength": _length,
    "maxLength": _length,
    "enum": _enum,
    "minItems": _items,
    "maxItems": _items,
    "pattern": _pattern,
}


def describe(
    keyword: str, value: Any, error: jsonschema_rs.ValidationError, prop: Mapping[str, Any]
) -> Described | None:
    """The message code and parameters for one JSON Schema violation of `keyword`, whose
    value in the schema is `value`; None for keywords without a message of ours."""
    describer = _DESCRIBERS.get(keyword)
    return describer(keyword, value, error, prop) if describer else None
