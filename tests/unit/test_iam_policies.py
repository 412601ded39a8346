"""Least privilege, as the template writes it (issue #11, item 7).

Every role of the translated template (what SAM makes of template.yaml) is read here and
held to its function's needs: the exact grants below, no wildcard action, every resource
named (the one `*` being log delivery, which takes no ARN), nothing that deletes objects
or changes the bucket. That the grants cover what the functions really call is
tests/workflow/test_iam_usage.py's job; this file fails when a grant widens.
"""

import re
from pathlib import Path

import pytest
import yaml

from local.intrinsics import Resolver
from local.template import PLACEHOLDER_PARAMETERS, ROOT, translate
from tests.support.iam import Request, allows, arn_shortener, rendered, role_policies

PSEUDO = {
    "AWS::StackName": "STACK",
    "AWS::Region": "REGION",
    "AWS::AccountId": "ACCOUNT",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": "",
}
BUCKET = "arn:aws:s3:::STACK-files-ACCOUNT-REGION"
SHORT = arn_shortener(BUCKET, "REGION", "ACCOUNT")

#: SAM adds these AWS managed policies itself: its own log group (AWSLambdaBasicExecutionRole:
#: logs:CreateLogGroup, CreateLogStream, PutLogEvents) and traces (Tracing: Active;
#: X-Ray's write actions take no resource ARN). Nothing else of AWS's is attached.
LAMBDA_MANAGED = ["aws-managed AWSLambdaBasicExecutionRole", "aws-managed AWSXrayWriteOnlyAccess"]
STATE_MACHINE_MANAGED = ["aws-managed AWSXrayWriteOnlyAccess"]
DIGIT = ["managed DigitTokenReadPolicy"]
LIST_BUCKET = ["s3:ListBucket bucket"]
PASSWORDS = "kms:EncryptionContext:purpose=project-factory/user-passwords"
VIA_S3 = (
    "kms:ViaService=s3.REGION.amazonaws.com and "
    "kms:EncryptionContext:aws:s3:arn=bucket/credentials/*"
)


def _read(*prefixes: str) -> list[str]:
    """GetObject, and GetObjectVersion for the reads of a pinned version."""
    return [f"s3:GetObject bucket/{prefix}/*" for prefix in prefixes] + [
        f"s3:GetObjectVersion bucket/{prefix}/*" for prefix in prefixes
    ]


def _put(*prefixes: str) -> list[str]:
    return [f"s3:PutObject bucket/{prefix}/*" for prefix in prefixes]


def _logs() -> list[str]:
    actions = (
        "CreateLogDelivery GetLogDelivery UpdateLogDelivery DeleteLogDelivery "
        "ListLogDeliveries PutResourcePolicy DescribeResourcePolicies DescribeLogGroups"
    )
    return [f"logs:{action} *" for action in actions.split()]


