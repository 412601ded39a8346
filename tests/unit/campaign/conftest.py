"""Fixtures for child-campaign templates: moto tables (generated, campaigns, resources,
registry) and bucket, Services with a recording workflow."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from project_factory.services import Services
from project_factory.settings import Settings
from tests.support.tables import create_registry_table
from tests.unit.generate.conftest import (
    RecordingWorkflow,
    create_campaigns_table,
    create_generated_table,
)

GENERATED_TABLE = "generated-test"
CAMPAIGNS_TABLE = "campaigns-test"
RESOURCES_TABLE = "resources-test"
REGISTRY_TABLE = "registry-test"
BUCKET = "files-test"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:template-generate"
#: Empty rows below the pre-filled ones: few, the tests fill two or three.
UNLOCKED_ROWS = 8


@pytest.fixture
def services() -> Iterator[Services]:
    with mock_aws():
        create_generated_table(GENERATED_TABLE)
        create_campaigns_table(CAMPAIGNS_TABLE)
        create_resources_table(RESOURCES_TABLE)
        create_registry_table(REGISTRY_TABLE)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        services = Services(
            Settings(
                generated_table=GENERATED_TABLE,
                campaigns_table=CAMPAIGNS_TABLE,
                resources_table=RESOURCES_TABLE,
                registry_table=REGISTRY_TABLE,
                files_bucket=BUCKET,
                template_generate_state_machine_arn=STATE_MACHINE,
                template_unlocked_rows=UNLOCKED_ROWS,
            )
        )
        services.workflow = RecordingWorkflow()
        yield services


def _table(name: str, keys: list[tuple[str, str]], indexes: dict[str, list[str]]) -> Any:
    attributes = {key for key, _ in keys} | {key for index in indexes.values() for key in index}
    return boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in keys],
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"} for attribute in sorted(attributes)
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, (hash_key, range_key) in indexes.items()
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def create_resources_table(name: str) -> Any:
    """The resources table as template.yaml declares it: by id, searched newest first."""
    return _table(
        name,
        [("id", "HASH")],
        {
            "byTenant": ["tenantId", "createdKey"],
            "byTenantType": ["tenantType", "createdKey"],
            "byCampaign": ["campaignKey", "createdKey"],
        },
    )
