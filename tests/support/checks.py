"""Checks every create-flow test makes: each input row once in the processed file, with a
final status, and nothing created twice in the target."""

from collections import Counter
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.spec import SheetSpec
from tests.support.api import ProjectFactoryClient, sheet_rows

FINAL_ROW_STATUSES = {
    "CREATED",
    "INVALID",
    "FAILED",
    "NOT_CREATED",
    "VALID",
    "SKIPPED",
    "UPDATED",
    "DEACTIVATED",
}


def header(code: str) -> str:
    return load_bundled_messages().text(code, "en_IN")


def processed_rows(
    client: ProjectFactoryClient, resource: dict[str, Any], spec: SheetSpec
) -> list[dict[str, Any]]:
    data = client.download(resource["processedFileStoreId"])
    return sheet_rows(data, sheet=header(spec.data_sheet))


def assert_each_input_row_once_with_a_final_status(
    processed: list[dict[str, Any]], input_rows: list[dict[str, Any]], key_code: str
) -> None:
    key = header(key_code)
    # Same rows, same order, nothing lost, nothing added.
    assert [str(row[key]) for row in processed] == [str(row[key_code]) for row in input_rows]
    statuses = Counter(row["#status#"] for row in processed)
    assert set(statuses) <= FINAL_ROW_STATUSES, statuses


def registry_entities(stack: Any, tenant: str, resource_type: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("RegistryTable")
    )
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(f"ENTITY#{tenant}#{resource_type}")
    }
    while True:
        page = table.query(**arguments)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def assert_nothing_created_twice(entities: list[dict[str, Any]]) -> None:
    references = Counter(entity["clientReferenceId"] for entity in entities)
    assert all(count == 1 for count in references.values()), references.most_common(3)
