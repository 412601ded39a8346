"""Tables the unit tests create on moto, keyed as template.yaml keys them."""

from typing import Any

import boto3


def create_registry_table(name: str) -> Any:
    """The built-in registry's single table: keys pk and sk."""
    return boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
