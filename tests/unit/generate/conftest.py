"""Fixtures for template generation: moto tables and bucket, Services with a recording workflow."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from project_factory.domain.audit import new_audit
from project_factory.domain.campaigns import Campaign, CampaignBoundary
from project_factory.wiring import Services
from tests.fakes.digit_server import FakeDigit
from tests.support.settings import wired_settings
from tests.support.tables import create_campaigns_table, create_generated_table

TENANT = "mz"
HIERARCHY = "ADMIN"
GENERATED_TABLE = "generated-test"
CAMPAIGNS_TABLE = "campaigns-test"
BUCKET = "files-test"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:template-generate"


class RecordingWorkflow:
    """The workflow port, recording what it is asked to start."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, dict[str, Any]]] = []

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> None:
        self.started.append((state_machine_arn, name, payload))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        create_generated_table(GENERATED_TABLE)
        create_campaigns_table(CAMPAIGNS_TABLE)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def workflow() -> RecordingWorkflow:
    return RecordingWorkflow()


@pytest.fixture
def services(aws: None, workflow: RecordingWorkflow) -> Services:
    settings = wired_settings(
        generated_table=GENERATED_TABLE,
        campaigns_table=CAMPAIGNS_TABLE,
        files_bucket=BUCKET,
        template_generate_state_machine_arn=STATE_MACHINE,
        template_unlocked_rows=20,
    )
    services = Services(settings)
    services.workflow = workflow
    return services


@pytest.fixture
def digit() -> Iterator[FakeDigit]:
    with FakeDigit(lifetime_seconds=30) as fake:
        yield fake


def put_campaign(services: Services, campaign_id: str, tenant_id: str = TENANT) -> None:
    """A campaign of the tests' hierarchy, for requests that name one."""
    services.campaigns.put(
        Campaign(
            id=campaign_id,
            tenantId=tenant_id,
            hierarchyType=HIERARCHY,
            name=campaign_id,
            boundaries=[CampaignBoundary(code="MZ", type="Country", isRoot=True)],
            auditDetails=new_audit("tester"),
        )
    )