#: The IAM table of README (Security): what each function may do, and nothing more.
EXPECTED: dict[str, list[str]] = {
    "DataApiFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "states:StartExecution states:stateMachine:STACK-resource-create",
        "states:StartExecution states:stateMachine:STACK-template-generate",
        "dynamodb:GetItem ResourcesTable.Arn",
        "dynamodb:PutItem ResourcesTable.Arn",
        "dynamodb:BatchGetItem ResourcesTable.Arn",
        "dynamodb:Query ResourcesTable.Arn/index/byTenant",
        "dynamodb:Query ResourcesTable.Arn/index/byTenantType",
        "dynamodb:Query ResourcesTable.Arn/index/byCampaign",
        "dynamodb:GetItem GeneratedTable.Arn",
        "dynamodb:PutItem GeneratedTable.Arn",
        "dynamodb:UpdateItem GeneratedTable.Arn",
        "dynamodb:Query GeneratedTable.Arn/index/byTemplate",
        "dynamodb:GetItem CampaignsTable.Arn",
    ]
    + _read("files", "scratch")
    + _put("scratch")
    + LIST_BUCKET,
    "CampaignApiFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "events:PutEvents events:event-bus/STACK-campaigns",
        "dynamodb:GetItem CampaignsTable.Arn",
        "dynamodb:PutItem CampaignsTable.Arn",
        "dynamodb:BatchGetItem CampaignsTable.Arn",
        "dynamodb:Query RegistryTable.Arn if dynamodb:LeadingKeys=TARGET#*",
    ],
    "FileStoreApiFunction": LAMBDA_MANAGED
    + _put("files")
    + _read("files", "credentials")
    + LIST_BUCKET
    + [f"kms:Decrypt SecretsKey.Arn if {VIA_S3}"],
    "FallbackFunction": LAMBDA_MANAGED,
    "ConsoleFunction": LAMBDA_MANAGED,
    "UploadTriggerFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "states:StartExecution states:stateMachine:STACK-resource-create",
        "dynamodb:GetItem ResourcesTable.Arn",
        "dynamodb:PutItem ResourcesTable.Arn",
    ]
    + _read("uploads", "files", "scratch")
    + _put("files", "scratch")
    + LIST_BUCKET,
    "BoundaryChangeFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "states:StartExecution states:stateMachine:STACK-template-generate",
        "dynamodb:GetItem GeneratedTable.Arn",
        "dynamodb:PutItem GeneratedTable.Arn",
        "dynamodb:UpdateItem GeneratedTable.Arn",
        "dynamodb:Query GeneratedTable.Arn/index/byTemplate",
        "dynamodb:GetItem CampaignsTable.Arn",
    ],
    "GenerateFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "dynamodb:GetItem GeneratedTable.Arn",
        "dynamodb:UpdateItem GeneratedTable.Arn",
        "dynamodb:GetItem CampaignsTable.Arn",
        "dynamodb:Query ResourcesTable.Arn/index/byTenantType",
        "dynamodb:Query RegistryTable.Arn",
    ]
    + _read("files")
    + _put("files")
    + LIST_BUCKET,
    "MarkGenerationFailedFunction": [
        *LAMBDA_MANAGED,
        "dynamodb:GetItem GeneratedTable.Arn",
        "dynamodb:UpdateItem GeneratedTable.Arn",
    ],
    "ValidateFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "dynamodb:GetItem ResourcesTable.Arn",
        "dynamodb:GetItem CampaignsTable.Arn",
        "dynamodb:UpdateItem ResourcesTable.Arn",
        "dynamodb:Query ResourcesTable.Arn/index/byTenantType",
        "dynamodb:BatchGetItem RegistryTable.Arn if dynamodb:LeadingKeys=KEY#*,ENTITY#*",
        "dynamodb:UpdateItem RegistryTable.Arn if dynamodb:LeadingKeys=SEQ#*",
    ]
    + _read("files", "scratch")
    + _put("scratch")
    + LIST_BUCKET
    + [f"kms:GenerateDataKey SecretsKey.Arn if {PASSWORDS}"],
    "CreateFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "dynamodb:UpdateItem ResourcesTable.Arn",
        "dynamodb:PutItem RegistryTable.Arn",
        "dynamodb:BatchWriteItem RegistryTable.Arn",
        "dynamodb:BatchGetItem RegistryTable.Arn",
        "dynamodb:DeleteItem RegistryTable.Arn if dynamodb:LeadingKeys=KEY#*",
        "dynamodb:UpdateItem RegistryTable.Arn if dynamodb:LeadingKeys=SEQ#*,TARGET#*",
    ]
    + _read("scratch")
    + _put("scratch")
    + LIST_BUCKET
    + [f"kms:Decrypt SecretsKey.Arn if {PASSWORDS}"],
    "ConfirmFunction": DIGIT
    + LAMBDA_MANAGED
    + ["dynamodb:UpdateItem ResourcesTable.Arn", "dynamodb:BatchGetItem RegistryTable.Arn"]
    + _read("scratch")
    + _put("scratch")
    + LIST_BUCKET,
    "FinalizeFunction": DIGIT
    + LAMBDA_MANAGED
    + [
        "dynamodb:GetItem ResourcesTable.Arn",
        "dynamodb:PutItem ResourcesTable.Arn",
        "dynamodb:UpdateItem ResourcesTable.Arn",
        "dynamodb:BatchGetItem RegistryTable.Arn",
    ]
    + _read("files", "scratch")
    + _put("files", "scratch", "credentials")
    + LIST_BUCKET
    + [
        f"kms:Decrypt SecretsKey.Arn if {PASSWORDS}",
        f"kms:GenerateDataKey SecretsKey.Arn if {VIA_S3}",
    ],
    "MarkFailedFunction": [
        *LAMBDA_MANAGED,
        "dynamodb:GetItem ResourcesTable.Arn",
        "dynamodb:PutItem ResourcesTable.Arn",
    ],
    "ResourceCreateStateMachine": STATE_MACHINE_MANAGED
    + [
        f"lambda:InvokeFunction lambda:function:{name}Function*"
        for name in ("Validate", "Create", "Confirm", "Finalize", "MarkFailed")
    ]
    + ["s3:GetObject bucket/scratch/*"]
    + [
        f"states:{action} states:{resource}"
        for action in ("StartExecution", "DescribeExecution", "StopExecution")
        for resource in ("stateMachine:STACK-resource-create", "execution:STACK-resource-create/*")
    ]
    + _logs(),
    "TemplateGenerateStateMachine": [
        *STATE_MACHINE_MANAGED,
        "lambda:InvokeFunction lambda:function:GenerateFunction*",
        "lambda:InvokeFunction lambda:function:MarkGenerationFailedFunction*",
        *_logs(),
    ],
}

