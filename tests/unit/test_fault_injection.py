"""Fault injection in the local stack's AWS (local/fault_injection.py): seeded, scoped, and
seen by the product as AWS failures (issue #10)."""

import json
import textwrap

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import fault_injection, lambdas
from local.deployed import DeployedFunction, DeployedStack
from local.fault_injection import (
    CRASH,
    S3,
    S3_ERRORS,
    THROTTLE,
    THROTTLE_CODES,
    FaultPlan,
    MotoFaults,
    s3_key,
)
from local.lambdas import FunctionError, InProcessRuntime, Invocation, ProcessExit
from local.template import FunctionSource
from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.errors import TransientError
from tests.support.tables import create_registry_table

REGISTRY = "pf-local-RegistryTable-ABC"
BUCKET = "pf-local-files-123456789012-us-east-1"


def _dynamo(operation: str, body: dict) -> tuple[str, AWSPreparedRequest]:
    request = AWSPreparedRequest(
        method="POST",
        url="https://dynamodb.us-east-1.amazonaws.com/",
        headers={},
        body=json.dumps(body).encode(),
        stream_output=False,
    )
    return f"before-send.dynamodb.{operation}", request


def _s3(operation: str, key: str) -> tuple[str, AWSPreparedRequest]:
    url = f"https://{BUCKET}.s3.amazonaws.com/{key}"
    request = AWSPreparedRequest(method="GET", url=url, headers={}, body=b"", stream_output=False)
    return f"before-send.s3.{operation}", request


def _fails(faults: MotoFaults, call: tuple[str, AWSPreparedRequest]) -> str | None:
    """The error code the call fails with, or None."""
    try:
        faults.before_call(*call)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


@pytest.fixture
def running(monkeypatch):
    """Makes the current thread run an invocation of the named function (or none)."""

    def run(function: str | None, request_id: str = "req-1") -> Invocation | None:
        invocation = Invocation(function, request_id) if function else None
        monkeypatch.setattr(fault_injection, "current_invocation", lambda: invocation)
        return invocation

    return run


# -- the plan -----------------------------------------------------------------------------


def test_a_seeded_plan_injects_the_same_calls_twice():
    plans = [FaultPlan(0.3, seed=7), FaultPlan(0.3, seed=7)]
    draws = [[plan.draw() for _ in range(200)] for plan in plans]
    assert draws[0] == draws[1]
    assert 30 < sum(draws[0]) < 90  # about 30% of 200
    assert plans[0].injected == sum(draws[0]) and plans[0].calls == 200
    other = FaultPlan(0.3, seed=8)
    assert [other.draw() for _ in range(200)] != draws[0]


def test_a_rate_of_zero_injects_nothing_and_one_injects_everything():
    assert not any(FaultPlan(0.0, seed=1).draw() for _ in range(500))
    assert all(FaultPlan(1.0, seed=1).draw() for _ in range(500))
    with pytest.raises(ValueError):
        FaultPlan(1.5, seed=1)


def test_the_same_seed_fails_the_same_calls_of_the_registry(running):
    running("CreateFunction")
    calls = [_dynamo("GetItem", {"TableName": REGISTRY, "Key": {}}) for _ in range(100)]
    outcomes = []
    for _ in range(2):
        faults = MotoFaults(REGISTRY)
        faults.inject(THROTTLE, 0.3, seed=11)
        outcomes.append([_fails(faults, call) for call in calls])
    assert outcomes[0] == outcomes[1]
    assert {code for code in outcomes[0] if code} <= set(THROTTLE_CODES)
    assert 10 < sum(code is not None for code in outcomes[0]) < 50


def test_a_rate_of_zero_fails_no_call(running):
    faults = MotoFaults(REGISTRY)
    for kind in (THROTTLE, S3, CRASH):
        faults.inject(kind, 0.0, seed=3)
    invocation = running("CreateFunction")
    faults.started(invocation)
    for _ in range(50):
        assert _fails(faults, _dynamo("PutItem", {"TableName": REGISTRY, "Item": {}})) is None
        assert _fails(faults, _s3("PutObject", "scratch/r/outcomes-0.json")) is None
    faults.returning(invocation)
    assert sum(faults.injected.values()) == 0


# -- scoping ------------------------------------------------------------------------------


