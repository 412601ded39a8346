"""The IAM policies of the translated template, per function, and a small evaluator of them.

The local stack does not enforce IAM (local/deploy.py), so the policies are checked two
ways: as written (tests/unit/test_iam_policies.py: the grants of each role, nothing wider)
and against what the functions do (tests/workflow/test_iam_usage.py: every AWS call a
flow makes on the local stack is one its function's role allows).

The evaluator knows what those checks need, no more: Allow statements (the template has
no Deny in a role), `*` and `?` in actions and resources, and the condition operators
StringEquals, StringLike and ForAllValues:StringLike. A condition key the request does not
carry fails the statement (stricter than IAM, where ForAllValues of nothing is true).
"""

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local.intrinsics import Resolver
from local.template import TranslatedTemplate

#: The role's principals: functions (Role) and state machines (RoleArn).
PRINCIPAL_TYPES = {"AWS::Lambda::Function": "Role", "AWS::StepFunctions::StateMachine": "RoleArn"}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class RolePolicy:
    """What one function's (or state machine's) role is given."""

    principal: str
    role: str
    #: AWS managed policies by ARN (SAM adds them: logs, X-Ray)
    aws_managed: tuple[str, ...]
    #: managed policies of the template, by logical id
    template_managed: tuple[str, ...]
    #: every statement: the role's inline policies and the template's managed ones, resolved
    statements: tuple[Mapping[str, Any], ...] = field(repr=False)
    #: the role's inline statements alone, resolved
    inline: tuple[Mapping[str, Any], ...] = field(repr=False, default=())


def role_policies(template: TranslatedTemplate, resolver: Resolver) -> dict[str, RolePolicy]:
    policies: dict[str, RolePolicy] = {}
    for logical_id, resource in template.resources.items():
        attribute = PRINCIPAL_TYPES.get(resource["Type"])
        if attribute is None:
            continue
        role = resource["Properties"][attribute]["Fn::GetAtt"][0]
        properties = template.resources[role]["Properties"]
        aws_managed, template_managed, statements, inline = [], [], [], []
        for arn in properties.get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and "Ref" in arn:
                managed = template.resources[arn["Ref"]]
                assert managed["Type"] == "AWS::IAM::ManagedPolicy", arn
                template_managed.append(arn["Ref"])
                statements += _listed(managed["Properties"]["PolicyDocument"]["Statement"])
            else:
                aws_managed.append(str(resolver.resolve(arn)))
        for policy in properties.get("Policies", []):
            inline += _listed(policy["PolicyDocument"]["Statement"])
        policies[logical_id] = RolePolicy(
            principal=logical_id,
            role=role,
            aws_managed=tuple(aws_managed),
            template_managed=tuple(template_managed),
            statements=tuple(resolver.resolve(statement) for statement in statements + inline),
            inline=tuple(resolver.resolve(statement) for statement in inline),
        )
    return policies


# ------------------------------------------------------------------------- evaluating