#: The functions that call DIGIT (schemas from MDMS, boundaries, targets) and so read the
#: DIGIT token; the others never get it.
DIGIT_CALLERS = {name for name, grants in EXPECTED.items() if DIGIT[0] in grants}
#: What no role may do to the bucket: delete objects or versions, or change its lifecycle,
#: policy, versioning, ACLs, encryption, notifications, object lock or replication.
FORBIDDEN_S3 = re.compile(
    r"^s3:(Delete\w*|Put(Lifecycle|Bucket|Encryption|Replication|ObjectAcl|ObjectRetention|"
    r"ObjectLegalHold|Accelerate|Analytics|Inventory|Metrics|IntelligentTiering)\w*|"
    r"BypassGovernanceRetention|Restore\w*|CreateBucket|ReplicateObject)$"
)
UPLOAD_FUNCTIONS = ("FileStoreApiFunction", "UploadTriggerFunction")


@pytest.fixture(scope="module")
def template():
    return translate(parameter_overrides=PLACEHOLDER_PARAMETERS)


@pytest.fixture(scope="module")
def policies(template):
    resolver = Resolver(PSEUDO, {}, lambda name: name, lambda name, attr: f"{name}.{attr}")
    found = role_policies(template, resolver)
    # The tests below check every statement of every role: there must be roles, and
    # statements (some roles have AWS managed policies only: ConsoleFunction's).
    assert set(found) == set(EXPECTED)
    assert sum(len(policy.statements) for policy in found.values()) > len(found)
    return found


def test_every_role_has_exactly_the_grants_of_its_function(policies):
    # Given every function and state machine of the translated template
    # When their roles' grants are read (inline, the template's managed policies, AWS's)
    actual = {name: sorted(rendered(policy, SHORT)) for name, policy in policies.items()}
    # Then each has the grants its code needs (README's IAM table), no more and no fewer
    assert set(actual) == set(EXPECTED)
    for name, grants in EXPECTED.items():
        assert actual[name] == sorted(grants), name


def test_no_action_is_a_wildcard_and_no_statement_denies(policies):
    # Given every statement of every role
    for name, policy in policies.items():
        for statement in policy.statements:
            actions = statement["Action"]
            # Then it allows named actions only: no `*`, `s3:*`, `dynamodb:*` or `s3:Get*`
            assert statement["Effect"] == "Allow", name
            for action in actions if isinstance(actions, list) else [actions]:
                assert "*" not in action and "?" not in action, (name, action)


def test_every_resource_is_named_but_log_delivery_which_takes_no_arn(policies):
    # Given every statement of every role
    for name, policy in policies.items():
        for statement in policy.statements:
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            if "*" not in resources:
                # Then its resources are ARNs of this stack's own resources
                assert all(
                    str(resource).startswith(("arn:aws:", "bucket")) or ".Arn" in str(resource)
                    for resource in resources
                ), (name, resources)
                continue
            # ...but CloudWatch Logs' log delivery, whose actions take no ARN (Sid says so)
            assert statement.get("Sid") == "VendedLogDelivery", (name, statement)
            assert all(action.startswith("logs:") for action in statement["Action"]), (
                name,
                statement,
            )


