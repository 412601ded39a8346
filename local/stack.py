"""LocalStack: template.yaml running on moto in this process.

    with LocalStack(parameter_overrides={"MaxRetries": "2"}) as stack:
        with stack.http_api() as url:
            ...

Each LocalStack is a fresh account: new moto backends, and handlers imported anew on
their first invocation (a cold start), so the settings they read belong to this stack.
Its S3 is served on loopback too (`s3_url`, `local/s3_server.py`), and the handlers sign
their presigned URLs for that address (FILES_PUBLIC_ENDPOINT), so a URL the API hands out
works from any process on the machine.

Its HTTP API checks tokens as API Gateway's JWT authorizer does (local/auth.py). Unless
AuthIssuer and AuthAudience are overridden, it trusts the development issuer of
`dev_key_path` (the machine's `.local/dev-signing-key.json` by default, made on first use),
whose tokens `make token` mints. `auth="off"` turns every check off, for tests of other
things: the HTTP API passes requests without a token or claims, the functions get
AUTH_MODE=off, and both say so in a warning.
"""

import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import boto3

from local.api import LocalHttpApi
from local.auth import DEV_AUDIENCE, DEV_ISSUER, DevIssuer, authorizers_for
from local.deploy import Deployer
from local.deployed import DeployedStack
from local.lambdas import InProcessRuntime, activate
from local.s3_server import LoopbackS3
from local.template import TranslatedTemplate, translate

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}
FINAL_EXECUTION_STATES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
_log = logging.getLogger("local.stack")


class LocalStack:
    def __init__(
        self,
        parameter_overrides: dict[str, str] | None = None,
        stack_name: str = "pf-local",
        region: str = "us-east-1",
        s3_port: int = 0,
        auth: Literal["on", "off"] = "on",
        dev_key_path: Path | str | None = None,
    ) -> None:
        if auth not in ("on", "off"):
            raise ValueError(f"auth is on or off, not {auth!r}")
        self.auth = auth
        self.dev_issuer: DevIssuer | None = None
        if auth == "on":
            self.dev_issuer = DevIssuer.load_or_create(dev_key_path)
            issuer, audience = self.dev_issuer.issuer, self.dev_issuer.audience
        else:
            issuer, audience = DEV_ISSUER, DEV_AUDIENCE
        # The development issuer unless the caller names another (as for sam deploy).
        self.parameter_overrides = {"AuthIssuer": issuer, "AuthAudience": audience} | (
            parameter_overrides or {}
        )
        self.stack_name = stack_name
        self.region = region
        self.s3_port = s3_port
        self.template: TranslatedTemplate | None = None
        self.deployed: DeployedStack | None = None
        self.runtime: InProcessRuntime | None = None
        self._mock: Any = None
        self._s3: LoopbackS3 | None = None
        self._saved_environ: dict[str, str] = {}

    def __enter__(self) -> "LocalStack":
        from moto import mock_aws

        # Known and documented (README, local stack): moto's interpreter ignores
        # ToleratedFailurePercentage, and handlers without metrics on a path need not warn.
        logging.getLogger("moto.stepfunctions.parser.asl.parse.preprocessor").setLevel(
            logging.ERROR
        )
        warnings.filterwarnings("ignore", message="No application metrics to publish")

        self._saved_environ = dict(os.environ)
        os.environ.update(_FAKE_CREDENTIALS)
        # One process hosts every function here, so Powertools' Metrics (one metric set per
        # process) would be flushed by concurrent invocations at once and raise. CloudWatch
        # is not emulated: the metrics are off unless asked for.
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = self.region
        if self.auth == "off":
            # Read by the API functions' settings (project_factory/auth.py), which warn too.
            os.environ["AUTH_MODE"] = "off"
            _log.warning(
                "authentication is OFF for this local stack: no token is checked and every "
                "caller may do anything in every tenant (tests of other things only)"
            )
        else:
            os.environ.pop("AUTH_MODE", None)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        try:
            self.template = translate(parameter_overrides=self.parameter_overrides)
            self.deployed = Deployer(self.template, self.stack_name, self.region).deploy()
            buckets = self.deployed.of_type("AWS::S3::Bucket").values()
            self._s3 = LoopbackS3(buckets, port=self.s3_port).start()
            # Read by the handlers' settings, loaded at their first invocation (after this).
            os.environ["FILES_PUBLIC_ENDPOINT"] = self._s3.url
            self.runtime = InProcessRuntime(self.deployed)
            activate(self.runtime)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runtime is not None:
            self.runtime.shutdown()
        activate(None)
        if self._s3 is not None:
            self._s3.stop()
            self._s3 = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        os.environ.clear()
        os.environ.update(self._saved_environ)

    # ------------------------------------------------------------------ lookups
    @property
    def stack(self) -> DeployedStack:
        if self.deployed is None:
            raise RuntimeError("the local stack is not running")
        return self.deployed

    @property
    def s3_url(self) -> str:
        """The stack's S3 on 127.0.0.1, where its presigned URLs point."""
        if self._s3 is None:
            raise RuntimeError("the local stack is not running")
        return self._s3.url

    def physical_id(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)

    def settle(self, timeout: float = 60.0) -> None:
        """Waits for asynchronous invocations (S3 notifications, EventBridge targets)."""
        assert self.runtime is not None
        self.runtime.settle(timeout)

    @contextmanager
    def http_api(self, port: int = 0) -> Iterator[str]:
        """Serves the HTTP API on 127.0.0.1 (port 0: any free port); yields its URL."""
        assert self.runtime is not None
        authorizers = (
            authorizers_for(self.stack.authorizers, self.dev_issuer) if self.auth == "on" else None
        )
        with LocalHttpApi(self.stack, self.runtime, authorizers).serve(port=port) as url:
            yield url

    def wait_for_execution(self, execution_arn: str, timeout: float = 120.0) -> dict[str, Any]:
        """Polls until the execution has ended; returns describe_execution."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in FINAL_EXECUTION_STATES:
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout}s")
            time.sleep(0.05)

    def execution_arn(self, state_machine_logical_id: str, name: str) -> str:
        machine = self.physical_id(state_machine_logical_id)
        return machine.replace(":stateMachine:", ":execution:") + f":{name}"

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = sfn.get_execution_history(
                executionArn=execution_arn,
                maxResults=1000,
                **({"nextToken": token} if token else {}),
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events
