"""The local stack as a separate process, and a client that drives it over plain HTTP.

    with served_stack({"ConfirmDelaySeconds": "1"}) as stack:
        client = stack.client(tenant_id="mz.e2e1")
        file_store_id = client.upload(workbook_bytes)
        ...

`served_stack` starts `python -m local.serve` on a free loopback port with the repository
root as its working directory, output to a log file (never a pipe that can fill), and
waits until its HTTP API answers. On exit, whatever happened inside, it stops the process
(SIGTERM, then SIGKILL) and waits for it: it never leaves a process behind.

`Integrator` is what a user's script would be: `requests` with timeouts, files fetched
through the URLs the API returns, bounded polling, and a token in every API call
(`Authorization: Bearer`). The tokens come from the stack's development issuer as a client
gets them from its identity provider: each served stack gets a key file of its own
(`--dev-key`, in a temporary directory), which it creates and trusts, and `DevKey` signs
with it here (joserfc, as any client library would). Nothing here imports
`project_factory` or `local`: the test process talks to the stack, it does not host it.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Waits of the state machines are real time: these keep them at their minimum.
FAST_OVERRIDES: dict[str, str] = {
    "BackoffSeconds": "1",
    "BackoffMaxSeconds": "1",
    "ConfirmDelaySeconds": "1",
    "MaxRetries": "3",
    "RegistryTransientFailureRate": "0",
    "LogLevel": "WARNING",
}

FINAL_RESOURCE_STATUSES = frozenset(
    {"invalid", "validated", "created", "partially-created", "failed"}
)
FINAL_GENERATION_STATUSES = frozenset({"completed", "failed", "expired"})
REQUEST_INFO: dict[str, Any] = {
    "apiId": "e2e",
    "msgId": "e2e|en_IN",
    "userInfo": {"uuid": "e2e-integrator"},
}
#: connect and read timeout of every call
TIMEOUT = (3.05, 30)
#: the role the served stack's AuthAdminRoles holds by default (template.yaml)
ADMIN_ROLE = "CAMPAIGN_ADMIN"
READ_ROLE = "CAMPAIGN_VIEWER"
#: `token=MINT`: a token of the stack's issuer for the integrator's tenant, admin role
MINT = "mint"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ServedStackError(RuntimeError):
    """The stack did not come up, or stopped while it was needed."""


class ApiError(AssertionError):
    """An answer that was not what the integrator expected; says what was sent and got."""


class DevKey:
    """The served stack's development issuer, read from its key file: mints its tokens."""

    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text())
        self.path = path
        self.issuer: str = document["issuer"]
        self.audience: str = document["audience"]
        self._jwk: dict[str, Any] = document["key"]

    def mint(
        self,
        tenants: Sequence[str] = (),
        roles: Sequence[str] = (ADMIN_ROLE,),
        *,
        subject: str = "e2e-integrator",
        ttl_seconds: int = 3600,
        issued_at: float | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        header: Mapping[str, Any] | None = None,
        key: Any = None,
    ) -> str:
        """A JWT of this issuer (or, with `extra_claims`/`key`/`header`, one that lies)."""
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        signing = key or RSAKey.import_key(self._jwk)
        now = int(time.time() if issued_at is None else issued_at)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
        }
        if tenants:
            claims["tenants"] = list(tenants)
        if roles:
            claims["roles"] = list(roles)
        claims.update(extra_claims or {})
        return jwt.encode(
            {"alg": "RS256", "kid": self._jwk["kid"], **(header or {})}, claims, signing
        )


def free_port() -> int:
    """A port free on 127.0.0.1 now (the stack binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_pairs(overrides: Mapping[str, str] | Sequence[str]) -> list[str]:
    if isinstance(overrides, Mapping):
        return [f"{key}={value}" for key, value in overrides.items()]
    return list(overrides)


def _parent_death_signal() -> Callable[[], None] | None:
    """What the child runs before exec so that it is killed when the test process dies,
    however it dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG; elsewhere `stop` is all).
    SIGKILL: with nobody left to talk to, there is nothing to shut down gracefully.

    Looked up here, in the parent: the child only calls it (no imports after fork).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def die_with_parent() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGKILL))

    return die_with_parent