def test_object_grants_name_a_prefix_never_the_whole_bucket(policies):
    # Given every S3 grant of every role
    grants = 0
    for name, policy in policies.items():
        for line in rendered(policy, SHORT):
            action, _, resource = line.partition(" ")
            if not action.startswith("s3:"):
                continue
            grants += 1
            # Then a bucket-level action names the bucket, an object action a prefix of it
            prefix = resource.split(" ")[0]
            if action == "s3:ListBucket":
                assert prefix == "bucket", (name, line)
            else:
                assert re.fullmatch(r"bucket/(files|scratch|uploads|credentials)/\*", prefix), (
                    name,
                    line,
                )
    # (and there were grants to check: an empty walk proves nothing)
    assert grants > 0


def test_no_function_deletes_objects_or_changes_the_bucket(policies):
    # Given every role
    for name, policy in policies.items():
        # Then none may delete an object or a version, or change the bucket's lifecycle,
        # policy, versioning, ACLs or encryption
        for statement in policy.statements:
            actions = statement["Action"]
            for action in actions if isinstance(actions, list) else [actions]:
                assert not FORBIDDEN_S3.match(action), (name, action)


@pytest.mark.parametrize("name", UPLOAD_FUNCTIONS)
def test_the_upload_functions_cannot_delete_or_reconfigure_anything(policies, name):
    # Given an upload function's role
    statements = policies[name].statements
    objects = [f"{BUCKET}/{prefix}/x" for prefix in ("files", "uploads", "scratch", "credentials")]
    # Then it cannot delete any object or version, nor change the bucket
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"):
        assert not any(allows(statements, Request(action, arn)) for arn in objects), action
    for action in (
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutBucketAcl",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketNotification",
        "s3:DeleteBucket",
    ):
        assert not allows(statements, Request(action, BUCKET)), action
    # and it writes new files only (and, for a retried upload, the run's scratch)
    assert not allows(statements, Request("s3:PutObject", f"{BUCKET}/uploads/x"))
    assert not allows(statements, Request("s3:PutObject", f"{BUCKET}/credentials/x"))


def test_only_the_owner_of_a_claim_deletes_it_and_nothing_else_is_deleted(policies):
    # Given every role
    for name, policy in policies.items():
        deletes = [line for line in rendered(policy, SHORT) if line.startswith("dynamodb:Delete")]
        # Then only Create deletes an item: a registry claim (KEY#), never a record
        expected = (
            ["dynamodb:DeleteItem RegistryTable.Arn if dynamodb:LeadingKeys=KEY#*"]
            if name == "CreateFunction"
            else []
        )
        assert deletes == expected, name
    create = policies["CreateFunction"].statements
    table = "RegistryTable.Arn"
    key = {"dynamodb:LeadingKeys": ["KEY#mz#facility#ward 1"]}
    assert allows(create, Request("dynamodb:DeleteItem", table, key))
    record = {"dynamodb:LeadingKeys": ["ENTITY#mz#facility"]}
    assert not allows(create, Request("dynamodb:DeleteItem", table, record))


def test_no_role_scans_a_table_or_reads_another_stack(policies):
    for name, policy in policies.items():
        for line in rendered(policy, SHORT):
            # Then no Scan (every read is a key, a batch of keys or a Query) ...
            assert not line.startswith("dynamodb:Scan"), (name, line)
            # ... and every ARN of a named resource is this stack's
            assert "arn:aws:" not in line.split(" if ")[0], (name, line)


# ------------------------------------------------------------------------- the DIGIT token


