"""The local stack's Step Functions clients: moto's interpreter makes one per service."""

import boto3
import pytest
from moto import mock_aws

from local import moto_clients


@pytest.fixture
def boto_client_for(monkeypatch):
    """moto's boto_client_for, with the patch installed afresh over boto3 itself."""
    from moto.stepfunctions.parser.asl.utils import boto_client

    # The patch replaces the module's boto3 for the whole process; the test gives it back.
    monkeypatch.setattr(boto_client, "boto3", boto3)
    monkeypatch.setattr(moto_clients, "_installed", False)
    moto_clients.install()
    with mock_aws():
        yield boto_client.boto_client_for


def test_the_interpreter_gets_the_same_client_for_the_same_service(boto_client_for):
    # Given the patch installed
    # When the interpreter asks for a Lambda client twice, as two Task states do
    first = boto_client_for("us-east-1", "lambda")
    second = boto_client_for("us-east-1", "lambda")

    # Then the second is the first, made once
    assert second is first and first.meta.service_model.service_name == "lambda"


def test_another_service_or_region_gets_a_client_of_its_own(boto_client_for):
    # Given the patch installed, and a Lambda client made in us-east-1
    lambda_here = boto_client_for("us-east-1", "lambda")

    # When the interpreter asks for S3 there, and for Lambda in another region
    s3_here = boto_client_for("us-east-1", "s3")
    lambda_there = boto_client_for("eu-west-1", "lambda")

    # Then each is its own client, for its own service and region
    assert len({id(lambda_here), id(s3_here), id(lambda_there)}) == 3
    assert (s3_here.meta.service_model.service_name, lambda_there.meta.region_name) == (
        "s3",
        "eu-west-1",
    )
