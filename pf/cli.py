"""`pf`: upload, create, follow, retry, generate and download from a terminal.

Every command speaks the HTTP API. With --api-url (or PF_API_URL) it is a running stack's,
with --token (or PF_TOKEN) carried as `Authorization: Bearer`; --dev-token mints one of the
machine's development issuer instead, for a `make serve` stack. Without --api-url the
command brings up the embedded local stack for its own length (pf/embedded.py).

Exit codes are pf/outcome.py's. `--json` prints the answer as JSON on stdout (progress, if
any, goes to stderr). Errors show the API's code and message, never a traceback.
"""

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import requests
import typer
from rich.console import Console
from rich.table import Table

from pf.client import ApiClient, ApiError
from pf.embedded import Endpoint, embedded_stack
from pf.embedded import dev_token as mint_dev_token
from pf.follow import follow
from pf.outcome import EXIT_DONE, EXIT_ERROR, api_exit_code, run_exit_code

app = typer.Typer(
    help="project-factory from a terminal: every command speaks its HTTP API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
errors = Console(stderr=True)

RESOURCE_TYPES = ("facility", "user", "boundary", "boundaryWithTarget")
_FINAL_GENERATIONS = frozenset({"completed", "failed", "expired"})
_COUNTS = (
    "total",
    "created",
    "updated",
    "deactivated",
    "skipped",
    "invalid",
    "failed",
    "notCreated",
    "attempts",
)

Tenant = Annotated[str, typer.Option("--tenant", "-t", help="tenant id, e.g. mz")]
Hierarchy = Annotated[str, typer.Option("--hierarchy", help="boundary hierarchy type")]
Campaign = Annotated[str | None, typer.Option("--campaign", help="campaign id")]
Output = Annotated[Path, typer.Option("--output", "-o", help="where to write the file")]


@dataclass
class Session:
    """What the global options say: where the API is, the token, how to answer."""

    api_url: str | None
    token: str | None
    dev_token: bool
    poll_seconds: float
    as_json: bool
    #: where tables and bars go: stdout, or stderr when stdout is for --json
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        self.console = errors if self.as_json else Console()

    @contextmanager
    def client(self, tenant_id: str) -> Iterator[ApiClient]:
        with self._endpoint(tenant_id) as endpoint:
            yield ApiClient(endpoint.url, endpoint.token)

    def _endpoint(self, tenant_id: str) -> AbstractContextManager[Endpoint]:
        if self.api_url is None:
            errors.print("[dim]no --api-url: bringing up the embedded local stack ...[/dim]")
            return embedded_stack(tenant_id)
        token = mint_dev_token(tenant_id) if self.dev_token else self.token
        return _fixed(Endpoint(self.api_url, token))

    def emit(self, value: Any) -> None:
        if self.as_json:
            print(json.dumps(value, indent=2, default=str))


@contextmanager
def _fixed(endpoint: Endpoint) -> Iterator[Endpoint]:
    yield endpoint


@app.callback()
def connect(
    context: typer.Context,
    api_url: Annotated[
        str | None, typer.Option(envvar="PF_API_URL", help="a running stack's API")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="PF_TOKEN", help="bearer token for --api-url")
    ] = None,
    dev_token: Annotated[
        bool, typer.Option(help="mint a token of this machine's development issuer")
    ] = False,
    poll_seconds: Annotated[float, typer.Option(min=0.05, help="seconds between polls")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
) -> None:
    context.obj = Session(api_url, token, dev_token, poll_seconds, as_json)


def _session(context: typer.Context) -> Session:
    session = context.obj
    assert isinstance(session, Session)
    return session


@contextmanager
def _answering() -> Iterator[None]:
    """A refused call, an unreachable API or a timeout: one line and an exit code."""
    try:
        yield
    except ApiError as error:
        errors.print(f"[bold red]{error.code}[/bold red]: {error.message} (HTTP {error.status})")
        raise typer.Exit(api_exit_code(error.status)) from error
    except requests.RequestException as error:
        errors.print(f"[bold red]API_UNREACHABLE[/bold red]: {error}")
        raise typer.Exit(EXIT_ERROR) from error
    except (TimeoutError, RuntimeError) as error:
        errors.print(f"[bold red]ERROR[/bold red]: {error}")
        raise typer.Exit(EXIT_ERROR) from error


# ---------------------------------------------------------------------- files in
@app.command()
def create(
    context: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    resource_type: Annotated[str, typer.Option("--type", help=" | ".join(RESOURCE_TYPES))],
    tenant: Tenant,
    hierarchy: Hierarchy,
    campaign: Campaign = None,
    validate_only: Annotated[bool, typer.Option(help="validate, create nothing")] = False,
) -> None:
    """Upload FILE, start the run, follow it, and save NAME.processed.xlsx beside it."""
    if resource_type not in RESOURCE_TYPES:
        raise typer.BadParameter(f"one of {', '.join(RESOURCE_TYPES)}", param_hint="--type")
    session = _session(context)
    with _answering(), session.client(tenant) as client:
        file_store_id = client.upload(tenant, file.read_bytes(), file.name)
        row = client.create(
            {
                "type": resource_type,
                "tenantId": tenant,
                "fileStoreId": file_store_id,
                "hierarchyType": hierarchy,
                "action": "validate" if validate_only else "create",
                **({"campaignId": campaign} if campaign else {}),
            }
        )
        session.console.print(f"resource [bold]{row['id']}[/bold] accepted")
        final = _follow(client, session, tenant, row["id"])
        saved = _save_processed(client, final, file.with_name(f"{file.stem}.processed.xlsx"))
    _finish(session, final, saved)


@app.command()
def retry(
    context: typer.Context,
    resource_id: Annotated[str, typer.Argument(help="the resource to resume")],
    tenant: Tenant,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Resume a create that ended with rows not created (the same file, the same rows)."""
    session = _session(context)
    with _answering(), session.client(tenant) as client:
        row = client.resource(tenant, resource_id)
        keys = ("type", "tenantId", "fileStoreId", "hierarchyType", "campaignId")
        client.create({key: row[key] for key in keys if row.get(key)} | {"action": "retry"})
        final = _follow(client, session, tenant, resource_id)
        saved = _save_processed(client, final, output or Path(f"{resource_id}.processed.xlsx"))
    _finish(session, final, saved)


def _follow(client: ApiClient, session: Session, tenant: str, resource_id: str) -> Any:
    return follow(
        lambda: client.resource(tenant, resource_id),
        session.console,
        poll_seconds=session.poll_seconds,
    )


def _save_processed(client: ApiClient, row: dict[str, Any], path: Path) -> Path | None:
    file_store_id = row.get("processedFileStoreId")
    if not file_store_id:
        return None
    path.write_bytes(client.download(row["tenantId"], file_store_id))
    return path


def _finish(session: Session, row: dict[str, Any], saved: Path | None) -> None:
    session.emit(row | {"processedFile": str(saved) if saved else None})
    _summary(session.console, row, saved)
    raise typer.Exit(run_exit_code(row))


def _summary(console: Console, row: dict[str, Any], saved: Path | None) -> None:
    details = row.get("additionalDetails") or {}
    counts = details.get("counts") or {}
    table = Table(title=f"{row['type']} {row['id']}: {row['status']}")
    for name in _COUNTS:
        table.add_column(name, justify="right")
    table.add_row(*(str(counts.get(name, 0)) for name in _COUNTS))
    console.print(table)
    if error := details.get("error"):
        console.print(f"[bold red]{error.get('code')}[/bold red]: {error.get('message')}")
    for row_error in (details.get("rowErrors") or [])[:10]:
        reasons = "; ".join(str(reason) for reason in row_error.get("errors") or [])
        console.print(f"  row {row_error['row']} {row_error['status']}: {reasons}")
    if saved is not None:
        console.print(f"processed file: {saved}")


# ---------------------------------------------------------------------- looking
@app.command()
def status(
    context: typer.Context,
    resource_id: Annotated[str, typer.Argument()],
    tenant: Tenant,
) -> None:
    """One resource: its status, counts and first row errors."""
    session = _session(context)
    with _answering(), session.client(tenant) as client:
        row = client.resource(tenant, resource_id)
    session.emit(row)
    _summary(session.console, row, None)


@app.command()
def search(
    context: typer.Context,
    tenant: Tenant,
    resource_type: Annotated[str | None, typer.Option("--type")] = None,
    resource_status: Annotated[str | None, typer.Option("--status")] = None,
    campaign: Campaign = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Uploads of a tenant, newest first (paginated with --limit and --offset)."""
    session = _session(context)
    with _answering(), session.client(tenant) as client:
        rows = client.search(
            tenant,
            type=resource_type,
            status=resource_status,
            campaignId=campaign,
            limit=limit,
            offset=offset,
        )
    session.emit(rows)
    if session.as_json:
        return
    table = Table(title=f"{len(rows)} resources of {tenant} (from {offset})")
    for name in ("id", "type", "action", "status", "total", "created", "processed file"):
        table.add_column(name)
    for row in rows:
        counts = (row.get("additionalDetails") or {}).get("counts") or {}
        table.add_row(
            row["id"],
            row["type"],
            row["action"],
            row["status"],
            str(counts.get("total", "")),
            str(counts.get("created", "")),
            row.get("processedFileStoreId") or "",
        )
    session.console.print(table)


@app.command()
def download(
    context: typer.Context,
    file_store_id: Annotated[str, typer.Argument()],
    tenant: Tenant,
    output: Output,
) -> None:
    """A stored file (a processed workbook, a template) by its fileStoreId."""
    session = _session(context)
    with _answering(), session.client(tenant) as client:
        output.write_bytes(client.download(tenant, file_store_id))
    session.emit({"fileStoreId": file_store_id, "file": str(output)})
    session.console.print(f"saved {output}")


# ---------------------------------------------------------------------- templates
@app.command()
def generate(
    context: typer.Context,
    template_type: Annotated[
        str, typer.Option("--type", help="facilityWithBoundary | userWithBoundary | boundary")
    ],
    tenant: Tenant,
    hierarchy: Hierarchy,
    output: Output,
    campaign: Campaign = None,
    force: Annotated[bool, typer.Option(help="generate anew even if one exists")] = False,
) -> None:
    """Generate a template and save it once it is ready."""
    session = _session(context)
    query = {"tenantId": tenant, "type": template_type, "hierarchyType": hierarchy}
    if campaign:
        query["campaignId"] = campaign
    with _answering(), session.client(tenant) as client:
        row = client.generate(query | {"forceUpdate": str(force).lower()})
        with session.console.status(f"generating {template_type} template {row['id']} ..."):
            row = _generation(client, query, row["id"], session.poll_seconds)
        if row["status"] == "completed" and row.get("fileStoreId"):
            output.write_bytes(client.download(tenant, row["fileStoreId"]))
    session.emit(row | {"file": str(output) if row["status"] == "completed" else None})
    if row["status"] != "completed":
        reason = (row.get("additionalDetails") or {}).get("error") or row["status"]
        errors.print(f"[bold red]template {row['id']} {row['status']}[/bold red]: {reason}")
        raise typer.Exit(EXIT_ERROR)
    session.console.print(f"template {row['id']} ({row.get('count')} boundaries) in {output}")
    raise typer.Exit(EXIT_DONE)


def _generation(
    client: ApiClient,
    query: dict[str, str],
    generated_id: str,
    poll_seconds: float,
    timeout_seconds: float = 900.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        rows = client.generated(query | {"id": generated_id})
        if rows and rows[0]["status"] in _FINAL_GENERATIONS:
            return rows[0]
        time.sleep(poll_seconds)
    raise TimeoutError(f"template {generated_id} is not ready after {timeout_seconds:.0f}s")


# ---------------------------------------------------------------------- the stack
@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(context: typer.Context) -> None:
    """The local stack on 127.0.0.1, as `make serve` (its options pass through: --port ...)."""
    from pf.embedded import use_source_tree

    use_source_tree()
    from local.serve import main as serve_main

    serve_main(context.args)


def main() -> None:
    app()