class ServedStack:
    """One `python -m local.serve` process and how to reach it."""

    def __init__(
        self,
        overrides: Mapping[str, str] | Sequence[str] = (),
        *,
        log_path: Path | None = None,
        startup_timeout: float = 60.0,
        auth: str = "on",
    ) -> None:
        self.overrides = _as_pairs(overrides)
        self.startup_timeout = startup_timeout
        self.log_path = log_path
        self.auth = auth
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._key_dir: Path | None = None
        self._dev_key: DevKey | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        if self.port is None:
            raise ServedStackError("the stack is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_path(self) -> Path:
        """The development issuer's key file of this stack (its own, made by the stack)."""
        if self._key_dir is None:
            self._key_dir = Path(tempfile.mkdtemp(prefix="served-stack-issuer-"))
        return self._key_dir / "dev-signing-key.json"

    @property
    def dev_key(self) -> DevKey:
        if self._dev_key is None:
            if not self.key_path.exists():
                raise ServedStackError(f"the stack has not made its key {self.key_path} yet")
            self._dev_key = DevKey(self.key_path)
        return self._dev_key

    def mint(
        self, tenants: Sequence[str] = (), roles: Sequence[str] = (ADMIN_ROLE,), **options: Any
    ) -> str:
        """A token of this stack's issuer for `tenants` with `roles` (DevKey.mint)."""
        return self.dev_key.mint(tenants, roles, **options)

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "local.serve",
            "--port",
            str(self.port),
            "--auth",
            self.auth,
            "--dev-key",
            str(self.key_path),
            "--parameter-overrides",
            *self.overrides,
        ]

    def start(self, attempts: int = 3) -> "ServedStack":
        """Starts the process and waits until it serves. The port is free when picked, but
        another process may bind it first: then the stack exits and another port is tried."""
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="served-stack-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except ServedStackError as error:
                if attempt == attempts or "Address already in use" not in str(error):
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> "ServedStack":
        self.port = free_port()
        environment = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        environment.pop("PORT", None)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: stopping it stops anything it started.
                start_new_session=True,
                # Started from the main thread: the signal follows the thread that forks.
                preexec_fn=_parent_death_signal(),
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        probe = {"RequestInfo": REQUEST_INFO, "SearchCriteria": {"tenantId": "served.ready"}}
        last = "no answer yet"
        while True:
            if not self.alive():
                raise ServedStackError(
                    f"{' '.join(self.command)} exited with {self.returncode} before serving:\n"
                    f"{self.log_tail()}"
                )
            try:
                # The key is made by the stack as it starts; then a token of it must pass.
                headers = (
                    {"Authorization": f"Bearer {self.mint(['served.ready'], [READ_ROLE])}"}
                    if self.auth == "on" and self.key_path.exists()
                    else {}
                )
                answer = requests.post(
                    f"{self.url}/project-factory/v1/data/_search",
                    json=probe,
                    headers=headers,
                    timeout=(1, 5),
                )
                # A 200 with our envelope: the API, its function and its table all answer
                # (and it is this stack, not another server that took the port).
                if answer.status_code == 200 and answer.json().get("ResourceDetails") == []:
                    return
                last = f"HTTP {answer.status_code}: {answer.text[:300]}"
            except (requests.RequestException, ValueError) as error:
                last = f"{type(error).__name__}: {error}"
            if time.monotonic() > deadline:
                raise ServedStackError(
                    f"the stack did not answer within {self.startup_timeout:.0f}s "
                    f"(last: {last}):\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM to its process group, SIGKILL after `grace_seconds`; waits for the end."""
        process = self.process
        if process is None:
            return
        try:
            if process.poll() is None:
                self._signal(signal.SIGTERM)
                try:
                    process.wait(timeout=grace_seconds)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    process.wait(timeout=grace_seconds)
        finally:
            # Anything left in its group (it starts none today) goes with it.
            self._signal(signal.SIGKILL)
            if self._key_dir is not None:
                shutil.rmtree(self._key_dir, ignore_errors=True)
                self._key_dir = None
                self._dev_key = None

    def _signal(self, number: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, number)

    def __enter__(self) -> "ServedStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ diagnostics
    def log_tail(self, lines: int = 60) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"--- last {lines} lines of {self.log_path} ---\n" + "\n".join(text[-lines:])

    def diagnostics(self) -> str:
        state = "running" if self.alive() else f"exited with {self.returncode}"
        return f"served stack pid {self.process and self.process.pid} {state}\n{self.log_tail()}"

    # ------------------------------------------------------------------ clients
    def client(
        self,
        tenant_id: str,
        *,
        roles: Sequence[str] = (ADMIN_ROLE,),
        token: str | None = MINT,
    ) -> "Integrator":
        """An integrator of `tenant_id`, with a token of this stack's issuer for that tenant
        and `roles` (an admin by default); `token=` another token, or None for none."""
        if token == MINT:
            token = self.mint([tenant_id], roles) if self.auth == "on" else None
        return Integrator(self.url, tenant_id, token=token, diagnostics=self.diagnostics)


@contextlib.contextmanager
def served_stack(
    overrides: Mapping[str, str] | Sequence[str] = (),
    *,
    log_dir: Path | None = None,
    startup_timeout: float = 60.0,
    auth: str = "on",
) -> Iterator[ServedStack]:
    """A started stack; stopped when the block ends, however it ends.

    The log goes to `log_dir` when given (and stays there); otherwise to a temporary file
    that is removed unless the block failed.
    """
    log_path = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="served-stack-", suffix=".log", dir=log_dir)
        os.close(handle)
        log_path = Path(name)
    stack = ServedStack(overrides, log_path=log_path, startup_timeout=startup_timeout, auth=auth)
    failed = True
    try:
        with stack:
            yield stack
        failed = False
    finally:
        if log_dir is None and not failed and stack.log_path is not None:
            stack.log_path.unlink(missing_ok=True)


