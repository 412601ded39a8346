"""Fixtures for child-campaign templates: moto tables (generated, campaigns, resources,
registry) and bucket, Services with a recording workflow."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from project_factory.wiring import Services
from tests.support.settings import wired_settings
from tests.support.tables import (
    create_campaigns_table,
    create_generated_table,
    create_registry_table,
    create_resources_table,
)
from tests.unit.generate.conftest import RecordingWorkflow

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
            wired_settings(
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
