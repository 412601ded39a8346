"""Creates the translated template's resources on moto, in dependency order.

A small stand-in for CloudFormation: physical names like AWS gives them, intrinsics
resolved, and the gaps of moto's own CloudFormation closed here (state machine
DefinitionSubstitutions, HTTP API routes, bucket notifications, Lambda rule targets).
Resource types that change nothing locally (IAM policies are not enforced, logs and
alarms are not collected) are recorded as not emulated; an unknown type is an error, so
a template change that the local stack cannot honour is noticed at once.
"""

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from graphlib import CycleError, TopologicalSorter
from typing import Any

import boto3

from local.deploy_buckets import configure_bucket
from local.deploy_http_api import http_api_routes
from local.deployed import (
    LOOPBACK_API_ENDPOINT,
    DeployedFunction,
    DeployedStack,
    physical_name,
)
from local.intrinsics import Resolver, references
from local.template import TranslatedTemplate

ACCOUNT_ID = "123456789012"

NOT_EMULATED = frozenset(
    {
        # moto enforces bucket policies but ignores their conditions, so the TLS-only Deny
        # (aws:SecureTransport = false) would deny every request.
        "AWS::S3::BucketPolicy",
        "AWS::Lambda::Permission",
        "AWS::Lambda::LayerVersion",
        "AWS::ApiGatewayV2::Stage",
        "AWS::CloudWatch::Alarm",
        "AWS::Logs::LogGroup",
        # IAM is not enforced locally (see _role); tests/unit/test_iam_policies.py reads
        # the policies from the translated template instead.
        "AWS::IAM::ManagedPolicy",
    }
)