# ---------------------------------------------------------------------- the integrator
class Integrator:
    """An integrator's script for one tenant: every call plain HTTP with timeouts."""

    def __init__(
        self,
        base_url: str,
        tenant_id: str,
        *,
        token: str | None = None,
        diagnostics: Callable[[], str] | None = None,
        poll_seconds: float = 0.25,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tenant_id = tenant_id
        self.token = token
        self.poll_seconds = poll_seconds
        self._diagnostics = diagnostics or (lambda: "")

    # ------------------------------------------------------------------ plumbing
    @property
    def headers(self) -> dict[str, str]:
        """What every API call carries: the token, as `Authorization: Bearer`."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(
        self, path: str, body: Any, *, params: Mapping[str, str] | None = None
    ) -> requests.Response:
        return requests.post(
            f"{self.base_url}{path}",
            json=body,
            params=params,
            headers=self.headers,
            timeout=TIMEOUT,
        )

    def get(self, path: str, *, params: Mapping[str, str] | None = None) -> requests.Response:
        return requests.get(
            f"{self.base_url}{path}", params=params, headers=self.headers, timeout=TIMEOUT
        )

    def expect(self, answer: requests.Response, status: int = 200) -> Any:
        """The JSON body of an answer that has `status`; else an error with both sides."""
        if answer.status_code != status:
            request = answer.request
            body = request.body or ""
            if isinstance(body, bytes):
                body = body.decode(errors="replace")
            if len(body) > 2000:
                body = body[:2000] + "..."
            raise ApiError(
                f"{request.method} {request.url} {body}\n"
                f"-> HTTP {answer.status_code} (expected {status}): {answer.text[:2000]}"
            )
        try:
            return answer.json()
        except ValueError as error:
            raise ApiError(
                f"{answer.request.url} answered non-JSON: {answer.text[:500]}"
            ) from error

    def _timeout(self, message: str) -> TimeoutError:
        return TimeoutError(f"{message}\n{self._diagnostics()}")

    # ------------------------------------------------------------------ FileStore
    def upload(
        self, data: bytes, filename: str = "upload.xlsx", module: str = "HCM-ADMIN-CONSOLE"
    ) -> str:
        """Multipart POST /filestore/v1/files; the new fileStoreId."""
        answer = requests.post(
            f"{self.base_url}/filestore/v1/files",
            data={"tenantId": self.tenant_id, "module": module},
            files={"file": (filename, data, "application/vnd.ms-excel")},
            headers=self.headers,
            timeout=TIMEOUT,
        )
        [stored] = self.expect(answer)["files"]
        assert stored["tenantId"] == self.tenant_id, stored
        return stored["fileStoreId"]

    def upload_url(self, filename: str, module: str = "HCM-ADMIN-CONSOLE") -> dict[str, Any]:
        """POST /filestore/v1/files/upload-url: a presigned POST, {fileStoreId, tenantId,
        url, method: "POST", fields, maxBytes, expiresInSeconds}."""
        return self.expect(
            self.post(
                "/filestore/v1/files/upload-url",
                {"tenantId": self.tenant_id, "fileName": filename, "module": module},
            )
        )

    @staticmethod
    def post_form(
        grant: Mapping[str, Any], data: bytes, filename: str = "upload.xlsx"
    ) -> requests.Response:
        """What a client does with a grant: a multipart form POSTed to its `url`, every
        one of its `fields` as given, then the file as the last part, named `file`. No
        token: the signed policy in the fields is the permission."""
        return requests.post(
            grant["url"],
            data=dict(grant["fields"]),
            files={"file": (filename, data, "application/vnd.ms-excel")},
            timeout=TIMEOUT,
        )

    def upload_presigned(self, data: bytes, filename: str = "upload.xlsx") -> str:
        """A presigned upload: ask for the grant, POST the form it names; the fileStoreId."""
        grant = self.upload_url(filename)
        answer = self.post_form(grant, data, filename)
        if not answer.ok:
            raise ApiError(
                f"POST {grant['url']} (presigned) -> HTTP {answer.status_code}: "
                f"{answer.text[:1000]}"
            )
        return grant["fileStoreId"]

    def file_urls(self, *file_store_ids: str) -> dict[str, str]:
        """GET /filestore/v1/files/url: fileStoreId -> the URL to fetch it from."""
        answer = self.get(
            "/filestore/v1/files/url",
            params={"tenantId": self.tenant_id, "fileStoreIds": ",".join(file_store_ids)},
        )
        return {item["id"]: item["url"] for item in self.expect(answer)["fileStoreIds"]}

    def fetch_url(self, url: str) -> bytes:
        answer = requests.get(url, timeout=TIMEOUT)
        if answer.status_code != 200:
            raise ApiError(f"GET {url} -> HTTP {answer.status_code}: {answer.text[:1000]}")
        return answer.content

    def fetch(self, file_store_id: str) -> bytes:
        """A file's bytes, fetched through the URL the API returns for it."""
        return self.fetch_url(self.file_urls(file_store_id)[file_store_id])

    # ------------------------------------------------------------------ resources
    def create_request(
        self,
        file_store_id: str,
        resource_type: str,
        *,
        action: str = "create",
        hierarchy_type: str = "ADMIN",
        campaign_id: str | None = None,
    ) -> requests.Response:
        details: dict[str, Any] = {
            "type": resource_type,
            "tenantId": self.tenant_id,
            "fileStoreId": file_store_id,
            "action": action,
            "hierarchyType": hierarchy_type,
        }
        if campaign_id:
            details["campaignId"] = campaign_id
        return self.post(
            "/project-factory/v1/data/_create",
            {"RequestInfo": REQUEST_INFO, "ResourceDetails": details},
        )

    def create(self, file_store_id: str, resource_type: str, **options: Any) -> dict[str, Any]:
        """POST _create; the accepted row (ResourceDetails)."""
        return self.expect(self.create_request(file_store_id, resource_type, **options))[
            "ResourceDetails"
        ]

    def search(self, **criteria: Any) -> list[dict[str, Any]]:
        """POST _search in this tenant; the rows (ResourceDetails)."""
        body = {
            "RequestInfo": REQUEST_INFO,
            "SearchCriteria": {"tenantId": self.tenant_id, **criteria},
        }
        return self.expect(self.post("/project-factory/v1/data/_search", body))["ResourceDetails"]

    def wait_until_final(self, resource_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Polls _search by id until the row has a final status (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = self.search(id=[resource_id])
            if rows and rows[0]["status"] in FINAL_RESOURCE_STATUSES:
                return rows[0]
            time.sleep(self.poll_seconds)
        raise self._timeout(f"resource {resource_id} not final after {timeout:.0f}s: {rows}")

    def create_and_wait(
        self, file_store_id: str, resource_type: str, timeout: float = 120.0, **options: Any
    ) -> dict[str, Any]:
        accepted = self.create(file_store_id, resource_type, **options)
        return self.wait_until_final(accepted["id"], timeout=timeout)

    # ------------------------------------------------------------------ templates
    def _template_query(
        self, template_type: str, hierarchy_type: str, campaign_id: str | None
    ) -> dict[str, str]:
        query = {"tenantId": self.tenant_id, "type": template_type, "hierarchyType": hierarchy_type}
        if campaign_id:
            query["campaignId"] = campaign_id
        return query

    def generate(
        self,
        template_type: str,
        *,
        hierarchy_type: str = "ADMIN",
        campaign_id: str | None = None,
        force: bool = False,
        filters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """POST _generate; the one GeneratedResource row it answers with."""
        params = self._template_query(template_type, hierarchy_type, campaign_id)
        params["forceUpdate"] = "true" if force else "false"
        body: dict[str, Any] = {"RequestInfo": REQUEST_INFO}
        if filters is not None:
            body["Filters"] = dict(filters)
        [row] = self.expect(self.post("/project-factory/v1/data/_generate", body, params=params))[
            "GeneratedResource"
        ]
        return row

    def download(
        self,
        template_type: str,
        *,
        hierarchy_type: str = "ADMIN",
        campaign_id: str | None = None,
        generated_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """POST _download; 0 or 1 GeneratedResource rows (it starts a generation if none)."""
        params = self._template_query(template_type, hierarchy_type, campaign_id)
        if generated_id:
            params["id"] = generated_id
        answer = self.post(
            "/project-factory/v1/data/_download", {"RequestInfo": REQUEST_INFO}, params=params
        )
        return self.expect(answer)["GeneratedResource"]

    def wait_for_template(
        self,
        template_type: str,
        *,
        hierarchy_type: str = "ADMIN",
        campaign_id: str | None = None,
        generated_id: str | None = None,
        newer_than: str | None = None,
        timeout: float = 120.0,
    ) -> dict[str, Any]:
        """Polls _download until the generation is `completed` (bounded by `timeout`).

        With `generated_id`, that generation; a failed or expired one ends the wait too,
        for the test to report. Without, the template's latest generation, which a newer
        one (a boundary change forcing a regeneration) may replace while it is polled: only
        a completed one ends the wait, and with `newer_than`, only one with another id.
        """
        deadline = time.monotonic() + timeout
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = self.download(
                template_type,
                hierarchy_type=hierarchy_type,
                campaign_id=campaign_id,
                generated_id=generated_id,
            )
            if rows and rows[0]["status"] == "completed" and rows[0]["id"] != newer_than:
                return rows[0]
            if rows and generated_id and rows[0]["status"] in FINAL_GENERATION_STATUSES:
                return rows[0]
            time.sleep(self.poll_seconds)
        raise self._timeout(
            f"template {template_type} (campaign {campaign_id}, id {generated_id}, newer "
            f"than {newer_than}) not completed after {timeout:.0f}s: {rows}"
        )

    # ------------------------------------------------------------------ campaigns
    def campaign_request(self, action: str, details: Mapping[str, Any]) -> requests.Response:
        body = {
            "RequestInfo": REQUEST_INFO,
            "CampaignDetails": {"tenantId": self.tenant_id, **details},
        }
        return self.post(f"/project-factory/v1/project-type/{action}", body)

    def create_campaign(self, **details: Any) -> dict[str, Any]:
        return self.expect(self.campaign_request("create", details))["CampaignDetails"]

    def update_campaign(self, **details: Any) -> dict[str, Any]:
        return self.expect(self.campaign_request("update", details))["CampaignDetails"]

    def search_campaigns(self, *ids: str, include_targets: bool = False) -> list[dict[str, Any]]:
        criteria: dict[str, Any] = {"ids": list(ids)}
        if include_targets:
            criteria["includeTargets"] = True
        return self.expect(self.campaign_request("search", criteria))["CampaignDetails"]


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK_HOSTS
