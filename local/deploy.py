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
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

import boto3

from local.auth import JwtConfiguration
from local.intrinsics import Resolver, references
from local.template import FunctionSource, TranslatedTemplate

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


@dataclass(frozen=True)
class DeployedFunction:
    logical_id: str
    name: str
    arn: str
    source: FunctionSource
    environment: dict[str, str]


#: The route API Gateway sends what no other route matches (SAM: `Path: $default`).
DEFAULT_ROUTE = "$default"
#: The HTTP API's ApiEndpoint here: loopback, at whatever port it is served on.
LOOPBACK_API_ENDPOINT = "http://127.0.0.1:*"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function_logical_id: str
    #: the route's authorizer (a key of DeployedStack.authorizers), None when it is open
    authorizer: str | None = None
    #: authorization scopes the route asks of the token (one of them), if any
    scopes: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        return self.path == DEFAULT_ROUTE

    @property
    def key(self) -> str:
        """The route key of API Gateway's events: `POST /a/b`, or `$default`."""
        return DEFAULT_ROUTE if self.is_default else f"{self.method} {self.path}"

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{([^}/]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.path))
        regex = re.sub(r"\\\{([^}/+]+)\\\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}$")


@dataclass
class DeployedStack:
    name: str
    region: str
    physical_ids: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    functions: dict[str, DeployedFunction] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    #: the HTTP API's JWT authorizers by name (issuer and audiences resolved)
    authorizers: dict[str, JwtConfiguration] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, str]:
        return {
            logical: self.physical_ids[logical]
            for logical, kind in self.types.items()
            if kind == resource_type
        }


def physical_name(stack: str, logical_id: str, limit: int = 64) -> str:
    # CloudFormation appends a random suffix; a stable one keeps local runs reproducible.
    suffix = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    return f"{stack}-{logical_id[: max(1, limit - len(stack) - 14)]}-{suffix}"


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
        if block := p.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
        if versioning := p.get("VersioningConfiguration"):
            # Enabled keeps every version: the create flow reads the version it pinned.
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
            )
        if encryption := p.get("BucketEncryption"):
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule[
                                "ServerSideEncryptionByDefault"
                            ]
                        }
                        for rule in encryption["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if cors := p.get("CorsConfiguration"):
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]},
            )
        if lifecycle := p.get("LifecycleConfiguration"):
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in lifecycle["Rules"]]},
            )
        if notifications := p.get("NotificationConfiguration"):
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "LambdaFunctionConfigurations": [
                        _lambda_notification(config)
                        for config in notifications.get("LambdaConfigurations", [])
                    ]
                },
            )
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
        # SAM writes the HttpApi's Auth into the OpenAPI body: the authorizers as security
        # schemes, each route's as its `security` (`NONE`: open).
        schemes = p["Body"].get("components", {}).get("securitySchemes", {})
        for name, scheme in schemes.items():
            self.stack.authorizers[name] = _jwt_authorizer(name, scheme)
        function_by_arn = {f.arn: f.logical_id for f in self.stack.functions.values()}
        for path, methods in p["Body"].get("paths", {}).items():
            for method, operation in methods.items():
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                arn = uri.split("/functions/", 1)[1].removesuffix("/invocations")
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                authorizer, scopes = _route_security(operation.get("security") or [], schemes)
                self.stack.routes.append(
                    Route(verb, path, function_by_arn[arn], authorizer, tuple(scopes))
                )
        api_id = hashlib.sha256(f"{self.stack.name}/{logical_id}".encode()).hexdigest()[:10]
        self._created(logical_id, api_id)


def _jwt_authorizer(name: str, scheme: dict[str, Any]) -> JwtConfiguration:
    authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
    if authorizer.get("type") != "jwt":
        raise NotImplementedError(
            f"the local stack emulates JWT authorizers only, not {name} "
            f"({authorizer.get('type') or scheme.get('type')})"
        )
    configuration = authorizer["jwtConfiguration"]
    audience = configuration.get("audience") or []
    return JwtConfiguration(
        name=name,
        issuer=str(configuration["issuer"]),
        audience=tuple(str(item) for item in audience),
        identity_source=str(authorizer.get("identitySource", "$request.header.Authorization")),
    )


def _route_security(
    security: list[dict[str, list[str]]], schemes: dict[str, Any]
) -> tuple[str | None, list[str]]:
    for requirement in security:
        for name, scopes in requirement.items():
            if name == "NONE":
                return None, []
            if name not in schemes:
                raise NotImplementedError(f"a route names the authorizer {name}, not declared")
            return name, list(scopes or [])
    return None, []


def _placeholder_zip() -> bytes:
    # moto wants code to store; the local stack runs the function from functions/ instead.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "run in-process by the local stack from functions/")
    return buffer.getvalue()


#: The keys of a CloudFormation lifecycle Rule that _lifecycle_rule translates.
_LIFECYCLE_KEYS = frozenset(
    {
        "Id",
        "Status",
        "Prefix",
        "ExpirationInDays",
        "ExpiredObjectDeleteMarker",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionExpirationInDays",
        "AbortIncompleteMultipartUpload",
    }
)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle Rule as S3's PutBucketLifecycleConfiguration spells it.
    A key not translated here is refused: a rule the local bucket silently lacked would
    make its tests pass for a bucket AWS configures otherwise."""
    unknown = set(rule) - _LIFECYCLE_KEYS
    if unknown:
        raise NotImplementedError(
            f"the local stack cannot translate lifecycle rule {rule.get('Id')!r}: "
            f"{', '.join(sorted(unknown))}"
        )
    converted: dict[str, Any] = {
        "ID": rule.get("Id", "rule"),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif str(rule.get("ExpiredObjectDeleteMarker", "")).lower() == "true":
        # (CloudFormation takes it only without ExpirationInDays, as S3 does.)
        converted["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if "NoncurrentVersionExpirationInDays" in rule:  # the older spelling
        noncurrent.setdefault("NoncurrentDays", rule["NoncurrentVersionExpirationInDays"])
    if noncurrent:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(noncurrent["NoncurrentDays"])
        } | (
            {"NewerNoncurrentVersions": int(noncurrent["NewerNoncurrentVersions"])}
            if "NewerNoncurrentVersions" in noncurrent
            else {}
        )
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return converted


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation CorsRule as S3's API spells it."""
    names = {
        "Id": "ID",
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "MaxAge": "MaxAgeSeconds",
    }
    converted = {names[key]: value for key, value in rule.items()}
    if "MaxAgeSeconds" in converted:
        converted["MaxAgeSeconds"] = int(converted["MaxAgeSeconds"])
    return converted


def _lambda_notification(config: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "LambdaFunctionArn": config["Function"],
        "Events": [config["Event"]],
    }
    if rules := config.get("Filter", {}).get("S3Key", {}).get("Rules"):
        converted["Filter"] = {"Key": {"FilterRules": rules}}
    return converted
