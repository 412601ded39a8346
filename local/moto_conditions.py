"""moto's condition expressions, parsed once per call instead of three times an item.

moto parses a conditional write's ConditionExpression where the request is read (to find
unused names and values), again where a transaction checks it, and again where the Put
writes: three parses of the same text with the same names and values, about 0.3 ms each.
A claim transaction of 100 keys spent two thirds of its time in them, with moto's one lock
held (local/lambdas.py), so the local stack serialised what DynamoDB answers in tens of
milliseconds. The parse is a pure function of (expression, names, values): the local stack
keeps its answer, and its side effects (the names and values it found), in a small
most-recently-used table, and hands back the same tree. The tree is only read (`expr(item)`
evaluates it against an item), and every moto call runs under the one lock.
"""

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from local.moto_patches import replaced

#: parses kept (a transaction's 100 items, each parsed three times, hit within a call)
KEPT = 1024

_installed = False

_Key = tuple[str, str, str]
_Parsed = tuple[Any, list[str], list[str]]  # (the tree, names found, values found)


def install() -> None:
    """Replaces ConditionExpressionParser.parse (once per process)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.comparisons import ConditionExpressionParser

    parse = replaced(ConditionExpressionParser, "parse", signature="(self)")
    kept: OrderedDict[_Key, _Parsed] = OrderedDict()

    def parse_once(self: Any) -> Any:
        key = _key(
            self.condition_expression,
            self.expression_attribute_names,
            self.expression_attribute_values,
        )
        found = kept.get(key)
        if found is None:
            tree = parse(self)
            kept[key] = (tree, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            if len(kept) > KEPT:
                kept.popitem(last=False)
            return tree
        kept.move_to_end(key)
        tree, names, values = found
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return tree

    ConditionExpressionParser.parse = parse_once  # type: ignore[method-assign]
    _installed = True


def _key(
    expression: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> _Key:
    return (
        expression or "",
        json.dumps(names or {}, sort_keys=True),
        json.dumps(values or {}, sort_keys=True, default=str),
    )
