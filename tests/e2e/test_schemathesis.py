"""The API against its OpenAPI document: schemathesis drives every operation of
docs/openapi.json on the served stack, as an admin of a tenant of the test's own.

schemathesis runs as a command (`st run`) from its own virtualenv (.venv-schemathesis,
requirements/schemathesis.txt; `make test-tools` installs it), never imported here. The run
is bounded and reproducible: at most MAX_EXAMPLES random test cases per operation (and the
coverage phase's, which follow from the document), a fixed SEED, one worker (the same cases
in the same order), no example database (nothing replayed from an earlier run), a config of
its own and a temporary working directory (no schemathesis.toml of anybody's, no files left
behind). Every tenantId it sends is the integrator's (write_config). It reaches the
stack on loopback and nothing else: every other address goes to a proxy that does not
exist. Its JSON report says how many operations it tested, which must be every one of the
document's: a run that tests nothing fails.

PF_OPENAPI_DOC names another document (relative to the repository root, or absolute);
SCHEMATHESIS_PATH another `st`. Without `st` the tests that need it are skipped on a
developer's machine and fail in CI (CI=true), as the browser tests do without Chromium.
"""

import json
import os
import shlex
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.served_stack import REPO_ROOT, Integrator, is_loopback

OPENAPI_DOC = REPO_ROOT / os.environ.get("PF_OPENAPI_DOC", "docs/openapi.json")
SCHEMATHESIS = Path(
    os.environ.get("SCHEMATHESIS_PATH", str(REPO_ROOT / ".venv-schemathesis" / "bin" / "st"))
)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
#: random test cases per operation; with the seed, the same cases every run
MAX_EXAMPLES = 25
SEED = 20240601
#: seconds: a run of the whole document takes well under this
RUN_TIMEOUT = 240
#: seconds per request, as the integrator's read timeout
REQUEST_TIMEOUT = 30
#: the methods of an OpenAPI path item that are operations
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
#: where anything but loopback goes: a port nothing listens on (discard)
NOWHERE = "http://127.0.0.1:9"
PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})
#: every `tenantId` a request carries: query, form or JSON body, at its top or in the
#: DIGIT envelope's object (a path an operation's body does not have is left out of it)
TENANT_PARAMETERS = (
    "tenantId",
    "body.tenantId",
    "body.ResourceDetails.tenantId",
    "body.SearchCriteria.tenantId",
    "body.CampaignDetails.tenantId",
)


def missing() -> str | None:
    """What the run lacks (None: nothing)."""
    if not os.access(SCHEMATHESIS, os.X_OK):
        return (
            f"schemathesis is not installed at {SCHEMATHESIS}; `make test-tools` installs it "
            "(requirements/schemathesis.txt into .venv-schemathesis)"
        )
    return None


def require_schemathesis() -> None:
    """Skips the test without `st`, or fails it under CI."""
    problem = missing()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the schemathesis tests cannot run: {problem}", pytrace=False)
        pytest.skip(problem)


def load_document() -> dict[str, Any]:
    if not OPENAPI_DOC.is_file():
        pytest.fail(
            f"no OpenAPI document at {OPENAPI_DOC} (PF_OPENAPI_DOC names another)", pytrace=False
        )
    return json.loads(OPENAPI_DOC.read_text())


def operations(document: Mapping[str, Any]) -> list[str]:
    """The document's operations, as `METHOD /path`."""
    return [
        f"{method.upper()} {path}"
        for path, item in (document.get("paths") or {}).items()
        for method in item
        if method in HTTP_METHODS
    ]


def loopback_only_environment() -> dict[str, str]:
    """The test's environment, with every proxy variable replaced: loopback direct,
    everything else to NOWHERE."""
    environment = {
        key: value for key, value in os.environ.items() if key.lower() not in PROXY_VARIABLES
    }
    environment.update(
        http_proxy=NOWHERE,
        https_proxy=NOWHERE,
        all_proxy=NOWHERE,
        no_proxy="127.0.0.1,localhost,::1",
    )
    return environment


def write_config(path: Path, tenant_id: str) -> Path:
    """A schemathesis.toml that pins every tenantId (TENANT_PARAMETERS) to the caller's own
    tenant: with any other the admin's token is refused (403), and the answers of the
    operations themselves, not of the authorizer's check, would go unchecked. (Tenant ids
    outside the pattern, which this leaves out, are test_auth's and the unit tests'.)"""
    lines = [f'"{key}" = "{tenant_id}"\n' for key in TENANT_PARAMETERS]
    path.write_text("[parameters]\n" + "".join(lines))
    return path


def schemathesis_command(base_url: str, token: str, config: Path, report: Path) -> list[str]:
    return [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        str(OPENAPI_DOC),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]


def test_the_document_has_operations() -> None:
    # Given the OpenAPI document
    document = load_document()

    # When its operations are counted
    found = operations(document)

    # Then there is at least one (a run of an empty document would prove nothing)
    assert found, f"{OPENAPI_DOC} has no operations: {sorted(document.get('paths') or {})}"


def test_every_operation_conforms_to_the_document(integrator: Integrator, tmp_path: Path) -> None:
    # Given the document, the stack on loopback and an admin of the integrator's tenant
    require_schemathesis()
    expected = operations(load_document())
    assert is_loopback(integrator.base_url), integrator.base_url
    assert integrator.token, "the served stack gave the integrator no token"
    config = write_config(tmp_path / "schemathesis.toml", integrator.tenant_id)
    report = tmp_path / "schemathesis.json"
    command = schemathesis_command(integrator.base_url, integrator.token, config, report)
    shown = shlex.join(command).replace(integrator.token, "<token>")

    # When schemathesis runs every operation against the stack
    started = time.monotonic()
    try:
        run = subprocess.run(
            command,
            cwd=tmp_path,
            env=loopback_only_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as timeout:
        output = timeout.output or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        pytest.fail(f"{shown}\ndid not end within {RUN_TIMEOUT}s:\n{output}", pytrace=False)
    elapsed = time.monotonic() - started
    story = f"{shown}\n-> exit {run.returncode} after {elapsed:.0f}s:\n{run.stdout}"

    # Then it tested every operation of the document, not none of them
    assert report.is_file(), f"schemathesis wrote no report {report}\n{story}"
    counts = json.loads(report.read_text()).get("operations") or {}
    assert counts.get("total") == len(expected) > 0, (
        f"schemathesis found {counts.get('total')} operations, the document has "
        f"{len(expected)}: {expected}\n{story}"
    )
    assert counts.get("tested") == counts.get("selected") == len(expected), f"{counts}\n{story}"
    # And none of them answered what the document does not say
    exit_code = run.returncode
    assert exit_code == 0, story