class Deployer:
    def __init__(self, template: TranslatedTemplate, stack_name: str, region: str) -> None:
        self.template = template
        self.stack = DeployedStack(name=stack_name, region=region)
        pseudo = {
            "AWS::StackName": stack_name,
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        self.resolver = Resolver(pseudo, template.parameter_values, self._ref, self._get_att)
        self._clients: dict[str, Any] = {}
        self._provisioners: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::S3::Bucket": self._bucket,
            "AWS::IAM::Role": self._role,
            "AWS::Lambda::Function": self._function,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Events::Rule": self._rule,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::ApiGatewayV2::Api": self._http_api,
            "AWS::KMS::Key": self._kms_key,
        }

    def deploy(self) -> DeployedStack:
        resources = self.template.resources
        graph: dict[str, set[str]] = {}
        for logical_id, resource in resources.items():
            depends = resource.get("DependsOn", [])
            depends = {depends} if isinstance(depends, str) else set(depends)
            graph[logical_id] = (references(resource.get("Properties", {})) | depends) & set(
                resources
            )
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as cycle:
            raise ValueError(f"circular dependency in template.yaml: {cycle.args[1]}") from cycle
        for logical_id in order:
            resource = resources[logical_id]
            kind = resource["Type"]
            self.stack.types[logical_id] = kind
            if kind in NOT_EMULATED:
                self.stack.physical_ids[logical_id] = physical_name(self.stack.name, logical_id)
                continue
            provision = self._provisioners.get(kind)
            if provision is None:
                raise NotImplementedError(f"the local stack cannot create {kind} ({logical_id})")
            provision(logical_id, self.resolver.resolve(resource.get("Properties", {})))
        self.stack.outputs = {
            name: str(self.resolver.resolve(output["Value"]))
            for name, output in self.template.outputs.items()
        }
        return self.stack

    # ------------------------------------------------------------------ intrinsics
    def _ref(self, logical_id: str) -> str:
        if logical_id not in self.stack.physical_ids:
            raise KeyError(f"Ref to {logical_id}, which is not created (yet)")
        return self.stack.physical_ids[logical_id]

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn" and logical_id in self.stack.arns:
            return self.stack.arns[logical_id]
        if attribute == "Name":
            return self.stack.physical_ids[logical_id].rsplit(":", 1)[-1]
        kind = self.template.resources[logical_id]["Type"]
        if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiEndpoint":
            # The HTTP API is served on loopback at a port picked when it is served
            # (local/api.py), after this: as an origin (the bucket's CORS), any port.
            return LOOPBACK_API_ENDPOINT
        if kind in NOT_EMULATED and attribute == "Arn":
            name = self._ref(logical_id)
            return f"arn:aws:{kind.split('::')[1].lower()}:{self.stack.region}:{ACCOUNT_ID}:{name}"
        raise KeyError(f"Fn::GetAtt {logical_id}.{attribute} is not known locally")

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.stack.region)
        return self._clients[service]

    def _created(self, logical_id: str, physical_id: str, arn: str | None = None) -> None:
        self.stack.physical_ids[logical_id] = physical_id
        if arn:
            self.stack.arns[logical_id] = arn

    # ------------------------------------------------------------------ provisioners
    def _table(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("TableName") or physical_name(self.stack.name, logical_id, 255)
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": p["AttributeDefinitions"],
            "KeySchema": p["KeySchema"],
            "BillingMode": p.get("BillingMode", "PROVISIONED"),
        }
        if p.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
        if p.get("SSESpecification", {}).get("SSEEnabled"):
            args["SSESpecification"] = {"Enabled": True}
        dynamodb = self._client("dynamodb")
        arn = dynamodb.create_table(**args)["TableDescription"]["TableArn"]
        if ttl := p.get("TimeToLiveSpecification"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        if p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
            dynamodb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        self._created(logical_id, name, arn)

    def _bucket(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("BucketName") or physical_name(self.stack.name, logical_id.lower(), 63)
        s3 = self._client("s3")
        s3.create_bucket(Bucket=name)
        configure_bucket(s3, name, p)
        self._created(logical_id, name, f"arn:aws:s3:::{name}")

    def _kms_key(self, logical_id: str, p: dict[str, Any]) -> None:
        # moto's KMS makes and decrypts data keys and encrypts S3 objects with the key
        # (SSE-KMS); its key policy is kept but, like IAM, not enforced locally.
        args: dict[str, Any] = {
            "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeySpec": p.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "Description": p.get("Description", logical_id),
        }
        if policy := p.get("KeyPolicy"):
            args["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
        kms = self._client("kms")
        key = kms.create_key(**args)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
        # Ref is the key id, GetAtt Arn its ARN, as in CloudFormation.
        self._created(logical_id, key["KeyId"], key["Arn"])

    def _role(self, logical_id: str, p: dict[str, Any]) -> None:
        # Roles exist so that functions and state machines can name them; IAM policies
        # are not enforced by the local stack.
        name = p.get("RoleName") or physical_name(self.stack.name, logical_id)
        role = self._client("iam").create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"])
        )
        self._created(logical_id, name, role["Role"]["Arn"])

    def _function(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("FunctionName") or physical_name(self.stack.name, logical_id)
        environment = {k: str(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()}
        created = self._client("lambda").create_function(
            FunctionName=name,
            Runtime=p["Runtime"],
            Role=p["Role"],
            Handler=p["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            Environment={"Variables": environment},
            Timeout=int(p.get("Timeout", 3)),
            MemorySize=int(p.get("MemorySize", 128)),
            Architectures=p.get("Architectures", ["x86_64"]),
        )
        self._created(logical_id, name, created["FunctionArn"])
        self.stack.functions[logical_id] = DeployedFunction(
            logical_id=logical_id,
            name=name,
            arn=created["FunctionArn"],
            source=self.template.functions[logical_id],
            environment=environment,
        )

    def _state_machine(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("StateMachineName") or physical_name(self.stack.name, logical_id, 80)
        text = self.template.definitions[logical_id]
        substitutions = p.get("DefinitionSubstitutions", {})
        definition = re.sub(
            r"\$\{([A-Za-z0-9_]+)\}", lambda m: str(substitutions[m.group(1)]), text
        )
        json.loads(definition)  # a substitution that broke the JSON fails here, not at run time
        arn = self._client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=p["RoleArn"],
            type=p.get("StateMachineType", "STANDARD"),
        )["stateMachineArn"]
        self._created(logical_id, arn, arn)

    def _event_bus(self, logical_id: str, p: dict[str, Any]) -> None:
        arn = self._client("events").create_event_bus(Name=p["Name"])["EventBusArn"]
        self._created(logical_id, p["Name"], arn)

    def _rule(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("Name") or physical_name(self.stack.name, logical_id)
        bus = p.get("EventBusName", "default")
        events = self._client("events")
        arn = events.put_rule(
            Name=name,
            EventPattern=json.dumps(p["EventPattern"]),
            EventBusName=bus,
            State=p.get("State", "ENABLED"),
        )["RuleArn"]
        events.put_targets(
            Rule=name,
            EventBusName=bus,
            Targets=[{"Id": t["Id"], "Arn": t["Arn"]} for t in p.get("Targets", [])],
        )
        self._created(logical_id, name, arn)

    def _http_api(self, logical_id: str, p: dict[str, Any]) -> None:
        authorizers, routes = http_api_routes(p["Body"], self.stack.functions.values())
        self.stack.authorizers |= authorizers
        self.stack.routes += routes
        api_id = hashlib.sha256(f"{self.stack.name}/{logical_id}".encode()).hexdigest()[:10]
        self._created(logical_id, api_id)


def _placeholder_zip() -> bytes:
    # moto wants code to store; the local stack runs the function from functions/ instead.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "run in-process by the local stack from functions/")
    return buffer.getvalue()
