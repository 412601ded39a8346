"""moto's TransactWriteItems without a copy of every table it touches.

moto takes its rollback point by deep-copying each table a transaction names, once per
action: a claim transaction of 100 keys against a registry of 100,000 items copied ten
million items, which made the local stack quadratic in the registry's size where DynamoDB
is not. The local stack keeps moto's transaction (its conditions, its cancellation reasons)
and takes a smaller rollback point: the items the actions name, as they were. A cancelled
transaction puts those back, which is all a transaction can have changed.

It relies on every moto call being answered under the local stack's one lock
(local/lambdas.py): the module's `copy` is swapped for the length of one call.
"""

import copy
import types
from collections.abc import Iterator, Mapping
from typing import Any

from local.moto_patches import replaced

_installed = False


def install() -> None:
    """Replaces DynamoDBBackend.transact_write_items (once per process)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models

    original = replaced(
        models.DynamoDBBackend, "transact_write_items", signature="(self, transact_items)"
    )
    replaced(models, "copy")  # the module moto takes its rollback point with

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        before = list(_touched(self, transact_items))
        models.copy = _TABLES_NOT_COPIED  # type: ignore[attr-defined]
        try:
            original(self, transact_items)
        except Exception:
            _put_back(before)
            raise
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True


def _deepcopy_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    from moto.dynamodb.models.table import Table

    # A Table "copied" is the table itself: its rollback point is taken by _touched.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_TABLES_NOT_COPIED = types.SimpleNamespace(deepcopy=_deepcopy_but_tables)

_Touched = tuple[Any, Any, Any, Any]  # (table, hash value, range value, the item as it was)


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> Iterator[_Touched]:
    """Each item the actions name, as it is now (None when absent), on tables that exist;
    moto refuses the others before it writes anything."""
    for action in transact_items:
        for operation, request in action.items():
            table = backend.tables.get(request.get("TableName"))
            key = request.get("Item") if operation == "Put" else request.get("Key")
            where = _key_values(table, key) if table is not None and key else None
            if where is not None:
                item = table.get_item(*where)
                yield table, *where, copy.deepcopy(item)


def _key_values(table: Any, key: Mapping[str, Any]) -> tuple[Any, Any] | None:
    """(hash value, range value or None) of a key, or None when it lacks a key attribute."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if table.hash_key_attr not in key:
        return None
    if table.range_key_attr is None:
        return DynamoType(key[table.hash_key_attr]), None
    if table.range_key_attr not in key:
        return None
    return DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])


def _put_back(before: list[_Touched]) -> None:
    # In reverse: an item two actions name ends as it was before the first.
    for table, hash_value, range_value, item in reversed(before):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item
