"""What every DynamoDB adapter needs: number conversion, paged queries, batch reads."""

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from project_factory.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import BatchGetItemOutputServiceResourceTypeDef

_BATCH_GET_LIMIT = 100
_UNPROCESSED_ROUNDS = 6


def to_dynamo(value: Any) -> Any:
    """DynamoDB refuses floats: numbers become Decimal (bools stay bools), recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [to_dynamo(item) for item in value]
    if isinstance(value, dict):
        return {str(name): to_dynamo(item) for name, item in value.items()}
    return value


def plain(value: Any) -> Any:
    """A value read from a table with its Decimals as int (when whole) or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items()}
    return value


def error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def conditional_write(write: Callable[[], Any], store: str) -> bool:
    """Whether a conditional write was made: False when its condition did not hold (what
    it was conditioned on moved); throttling and outages are TransientError."""
    from botocore.exceptions import ClientError

    from project_factory.adapters.aws_errors import outage_is_transient

    try:
        with outage_is_transient(store):
            write()
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def query_all(table: "Table", arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a Query returns, page after page, in the index's order."""
    arguments = dict(arguments)
    while True:
        page = table.query(**arguments)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_get(table: "Table", keys: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The items that exist for these keys, read consistently, in any order.

    100 keys a call. Keys left unprocessed, and a call refused as throttled or failed with
    a 5xx once the SDK's own retries are spent, are sent again with a short backoff, a
    bounded number of times: DynamoDB does both under load, and a read that stays refused
    is transient. (A read is safe to repeat, and the last look before a row is reported
    NOT_CREATED is one: it must outlast a throttled moment, not fail on it.)
    """
    unique = list({tuple(sorted(key.items())): key for key in keys}.values())
    found: list[dict[str, Any]] = []
    for start in range(0, len(unique), _BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            table.name: {"Keys": unique[start : start + _BATCH_GET_LIMIT], "ConsistentRead": True}
        }
        refusal = "stayed unprocessed"
        for round_number in range(_UNPROCESSED_ROUNDS):
            if round_number:
                time.sleep(0.05 * 2**round_number)
            answer = _batch_get_round(table, request)
            if answer is None:
                refusal = "stayed refused"
                continue
            found += answer.get("Responses", {}).get(table.name, [])
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise TransientError(f"reads of {table.name} {refusal}")
    return found


def _batch_get_round(
    table: "Table", request: dict[str, Any]
) -> "BatchGetItemOutputServiceResourceTypeDef | None":
    """One BatchGetItem call, or None when DynamoDB refused it for now (throttling, 5xx)."""
    from botocore.exceptions import ClientError

    from project_factory.adapters.aws_errors import TRANSIENT_CODES  # it imports error_code

    try:
        answer = table.meta.client.batch_get_item(RequestItems=request)
    except ClientError as exc:
        if error_code(exc) in TRANSIENT_CODES:
            return None
        raise
    # The stubs give a table's client the low-level shapes ({"S": ...} values), but this
    # client is the resource's own: boto3 converts its items to plain values, as the
    # service resource's BatchGetItem answers.
    return cast("BatchGetItemOutputServiceResourceTypeDef", answer)
