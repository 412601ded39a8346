"""What Validate writes to scratch of each row: its verdict (in file order), and for a row
to send its chunk line (the client reference, the data, a user's username and sealed
password); then the chunks' manifest and the summary the state machine reads."""

from collections.abc import Iterable
from typing import Any

from project_factory.domain.resources import ResourceRow
from project_factory.flows.plan import PlannedRow
from project_factory.flows.ports import Ports
from project_factory.flows.run_secrets import SEALED, Sealer
from project_factory.flows.scratch import PartWriter, ScratchKeys
from project_factory.flows.target_rows import TargetRows
from project_factory.passwords import generate_password


def write_manifest(
    row: ResourceRow,
    keys: ScratchKeys,
    verdicts: PartWriter,
    chunks: PartWriter,
    invalid: int,
    services: Ports,
) -> dict[str, Any]:
    """The chunks' manifest and the validation's summary, in scratch; the summary."""
    manifest = [
        {
            "index": index,
            "key": key,
            "rows": count,
            "tenantId": row.tenantId,
            "type": row.type,
            "hierarchyType": row.hierarchyType,
        }
        for index, (key, count) in enumerate(chunks.parts)
    ]
    services.files.put_json(keys.manifest, manifest)
    summary = {
        "total": verdicts.lines,
        "invalid": invalid,
        "toCreate": chunks.lines,
        "chunks": len(manifest),
        "proceed": row.action == "create" and invalid == 0 and chunks.lines > 0,
        "verdictParts": [key for key, _ in verdicts.parts],
    }
    services.files.put_json(keys.summary, summary)
    return summary


def write_rows(
    row: ResourceRow,
    planned_rows: Iterable[PlannedRow],
    target_rows: TargetRows | None,
    verdicts: PartWriter,
    chunks: PartWriter,
    services: Ports,
) -> int:
    """Every row's verdict, and every row to send in its chunk; how many rows are invalid."""
    credentials = _Credentials(row, services)
    report_every = services.settings.chunk_size
    invalid = 0
    for read, planned in enumerate(planned_rows, start=1):
        line = _verdict_line(planned)
        invalid += bool(line["errors"])
        verdicts.add(line)
        if read % report_every == 0:
            # Once per chunk of rows read, never per row.
            services.resources.report_progress(row.id, {"validated": read})
        if planned.operation is not None and planned.verdict.canonical is not None:
            chunks.add(_chunk_line(row, planned, credentials, target_rows))
    verdicts.close()
    chunks.close()
    return invalid


def _chunk_line(
    row: ResourceRow,
    planned: PlannedRow,
    credentials: "_Credentials",
    target_rows: TargetRows | None,
) -> dict[str, Any]:
    """What a chunk carries of a row to send: its reference, and what to send."""
    verdict = planned.verdict
    canonical = verdict.canonical or {}
    # The client reference id makes every create (and change) of this row idempotent.
    client_ref = f"{row.id}:{verdict.row_number}"
    head = {"clientRef": client_ref, "rowNumber": verdict.row_number}
    if planned.operation == "create" and target_rows is not None:
        return head | {"data": target_rows.added_to(canonical)}
    if planned.operation == "create":
        return head | credentials.added_to(client_ref, canonical)
    return head | {
        "data": canonical,
        "operation": planned.operation,
        "recordId": planned.record_id,
        "changes": planned.changes,
    }


def _verdict_line(planned: PlannedRow) -> dict[str, Any]:
    verdict = planned.verdict
    return {
        "rowNumber": verdict.row_number,
        **({"sheet": verdict.sheet} if verdict.sheet is not None else {}),
        "errors": verdict.errors + ([planned.error] if planned.error else []),
        "create": verdict.create,
        # sent to the target (a create, update or deactivation): its outcome is in a chunk
        "send": planned.operation is not None,
        "operation": planned.operation,
        "changes": sorted(planned.changes),
        "existingId": verdict.existing_id,
    }


class _Credentials:
    """A user's username and password, made once, before the first attempt.

    They are kept with the chunk, the password sealed with the run's data key (see
    flows/run_secrets.py): every retry sends the same ones, and Finalize can hand them out
    even when the answer that created the user was lost. Usernames are reserved only when a
    user row needs one; passwords are made only for a create (a validation sends nothing).
    """

    def __init__(self, row: ResourceRow, services: Ports) -> None:
        self._is_user = row.type == "user"
        self._length = services.settings.password_length
        self._names = services.usernames.stream(row.tenantId) if self._is_user else iter(())
        self._sealer = (
            Sealer(services, row.id, row.tenantId)
            if self._is_user and row.action == "create"
            else None
        )

    def added_to(self, client_ref: str, data: dict[str, Any]) -> dict[str, Any]:
        """The chunk line's `data` (and `sealed`, for a user to create)."""
        if not self._is_user:
            return {"data": data}
        line: dict[str, Any] = {"data": data | {"username": next(self._names)}}
        if self._sealer is not None:
            password = generate_password(self._length)
            line[SEALED] = {"password": self._sealer.seal(client_ref, "password", password)}
        return line