def test_the_digit_token_is_readable_under_the_stacks_own_prefix_only(template, policies):
    # Given the managed policy the DIGIT callers get
    statements = policies["ValidateFunction"].statements
    ssm = "arn:aws:ssm:REGION:ACCOUNT:parameter/project-factory/STACK/digit-token"
    secret = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:project-factory/STACK/digit-AbCdEf"
    # Then it reads this stack's parameter and secret ...
    assert allows(statements, Request("ssm:GetParameter", ssm))
    assert allows(statements, Request("secretsmanager:GetSecretValue", secret))
    # ... and no other stack's, nor any other name, nor by path or in bulk
    for other in (
        "arn:aws:ssm:REGION:ACCOUNT:parameter/project-factory/OTHER/digit-token",
        "arn:aws:ssm:REGION:ACCOUNT:parameter/pf/digit-token",
    ):
        assert not allows(statements, Request("ssm:GetParameter", other)), other
    assert not allows(statements, Request("ssm:GetParametersByPath", ssm))
    assert not allows(statements, Request("ssm:DescribeParameters", "*"))
    assert not allows(
        statements,
        Request(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:REGION:ACCOUNT:secret:project-factory/OTHER/x-AbCdEf",
        ),
    )


def test_only_the_functions_that_call_digit_read_its_token(policies):
    # Given the functions whose code reaches DIGIT (MDMS schemas, boundaries, targets)
    callers = {name for name, policy in policies.items() if policy.template_managed}
    # Then exactly they get the token's policy
    assert (
        callers
        == DIGIT_CALLERS
        == {
            "DataApiFunction",
            "CampaignApiFunction",
            "UploadTriggerFunction",
            "BoundaryChangeFunction",
            "GenerateFunction",
            "ValidateFunction",
            "CreateFunction",
            "ConfirmFunction",
            "FinalizeFunction",
        }
    )


@pytest.mark.parametrize(
    ("source", "taken"),
    [
        ("", True),
        ("ssm:/project-factory/pf-prod/digit-token", True),
        ("ssm:/project-factory/pf-prod/digit/token.v2", True),
        ("secretsmanager:project-factory/pf-prod/digit-token", True),
        (
            "secretsmanager:arn:aws:secretsmanager:ap-south-1:123456789012:secret:"
            "project-factory/pf-prod/digit-token-AbCdEf",
            True,
        ),
        ("ssm:/pf/digit-token", False),
        ("ssm:project-factory/pf-prod/digit-token", False),
        ("secretsmanager:pf-digit-token", False),
        ("file:/etc/digit-token", False),
        ("vault:project-factory/pf-prod/x", False),
    ],
)
def test_the_token_source_must_name_the_stacks_prefix(template, source, taken):
    # Given the template's DigitAuthTokenSource parameter
    pattern = template.parameters["DigitAuthTokenSource"]["AllowedPattern"]
    # When a source is checked against it (as sam deploy and the local stack do)
    # Then only a name under project-factory/<stack>/ (or none) is taken
    assert (re.fullmatch(pattern, source) is not None) is taken


# ------------------------------------------------------------------------- checkov


def _checkov_config() -> tuple[list[str], str]:
    text = (ROOT / ".checkov.yaml").read_text()
    return yaml.safe_load(text).get("skip-check", []), text


def test_every_checkov_skip_in_the_config_says_why():
    # Given the checks .checkov.yaml skips
    skipped, text = _checkov_config()
    lines = text.splitlines()
    assert skipped, "the config skips nothing: drop this test's premise or the config"
    for check in skipped:
        # Then each is preceded by a comment naming it and giving its reason
        [index] = [i for i, line in enumerate(lines) if line.strip() == f"- {check}"]
        comment = []
        for line in reversed(lines[:index]):
            if not line.strip().startswith("#"):
                break
            comment.insert(0, line.strip().lstrip("#").strip())
        reason = " ".join(comment)
        assert reason.startswith(check), (check, reason)
        assert len(reason) > len(check) + 60, (check, reason)


def test_every_inline_checkov_skip_in_the_template_says_why():
    # Given every checkov skip in template.yaml's resource Metadata
    from cfnlint.decode import decode

    sam, _ = decode(str(Path(ROOT / "template.yaml")))
    skips = [
        (name, skip)
        for name, resource in sam["Resources"].items()
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        # Then each names its check and carries a reason
        assert re.fullmatch(r"CKV2?_[A-Z]+_\d+", skip.get("id", "")), (name, skip)
        assert len(str(skip.get("comment", ""))) > 60, (name, skip)