def test_throttling_is_for_requests_naming_the_registry_table_only(running):
    running("ValidateFunction")
    faults = MotoFaults(REGISTRY)
    faults.inject(THROTTLE, 1.0, seed=1)
    assert _fails(faults, _dynamo("PutItem", {"TableName": "pf-local-Resources-X"})) is None
    assert _fails(faults, _dynamo("Query", {"TableName": REGISTRY})) in THROTTLE_CODES
    batch = {"RequestItems": {REGISTRY: [], "other": []}}
    assert _fails(faults, _dynamo("BatchWriteItem", batch)) in THROTTLE_CODES
    transaction = {"TransactItems": [{"Put": {"TableName": REGISTRY, "Item": {}}}]}
    assert _fails(faults, _dynamo("TransactWriteItems", transaction)) in THROTTLE_CODES
    # Calls outside any invocation too (the key claims' threads carry none).
    running(None)
    assert _fails(faults, _dynamo("PutItem", {"TableName": REGISTRY})) in THROTTLE_CODES
    assert _fails(faults, _s3("GetObject", "scratch/r/chunk-0.jsonl")) is None


def test_s3_errors_are_for_scratch_objects_of_create_and_confirm_only(running):
    faults = MotoFaults(REGISTRY)
    faults.inject(S3, 1.0, seed=1)
    codes = {code for code, _, _ in S3_ERRORS}
    for function in ("CreateFunction", "ConfirmFunction"):
        running(function)
        assert _fails(faults, _s3("GetObject", "scratch/r/chunk-0.jsonl")) in codes
        assert _fails(faults, _s3("PutObject", "files/mz/abc")) is None
    for function in ("ValidateFunction", "FinalizeFunction", None):
        running(function)
        assert _fails(faults, _s3("PutObject", "scratch/r/chunk-0.jsonl")) is None
    running("CreateFunction")
    assert _fails(faults, _dynamo("PutItem", {"TableName": REGISTRY})) is None


def test_a_crash_kills_create_invocations_only_and_every_later_call_of_them(running):
    faults = MotoFaults(REGISTRY)
    faults.inject(CRASH, 1.0, seed=5)
    # Another function never crashes.
    finalize = running("FinalizeFunction", "req-f")
    faults.started(finalize)
    for _ in range(20):
        faults.before_call(*_s3("GetObject", "scratch/r/manifest.json"))
    faults.returning(finalize)
    # A Create invocation dies within its first calls, and stays dead.
    create = running("CreateFunction", "req-c")
    faults.started(create)
    died_at = None
    for number in range(1, fault_injection.CRASH_WINDOW + 1):
        try:
            faults.before_call(*_s3("PutObject", "scratch/r/outcomes-0.json"))
        except ProcessExit:
            died_at = number
            break
    assert died_at is not None
    with pytest.raises(ProcessExit):
        faults.before_call(*_dynamo("PutItem", {"TableName": "any"}))
    assert faults.injected[CRASH] == 1


def test_a_crash_is_not_swallowed_by_an_exception_handler(running):
    faults = MotoFaults(REGISTRY)
    faults.inject(CRASH, 1.0, seed=5)
    invocation = running("CreateFunction")
    faults.started(invocation)

    def product_code() -> str:
        for _ in range(fault_injection.CRASH_WINDOW):
            try:
                faults.before_call(*_s3("PutObject", "scratch/r/outcomes-0.json"))
            except Exception:
                return "swallowed"
        return "returned"

    with pytest.raises(ProcessExit):
        product_code()


def test_an_invocation_that_makes_fewer_calls_dies_before_answering(running):
    faults = MotoFaults(REGISTRY)
    faults.inject(CRASH, 1.0, seed=5)
    invocation = running("CreateFunction")
    faults.started(invocation)
    # No AWS call at all: it dies on its way out.
    with pytest.raises(ProcessExit):
        faults.returning(invocation)


def test_clear_stops_the_faults(running):
    running("CreateFunction")
    faults = MotoFaults(REGISTRY)
    faults.inject(THROTTLE, 1.0, seed=1)
    faults.clear()
    assert _fails(faults, _dynamo("PutItem", {"TableName": REGISTRY})) is None


def test_s3_keys_are_read_from_virtual_hosted_and_path_style_urls():
    assert s3_key(f"https://{BUCKET}.s3.amazonaws.com/scratch/a%3Ab/x.json") == "scratch/a:b/x.json"
    assert s3_key(f"https://s3.amazonaws.com/{BUCKET}/scratch/x.json") == "scratch/x.json"
    assert s3_key(f"https://{BUCKET}.s3.amazonaws.com/") is None


# -- counting what reached the registry ---------------------------------------------------