@dataclass(frozen=True)
class Request:
    """One authorisation IAM makes: an action on a resource, with its condition keys."""

    action: str
    resource: str
    context: Mapping[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        context = "".join(f" {key}={values}" for key, values in sorted(self.context.items()))
        return f"{self.action} {self.resource}{context}"


def allows(statements: Iterable[Mapping[str, Any]], request: Request) -> bool:
    return any(_grants(statement, request) for statement in statements)


def _grants(statement: Mapping[str, Any], request: Request) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if not any(
        _matches(request.action, action, case=False) for action in _listed(statement["Action"])
    ):
        return False
    if not any(_matches(request.resource, str(res)) for res in _listed(statement["Resource"])):
        return False
    return all(
        _holds(operator, key, [str(value) for value in _listed(values)], request.context)
        for operator, keys in (statement.get("Condition") or {}).items()
        for key, values in keys.items()
    )


def _matches(value: str, pattern: str, *, case: bool = True) -> bool:
    # IAM's wildcards are * and ?; fnmatch's [...] never occurs in an ARN or an action.
    return fnmatchcase(value, pattern) if case else fnmatchcase(value.lower(), pattern.lower())


def _holds(operator: str, key: str, wanted: list[str], context: Mapping[str, list[str]]) -> bool:
    given = context.get(key)
    if not given:
        return False
    match operator:
        case "StringEquals":
            return any(value in wanted for value in given)
        case "StringLike":
            return any(_matches(value, pattern) for value in given for pattern in wanted)
        case "ForAllValues:StringLike":
            return all(any(_matches(value, pattern) for pattern in wanted) for value in given)
    raise NotImplementedError(f"condition operator {operator} (key {key})")


# ------------------------------------------------------------------------- AWS calls


@dataclass(frozen=True)
class Arns:
    """How the deployed stack's names become ARNs (as AWS writes them)."""

    region: str
    account: str
    #: a KMS key id (or ARN) -> the key's ARN
    key_arn: Callable[[str], str]

    def table(self, name: str, index: str | None = None) -> str:
        arn = f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
        return f"{arn}/index/{index}" if index else arn

    def bus(self, name: str) -> str:
        return (
            name
            if name.startswith("arn:")
            else (f"arn:aws:events:{self.region}:{self.account}:event-bus/{name}")
        )


def requests_of(service: str, operation: str, request: Any, arns: Arns) -> list[Request]:
    """The authorisations one botocore request needs (before-send: url, headers, body)."""
    match service:
        case "s3":
            return _s3(operation, request)
        case "dynamodb":
            return _dynamodb(operation, _body(request), arns)
        case "kms":
            body = _body(request)
            context = {
                f"kms:EncryptionContext:{name}": [str(value)]
                for name, value in (body.get("EncryptionContext") or {}).items()
            }
            return [Request(f"kms:{operation}", arns.key_arn(str(body.get("KeyId"))), context)]
        case "sfn" | "stepfunctions" | "states":
            body = _body(request)
            return [Request(f"states:{operation}", str(body.get("stateMachineArn")))]
        case "events" | "eventbridge":
            entries = _body(request).get("Entries") or []
            buses = {arns.bus(entry.get("EventBusName") or "default") for entry in entries}
            return [Request(f"events:{operation}", bus) for bus in sorted(buses)]
        case "ssm":
            name = str(_body(request).get("Name", "")).lstrip("/")
            return [
                Request(
                    f"ssm:{operation}", f"arn:aws:ssm:{arns.region}:{arns.account}:parameter/{name}"
                )
            ]
        case "secretsmanager":
            secret = str(_body(request).get("SecretId", ""))
            if not secret.startswith("arn:"):
                secret = (
                    f"arn:aws:secretsmanager:{arns.region}:{arns.account}:secret:{secret}-AbCdEf"
                )
            return [Request(f"secretsmanager:{operation}", secret)]
    raise NotImplementedError(f"no IAM mapping for {service}.{operation}")


def _body(request: Any) -> dict[str, Any]:
    body = getattr(request, "body", None) or b"{}"
    if isinstance(body, bytes):
        body = body.decode()
    parsed = json.loads(body)
    return parsed if isinstance(parsed, dict) else {}


def _s3(operation: str, request: Any) -> list[Request]:
    bucket, key, query = _s3_target(request.url)
    versioned = "versionId" in query
    match operation:
        case "GetObject" | "HeadObject":
            action = "s3:GetObjectVersion" if versioned else "s3:GetObject"
            return [Request(action, f"arn:aws:s3:::{bucket}/{key}")]
        case "PutObject":
            return [Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")]
        case "CopyObject":
            source = unquote(request.headers["x-amz-copy-source"])
            source_path, _, source_query = source.partition("?")
            read = "s3:GetObjectVersion" if "versionId=" in source_query else "s3:GetObject"
            needed = [
                Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"),
                Request(read, f"arn:aws:s3:::{source_path.lstrip('/')}"),
            ]
            directive = request.headers.get("x-amz-tagging-directive", "COPY")
            if directive == "COPY" or request.headers.get("x-amz-tagging"):
                # Tags copied (or set) need tagging permissions on both objects.
                needed.append(Request("s3:GetObjectTagging", needed[1].resource))
                needed.append(Request("s3:PutObjectTagging", needed[0].resource))
            return needed
        case "ListObjects" | "ListObjectsV2":
            return [Request("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
        case "DeleteObject" | "DeleteObjects":
            action = "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"
            return [Request(action, f"arn:aws:s3:::{bucket}/{key}")]
    # Anything else (bucket configuration, ACLs, tags) by its own name: no role has it.
    return [Request(f"s3:{operation}", f"arn:aws:s3:::{bucket}/{key}")]


def s3_bucket(url: str) -> str:
    """The bucket of an S3 request URL, virtual-hosted or path-style."""
    return _s3_target(url)[0]


def _s3_target(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path)
    query = parse_qs(parts.query, keep_blank_values=True)
    if host.startswith("s3.") or host.startswith("s3-") or host in ("localhost", "127.0.0.1"):
        bucket, _, key = path.lstrip("/").partition("/")
    else:
        bucket, key = host.split(".s3", 1)[0], path.lstrip("/")
    return bucket, key, query


def _leading_keys(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """The partition keys (pk, or id) of typed DynamoDB items or keys."""
    keys = []
    for item in items:
        for name in ("pk", "id"):
            if name in item:
                keys.append(next(iter(item[name].values())))
                break
    return keys


def _dynamodb(operation: str, body: Mapping[str, Any], arns: Arns) -> list[Request]:
    action = f"dynamodb:{operation}"
    if operation in ("BatchGetItem", "BatchWriteItem"):
        needed = []
        for table, entries in (body.get("RequestItems") or {}).items():
            if operation == "BatchGetItem":
                items = entries.get("Keys") or []
            else:
                items = [
                    (entry.get("PutRequest") or {}).get("Item")
                    or (entry.get("DeleteRequest") or {}).get("Key")
                    for entry in entries
                ]
            context = {"dynamodb:LeadingKeys": _leading_keys(items)}
            needed.append(Request(action, arns.table(table), context))
        return needed
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return _transaction(body, arns)
    table = str(body.get("TableName"))
    item = body.get("Key") or body.get("Item") or _queried_key(body)
    context = {"dynamodb:LeadingKeys": _leading_keys([item])} if item else {}
    return [Request(action, arns.table(table, body.get("IndexName")), context)]


#: What each action of a transaction is allowed by: the permission of the single-item
#: operation it makes (AWS, "Using IAM with DynamoDB transactions").
_TRANSACTED = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "Get": "dynamodb:GetItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _transaction(body: Mapping[str, Any], arns: Arns) -> list[Request]:
    needed = []
    for entry in body.get("TransactItems") or []:
        for kind, action in entry.items():
            item = action.get("Item") or action.get("Key") or {}
            context = {"dynamodb:LeadingKeys": _leading_keys([item])}
            needed.append(Request(_TRANSACTED[kind], arns.table(str(action["TableName"])), context))
    return needed


def _queried_key(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Query's partition key value (IAM's LeadingKeys for it), from `pk = :value` in its
    key condition; None for a Query of an index (keyed otherwise) or another operation."""
    match = re.search(r"\b(pk|id)\s*=\s*(:\w+)", str(body.get("KeyConditionExpression") or ""))
    if match is None or body.get("IndexName"):
        return None
    return {match[1]: (body.get("ExpressionAttributeValues") or {}).get(match[2])}


# ------------------------------------------------------------------------- rendering


def rendered(policy: RolePolicy, short: Callable[[str], str]) -> list[str]:
    """A role's grants, one `action resource [if key=value and ...]` per line: its inline
    statements, and its managed policies by name."""
    lines = [f"managed {name}" for name in policy.template_managed]
    lines += [f"aws-managed {arn.rsplit('/', 1)[-1]}" for arn in policy.aws_managed]
    for statement in policy.inline:
        if statement["Effect"] != "Allow":
            lines.append(f"DENY {json.dumps(statement, sort_keys=True)}")
            continue
        condition = " and ".join(
            f"{key}={','.join(short(str(value)) for value in _listed(values))}"
            for keys in (statement.get("Condition") or {}).values()
            for key, values in keys.items()
        )
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                lines.append(
                    f"{action} {short(str(resource))}" + (f" if {condition}" if condition else "")
                )
    return lines


def arn_shortener(bucket_arn: str, region: str, account: str) -> Callable[[str], str]:
    """`bucket/files/*` for the files bucket, `service:rest` for this region and account."""
    prefix = re.compile(rf"^arn:aws:([a-z0-9-]+):{re.escape(region)}:{re.escape(account)}:")

    def short(arn: str) -> str:
        return prefix.sub(r"\1:", arn.replace(bucket_arn, "bucket"))

    return short
