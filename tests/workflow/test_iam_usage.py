"""Least privilege that still works: every AWS call the flows make is one its function's
role allows (issue #11, item 7).

The local stack does not enforce IAM, so a grant narrowed past what the code calls would
pass every other test and fail on AWS. Here every call a function makes on the local stack
(seen where moto answers it, local/lambdas.py) is checked against that function's role in
the translated template, with the actions and resources IAM authorises it by (a HeadObject
of a version is s3:GetObjectVersion, a CopyObject needs the source's read and the copy's
put, a BatchGetItem names each table and its partition keys). The flows driven: campaigns
and a child campaign (the boundary-change event and its three generations, one failing),
facility and user files created for a campaign (credentials file), its targets set twice and
searched, an upload under
uploads/, a file that fails validation and is retried, searches and file links.
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local import lambdas
from local.deploy import ACCOUNT_ID
from local.fault_injection import _service_and_operation
from local.intrinsics import Resolver
from local.samples import facility_rows, workbook_from_rows
from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.sheets.spec import FACILITY, USER
from tests.support.iam import Arns, Request, allows, requests_of, role_policies, s3_bucket
from tests.support.targets import TARGET, filled, run_targets, target_template

PARENT_DISTRICTS = ["SHADI_A11E8E", "NERAGE_866B43"]
NEW_DISTRICTS = ["KOLO_F765D1", "MASUHI_7AB991"]


class CallRecorder:
    """A fault hook that injects nothing: it notes each AWS call of a function."""

    def __init__(self, arns: Arns) -> None:
        self._arns = arns
        self.calls: list[tuple[str, str, Request]] = []

    def started(self, invocation: Any) -> None:
        pass

    def returning(self, invocation: Any) -> None:
        pass

    def after_call(self, event_name: str, request: Any, response: Any) -> None:
        # S3 answers 404 for a missing key only to a caller that may list the bucket (else
        # 403): a 404 the code relies on needs s3:ListBucket too.
        invocation = lambdas.current_invocation()
        service, operation = _service_and_operation(event_name)
        if invocation is None or service != "s3" or getattr(response, "status_code", 0) != 404:
            return
        bucket = s3_bucket(request.url)
        needed = Request("s3:ListBucket", f"arn:aws:s3:::{bucket}")
        self.calls.append((invocation.function, f"{service}.{operation} (404)", needed))

    def before_call(self, event_name: str, request: Any) -> None:
        invocation = lambdas.current_invocation()
        if invocation is None:  # the test's own calls, the state machines' interpreter
            return
        service, operation = _service_and_operation(event_name)
        try:
            needed = requests_of(service, operation, request, self._arns)
        except NotImplementedError as unmapped:
            # Never raised into the function: the test reports it instead.
            needed = [Request(f"UNMAPPED {unmapped}", "")]
        self.calls.extend((invocation.function, f"{service}.{operation}", n) for n in needed)


@pytest.fixture(scope="module")
def recorder(stack) -> Iterator[CallRecorder]:
    deployed = stack.stack
    key_arn = deployed.arns["SecretsKey"]
    arns = Arns(
        region=stack.region,
        account=ACCOUNT_ID,
        key_arn=lambda key: key if key.startswith("arn:") else key_arn,
    )
    hook = CallRecorder(arns)
    lambdas.set_fault_hook(hook)
    try:
        yield hook
    finally:
        lambdas.set_fault_hook(None)


@pytest.fixture(scope="module")
def policies(stack):
    deployed = stack.stack
    pseudo = {
        "AWS::StackName": deployed.name,
        "AWS::Region": deployed.region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NoValue": "",
    }

    def get_att(logical_id: str, attribute: str) -> str:
        assert attribute == "Arn", (logical_id, attribute)
        return deployed.arns[logical_id]

    resolver = Resolver(
        pseudo, stack.template.parameter_values, deployed.physical_ids.__getitem__, get_att
    )
    return role_policies(stack.template, resolver)


def _district(code: str) -> dict[str, Any]:
    return {"code": code, "type": "District", "includeAllChildren": True}


def _localities(district: str, count: int) -> list[str]:
    every = BundledBoundarySource().boundaries("mz", "ADMIN")
    return [b.code for b in every if b.parent == district][:count]


def _created(client, spec, rows, campaign_id):
    answer = client.create(
        client.upload(workbook_from_rows(spec, rows)), spec.resource_type, campaignId=campaign_id
    )
    assert answer.status_code == 200, answer.text
    resource = client.wait_until_final(answer.json()["ResourceDetails"]["id"])
    assert resource["status"] == "created", resource["additionalDetails"]
    return resource


def _campaign(client, stack, name, districts, parent_id=None):
    details = {
        "name": name,
        "hierarchyType": "ADMIN",
        "boundaries": list(map(_district, districts)),
    }
    answer = client.campaign("create", details | ({"parentId": parent_id} if parent_id else {}))
    assert answer.status_code == 200, answer.text
    stack.settle()
    return answer.json()["CampaignDetails"]


def _generated(client, template_type, campaign_id):
    [row] = client.download_template(template_type, campaignId=campaign_id).json()[
        "GeneratedResource"
    ]
    return client.wait_until_generated(template_type, row["id"], campaignId=campaign_id)


def _url(client, file_store_id):
    return requests.get(
        f"{client.base_url}/filestore/v1/files/url",
        params={"tenantId": client.tenant_id, "fileStoreIds": file_store_id},
        headers=client.headers,
        timeout=30,
    )


def _drive_every_flow(client, stack) -> None:
    """The flows, each through its entry point, as a deployment sees them."""
    codes = _localities(PARENT_DISTRICTS[0], 3)
    parent = _campaign(client, stack, "Parent", PARENT_DISTRICTS)
    facilities = [
        {
            "HCM_ADMIN_CONSOLE_FACILITY_NAME": f"Store {n}",
            "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
            "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 100 + n,
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
        }
        for n, code in enumerate(codes)
    ]
    users = [
        {
            "HCM_ADMIN_CONSOLE_USER_NAME": f"User {n}",
            "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9200000000 + n,
            "HCM_ADMIN_CONSOLE_USER_ROLE": "Distributor",
            "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
        }
        for n, code in enumerate(codes)
    ]
    facility = _created(client, FACILITY, facilities, parent["id"])
    user = _created(client, USER, users, parent["id"])
    # Targets set for the parent on its template's tabs, one of them set again later, and
    # searched with the campaign.
    template = target_template(client, parent["id"])
    for target in (1000, 2000):
        targets = filled(template, lambda _code, target=target: {TARGET: target})
        assert run_targets(client, targets, parent["id"])["status"] == "created"
    searched = client.campaign("search", {"ids": [parent["id"]], "includeTargets": True})
    assert searched.status_code == 200, searched.text

    # A child campaign: the event regenerates its three templates from the parent's files
    # (with the tenant's permanent facilities); a child of a parent without users fails one.
    child = _campaign(client, stack, "Child", NEW_DISTRICTS, parent["id"])
    for template_type in ("boundary", "facilityWithBoundary", "userWithBoundary"):
        assert _generated(client, template_type, child["id"])["status"] == "completed"
    lonely = _campaign(client, stack, "Lonely", [PARENT_DISTRICTS[1]])
    lonely_child = _campaign(client, stack, "Lonely child", [NEW_DISTRICTS[1]], lonely["id"])
    assert _generated(client, "userWithBoundary", lonely_child["id"])["status"] == "failed"
    updated = client.campaign(
        "update",
        {
            "id": lonely["id"],
            "name": "Lonely",
            "hierarchyType": "ADMIN",
            "boundaries": list(map(_district, [PARENT_DISTRICTS[1], NEW_DISTRICTS[0]])),
        },
    )
    assert updated.status_code == 200, updated.text
    stack.settle()
    assert client.campaign("search", {"ids": [parent["id"], child["id"]]}).status_code == 200
    generated = client.generate("boundary", force=True)
    assert generated.status_code == 200, generated.text

    # Files: links to a processed file and a credentials file, an unknown id, an upload URL.
    assert _url(client, facility["processedFileStoreId"]).status_code == 200
    credentials = user["additionalDetails"]["credentialsFileStoreId"]
    assert _url(client, credentials).status_code == 200
    assert _url(client, "no-such-file").status_code == 404
    grant = requests.post(
        f"{client.base_url}/filestore/v1/files/upload-url",
        json={"tenantId": client.tenant_id, "fileName": "big.xlsx"},
        headers=client.headers,
        timeout=30,
    )
    assert grant.status_code == 200, grant.text

    # An upload under uploads/ starts a create of its own.
    stack.client("s3").put_object(
        Bucket=stack.physical_id("FilesBucket"),
        Key=f"uploads/{client.tenant_id}/facility/dropped.xlsx",
        Body=workbook_from_rows(FACILITY, facility_rows(2, invalid=0)),
        Metadata={"hierarchyType": "ADMIN"},
    )
    stack.settle()

    # A file that fails validation ends failed, and a retry runs it again (and fails again).
    broken = client.upload(b"not a workbook", "broken.xlsx")
    accepted = client.create(broken, "facility").json()["ResourceDetails"]
    assert client.wait_until_final(accepted["id"])["status"] == "failed"
    assert client.create(broken, "facility", action="retry").status_code == 200
    assert client.wait_until_final(accepted["id"])["status"] == "failed"

    # Searches: by tenant, type, campaign and ids.
    for criteria in ({}, {"type": "facility"}, {"campaignId": parent["id"]}, {"id": [user["id"]]}):
        assert client.search(**criteria).status_code == 200
    stack.settle()


def test_every_aws_call_of_every_flow_is_allowed_by_its_functions_role(
    client, stack, recorder, policies
):
    # Given every flow driven through the local stack, each AWS call of a function noted
    _drive_every_flow(client, stack)
    calls = recorder.calls
    # Then each call is one its function's role allows, as IAM would authorise it
    refused = sorted(
        {
            f"{function}: {call} needs {needed}"
            for function, call, needed in calls
            if not allows(policies[function].statements, needed)
        }
    )
    assert refused == []
    # and every function that touches AWS was seen doing so (the flows reached them all)
    seen = Counter(function for function, _, _ in calls)
    assert set(seen) >= {
        "DataApiFunction",
        "CampaignApiFunction",
        "FileStoreApiFunction",
        "UploadTriggerFunction",
        "BoundaryChangeFunction",
        "GenerateFunction",
        "MarkGenerationFailedFunction",
        "ValidateFunction",
        "CreateFunction",
        "FinalizeFunction",
        "MarkFailedFunction",
    }, seen
    # and the calls that need the narrow grants were among them
    actions = {(function, needed.action) for function, _, needed in calls}
    assert ("FinalizeFunction", "kms:Decrypt") in actions
    assert ("ValidateFunction", "kms:GenerateDataKey") in actions
    assert ("ValidateFunction", "s3:GetObjectVersion") in actions
    assert ("UploadTriggerFunction", "s3:GetObjectVersion") in actions
    assert ("GenerateFunction", "dynamodb:Query") in actions
    assert ("DataApiFunction", "s3:PutObject") in actions
    missing = {function for function, call, _ in calls if call.endswith("(404)")}
    assert {"FileStoreApiFunction", "FinalizeFunction", "CreateFunction"} <= missing, missing


def test_a_call_outside_the_grants_is_refused_by_the_same_check(stack, policies):
    # Given the upload trigger's role, as the check above reads it
    statements = policies["UploadTriggerFunction"].statements
    bucket = stack.physical_id("FilesBucket")
    # Then a delete, a write under uploads/ or a Scan would be refused by it
    for action, resource in (
        ("s3:DeleteObject", f"arn:aws:s3:::{bucket}/uploads/mz/facility/a.xlsx"),
        ("s3:PutObject", f"arn:aws:s3:::{bucket}/uploads/mz/facility/a.xlsx"),
        ("s3:PutLifecycleConfiguration", f"arn:aws:s3:::{bucket}"),
        ("dynamodb:Scan", stack.stack.arns["ResourcesTable"]),
    ):
        assert not allows(statements, Request(action, resource)), action
    # while what it does is allowed
    assert allows(
        statements, Request("s3:GetObjectVersion", f"arn:aws:s3:::{bucket}/uploads/mz/f/a.xlsx")
    )