def test_ref_claims_written_are_counted_per_client_reference(running):
    running("CreateFunction")
    faults = MotoFaults(REGISTRY)

    def put(pk: str, sk: str) -> dict:
        return {"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"S": sk}}}}

    class Answer:
        status_code = 200

    batch = {
        "RequestItems": {
            REGISTRY: [
                put("REF#mz#facility#res-1:2", "REF"),
                put("ENTITY#mz#facility", "F-1"),
                put("KEY#mz#facility#clinic", "KEY"),
            ],
            "other": [put("REF#mz#facility#res-1:3", "REF")],
        }
    }
    faults.after_call(*_dynamo("BatchWriteItem", batch), Answer())
    faults.after_call(*_dynamo("BatchWriteItem", batch), Answer())
    item = {"pk": {"S": "REF#mz#user#res-2:5"}, "sk": {"S": "REF"}}
    single = {"TableName": REGISTRY, "Item": item}
    faults.after_call(*_dynamo("PutItem", single), Answer())
    assert faults.ref_writes == {"res-1:2": 2, "res-2:5": 1}
    assert faults.ref_writes_for("res-1:") == {"res-1:2": 2}


# -- through moto and the local runtime ---------------------------------------------------


def test_faults_reach_the_product_through_moto_as_aws_errors(running):
    running("CreateFunction")
    with mock_aws():
        lambdas._install_moto_hooks()
        table = create_registry_table(REGISTRY)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        faults = MotoFaults(REGISTRY)
        lambdas.set_fault_hook(faults)
        try:
            faults.inject(THROTTLE, 1.0, seed=1)
            faults.inject(S3, 1.0, seed=1)
            with pytest.raises(TransientError), outage_is_transient("registry"):
                table.put_item(Item={"pk": "REF#mz#facility#r:2", "sk": "REF"})
            with pytest.raises(TransientError), outage_is_transient("files"):
                s3.put_object(Bucket=BUCKET, Key="scratch/r/x.json", Body=b"{}")
            faults.clear()
            table.put_item(Item={"pk": "REF#mz#facility#r:2", "sk": "REF"})
            s3.put_object(Bucket=BUCKET, Key="scratch/r/x.json", Body=b"{}")
            # Only the write that went through is counted.
            assert faults.ref_writes == {"r:2": 1}
            assert table.get_item(Key={"pk": "REF#mz#facility#r:2", "sk": "REF"})["Item"]
        finally:
            lambdas.set_fault_hook(None)


def test_the_runtime_reports_a_crash_as_lambda_reports_a_process_exit(tmp_path):
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            import local.lambdas

            def handler(event, context):
                try:
                    raise local.lambdas.ProcessExit("killed")
                except Exception:
                    return {"swallowed": True}
            """
        )
    )
    function = DeployedFunction(
        logical_id="CreateFunction",
        name="pf-local-CreateFunction-X",
        arn="arn:aws:lambda:us-east-1:123456789012:function:pf-local-CreateFunction-X",
        source=FunctionSource(code_dir=tmp_path, handler="app.handler", layer_dirs=()),
        environment={},
    )
    runtime = InProcessRuntime(
        DeployedStack("pf-local", "us-east-1", functions={"CreateFunction": function})
    )
    try:
        with pytest.raises(FunctionError) as raised:
            runtime.invoke(function.name, {})
        assert raised.value.payload["errorType"] == "Runtime.ExitError"
        assert "Runtime exited" in raised.value.payload["errorMessage"]
        # A dead process: the next invocation starts cold.
        assert "CreateFunction" not in runtime._modules
    finally:
        runtime.shutdown()


def test_the_runtime_tells_the_hook_which_function_runs(tmp_path):
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            import local.lambdas

            def handler(event, context):
                return {"function": local.lambdas.current_invocation().function}
            """
        )
    )
    function = DeployedFunction(
        logical_id="ConfirmFunction",
        name="pf-local-ConfirmFunction-X",
        arn="arn:aws:lambda:us-east-1:123456789012:function:pf-local-ConfirmFunction-X",
        source=FunctionSource(code_dir=tmp_path, handler="app.handler", layer_dirs=()),
        environment={},
    )
    runtime = InProcessRuntime(
        DeployedStack("pf-local", "us-east-1", functions={"ConfirmFunction": function})
    )
    seen = []

    class Hook:
        def started(self, invocation):
            seen.append(("started", invocation.function))

        def before_call(self, event_name, request):
            pass

        def after_call(self, event_name, request, response):
            pass

        def returning(self, invocation):
            seen.append(("returning", invocation.function))

    lambdas.set_fault_hook(Hook())
    try:
        assert runtime.invoke(function.name, {}) == {"function": "ConfirmFunction"}
    finally:
        lambdas.set_fault_hook(None)
        runtime.shutdown()
    assert seen == [("started", "ConfirmFunction"), ("returning", "ConfirmFunction")]
    assert lambdas.current_invocation() is None
