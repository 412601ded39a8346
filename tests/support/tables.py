"""Tables the unit tests create on moto, made from template.yaml's own declarations.

template.yaml is the one source of the tables' keys and indexes: a table here is the
translated template's resource, created by the local stack's own deployer (local/deploy.py)
under the name a test gives it. A key or index added to the template is in the tests'
tables at once; none is copied by hand.
"""

from functools import cache
from typing import Any

import boto3

from local.deploy import Deployer
from local.template import PLACEHOLDER_PARAMETERS, TranslatedTemplate, translate

REGION = "us-east-1"


@cache
def _template() -> TranslatedTemplate:
    return translate(parameter_overrides=PLACEHOLDER_PARAMETERS)


def table_properties(logical_id: str) -> dict[str, Any]:
    """The template's declaration of a table (its CloudFormation Properties)."""
    resource = _template().resources[logical_id]
    assert resource["Type"] == "AWS::DynamoDB::Table", (logical_id, resource["Type"])
    return resource["Properties"]


def create_table(logical_id: str, name: str) -> Any:
    """The template's table `logical_id`, created on moto (inside `mock_aws`) as `name`."""
    deployer = Deployer(_template(), stack_name="tests", region=REGION)
    # The deployer's own table provisioner: keys, indexes, billing, TTL as the stack has
    # them. The tables' properties hold no intrinsic; resolving them keeps it so.
    properties = deployer.resolver.resolve(table_properties(logical_id))
    deployer._table(logical_id, properties | {"TableName": name})
    return boto3.resource("dynamodb", region_name=REGION).Table(name)


def create_registry_table(name: str) -> Any:
    """The built-in registry's single table (RegistryTable): keys pk and sk."""
    return create_table("RegistryTable", name)


def create_generated_table(name: str) -> Any:
    """The generated templates' table (GeneratedTable): by id, byTemplate newest first."""
    return create_table("GeneratedTable", name)


def create_campaigns_table(name: str) -> Any:
    """The campaigns table (CampaignsTable): keyed by id."""
    return create_table("CampaignsTable", name)


def create_resources_table(name: str) -> Any:
    """The resources table (ResourcesTable): by id, searched newest first."""
    return create_table("ResourcesTable", name)
