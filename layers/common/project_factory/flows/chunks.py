"""The create loop of one chunk: Create (confirming earlier attempts first) and Confirm.

A chunk's rows are a JSON Lines object written by Validate; its outcomes are one JSON
object rewritten after every step. The state machine only carries counts.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict

from project_factory.adapters.targets.base import PendingRow, Target, TargetResult
from project_factory.errors import UpstreamError
from project_factory.flows.scratch import ScratchKeys
from project_factory.services import Services


class ChunkRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    index: int
    key: str
    rows: int
    tenantId: str
    type: str
    hierarchyType: str


class ChunkTask(BaseModel):
    """The state of one Map iteration: keys and counts, never rows."""

    model_config = ConfigDict(extra="ignore")
    resourceId: str
    bulk: bool
    chunk: ChunkRef
    attempt: int
    pending: int = 0
    created: int = 0
    failed: int = 0
    awaitingConfirmation: bool = False
    backoffSeconds: int = 1


class ChunkOutcomes:
    """What is known of each row of a chunk, keyed by client reference id."""

    def __init__(self, stored: dict[str, Any] | None) -> None:
        stored = stored or {}
        self.attempts: int = stored.get("attempts", 0)
        self.rows: dict[str, dict[str, Any]] = stored.get("rows", {})

    @property
    def tried_before(self) -> bool:
        return self.attempts > 0

    def settled(self, client_ref: str) -> bool:
        return self.rows.get(client_ref, {}).get("state") in ("created", "rejected")

    def record(self, result: TargetResult, row: PendingRow) -> None:
        output = dict(result.output)
        if result.outcome == "created" and "password" in row.data:
            # The target echoes a password only when it created the user just now; the
            # flow generated it, so it can hand it out even after a lost response.
            output["password"] = row.data["password"]
        self.rows[row.client_ref] = {
            "state": result.outcome,
            "id": result.id,
            "output": output,
            "code": result.code,
            "reason": result.reason,
        }

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows.values() if row.get("state") == state)

    def to_json(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "rows": self.rows}


def create_rows(task: ChunkTask, services: Services) -> ChunkTask:
    attempt = task.attempt + 1
    target = services.target(task.chunk.type, task.chunk.hierarchyType)
    with _chunk_state(task, services) as (rows, outcomes):
        pending = [row for row in rows if not outcomes.settled(row.client_ref)]
        if outcomes.tried_before and pending:
            # An earlier attempt may have created rows whose answer was lost (or that a
            # bulk target made visible only now): confirm before creating anything again.
            pending = _confirm(target, task.chunk.tenantId, pending, outcomes)
        outcomes.attempts = attempt
        size = services.settings.create_batch_size
        for start in range(0, len(pending), size):
            batch = pending[start : start + size]
            by_ref = {row.client_ref: row for row in batch}
            try:
                results = target.create(task.chunk.tenantId, batch)
            except UpstreamError as refusal:
                # Refused as a whole before any row was sent (a wrong path, a refused token):
                # the rows say so, with the service, path and status, rather than the task
                # failing with a cause nobody reads.
                results = [
                    TargetResult(
                        row.client_ref, "rejected", code=refusal.code, reason=refusal.message
                    )
                    for row in batch
                ]
            for result in results:
                outcomes.record(result, by_ref[result.client_ref])
    return _next_state(task, attempt, outcomes, target, services, just_created=bool(pending))


def confirm_rows(task: ChunkTask, services: Services) -> ChunkTask:
    target = services.target(task.chunk.type, task.chunk.hierarchyType)
    with _chunk_state(task, services) as (rows, outcomes):
        pending = [row for row in rows if not outcomes.settled(row.client_ref)]
        _confirm(target, task.chunk.tenantId, pending, outcomes)
    return _next_state(task, task.attempt, outcomes, target, services, just_created=False)


def _confirm(
    target: Target, tenant_id: str, pending: list[PendingRow], outcomes: ChunkOutcomes
) -> list[PendingRow]:
    found = target.find(tenant_id, [row.client_ref for row in pending])
    still_pending = []
    for row in pending:
        if row.client_ref in found:
            outcomes.record(found[row.client_ref], row)
        else:
            still_pending.append(row)
    return still_pending


@contextmanager
def _chunk_state(
    task: ChunkTask, services: Services
) -> Iterator[tuple[list[PendingRow], ChunkOutcomes]]:
    keys = ScratchKeys(services.settings.scratch_prefix, task.resourceId)
    rows = [
        PendingRow(client_ref=line["clientRef"], row_number=line["rowNumber"], data=line["data"])
        for line in services.files.iter_lines(task.chunk.key)
    ]
    outcomes = ChunkOutcomes(services.files.get_json(keys.outcomes(task.chunk.index)))
    try:
        yield rows, outcomes
    finally:
        # Also when a call failed midway: what earlier batches created is never forgotten.
        services.files.put_json(keys.outcomes(task.chunk.index), outcomes.to_json())


def _next_state(
    task: ChunkTask,
    attempt: int,
    outcomes: ChunkOutcomes,
    target: Target,
    services: Services,
    *,
    just_created: bool,
) -> ChunkTask:
    settings = services.settings
    pending = task.chunk.rows - outcomes.count("created") - outcomes.count("rejected")
    return task.model_copy(
        update={
            "attempt": attempt,
            "pending": pending,
            "created": outcomes.count("created"),
            "failed": outcomes.count("rejected"),
            "awaitingConfirmation": target.confirms_by_search and just_created and pending > 0,
            "backoffSeconds": min(
                settings.backoff_seconds * 2 ** max(attempt - 1, 0), settings.backoff_max_seconds
            ),
        }
    )
