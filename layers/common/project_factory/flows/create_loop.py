"""The create loop of one chunk: Create (confirming earlier attempts first) and Confirm.

A chunk's rows are a JSON Lines object written by Validate; its outcomes are one JSON
object, written before each send and after every step. The state machine only carries
counts.

The loop is per row. A transient failure of one batch (5xx, timeout, reset, throttling)
leaves that batch's rows pending and the next batch goes; the task returns normally, and
the state machine's Choice/Wait/backoff loop, bounded by MaxRetries, comes back for them.
A row the service refuses fails at once with its reason. A row whose request may have
reached the service (it was sent, and no answer said yes or no) is searched for by its
client reference before it is sent again, and not sent again while that request may still
land (`Target.resend_after_seconds`): nothing is created twice, nor asked twice.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from project_factory import progress
from project_factory.adapters.targets.base import Target
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.domain.tasks import ChunkTask
from project_factory.errors import TransientError, UpstreamError
from project_factory.flows.chunk_outcomes import DONE, SETTLED, ChunkOutcomes
from project_factory.flows.confirming import confirm_found
from project_factory.flows.ports import Ports
from project_factory.flows.run_secrets import Opener
from project_factory.flows.scratch import ScratchKeys


def create_rows(
    task: ChunkTask, services: Ports, clock: Callable[[], float] = time.time
) -> ChunkTask:
    attempt = task.attempt + 1
    target = services.target(task.chunk.type, task.chunk.hierarchyType)
    tenant_id = task.chunk.tenantId
    with _chunk_state(task, services) as (rows, outcomes, save):
        pending = [row for row in rows if not outcomes.settled(row.client_ref)]
        # Every run of the task counts, across retries of the whole file.
        outcomes.attempts += 1
        pending = _not_found_since(target, tenant_id, pending, outcomes)
        now_ms = int(clock() * 1000)
        sendable = [
            row
            for row in pending
            if outcomes.may_send(row.client_ref, now_ms, target.resend_after_seconds)
        ]
        if sendable:
            # Opened before anything is marked sent (one KMS call), in memory only.
            sendable = Opener(services, task.resourceId, tenant_id).opened(sendable)
        size = services.settings.create_batch_size
        for start in range(0, len(sendable), size):
            batch = sendable[start : start + size]
            outcomes.mark_sent(batch, int(clock() * 1000))
            # Written before the send: a task that dies during it confirms first when retried.
            save()
            _send_batch(target, tenant_id, batch, outcomes)
    return _next_state(task, attempt, outcomes, target, services, just_created=bool(sendable))


def _not_found_since(
    target: Target, tenant_id: str, pending: list[PendingRow], outcomes: ChunkOutcomes
) -> list[PendingRow]:
    """The pending rows that may be sent: an earlier attempt may have created rows whose
    answer was lost (or that a bulk target made visible only now), so those it sent are
    confirmed before anything is sent again; none of them when the search failed, for
    whether they exist is then unknown."""
    sent_before = [row for row in pending if outcomes.was_sent(row.client_ref)]
    if not sent_before:
        return pending
    unconfirmed = confirm_found(target, tenant_id, sent_before, outcomes)
    still_missing = {row.client_ref for row in unconfirmed or ()}
    held_back = {row.client_ref for row in sent_before} - still_missing
    return [row for row in pending if row.client_ref not in held_back]


def _send_batch(
    target: Target, tenant_id: str, batch: list[PendingRow], outcomes: ChunkOutcomes
) -> None:
    results = _create_batch(target, tenant_id, batch)
    by_ref = _by_ref(batch)
    for result in results:
        outcomes.record(result, by_ref[result.client_ref])
    # A row sent again and refused may be refused for the earlier request's record
    # ("already exists"): what the service holds is looked for before it counts.
    resent = [
        by_ref[result.client_ref]
        for result in results
        if result.outcome == "rejected" and outcomes.sends(result.client_ref) > 1
    ]
    if resent:
        confirm_found(target, tenant_id, resent, outcomes)


def confirm_rows(task: ChunkTask, services: Ports) -> ChunkTask:
    target = services.target(task.chunk.type, task.chunk.hierarchyType)
    with _chunk_state(task, services) as (rows, outcomes, _):
        pending = [row for row in rows if not outcomes.settled(row.client_ref)]
        confirm_found(target, task.chunk.tenantId, pending, outcomes)
    return _next_state(task, task.attempt, outcomes, target, services, just_created=False)


def _create_batch(target: Target, tenant_id: str, batch: list[PendingRow]) -> list[TargetResult]:
    try:
        return target.create(tenant_id, batch)
    except UpstreamError as refusal:
        # Refused as a whole before any row was sent (a wrong path, a refused token): the
        # rows say so, with the service, path and status, rather than the task failing
        # with a cause nobody reads.
        return [
            TargetResult(row.client_ref, "rejected", code=refusal.code, reason=refusal.message)
            for row in batch
        ]
    except TransientError as failure:
        # Raised by a target that writes as it goes (the registry): the batch may be
        # partly written, so its rows are confirmed before they are sent again.
        return [
            TargetResult(
                row.client_ref, "pending", code=failure.code, reason=failure.message, sent=True
            )
            for row in batch
        ]


def _by_ref(rows: list[PendingRow]) -> dict[str, PendingRow]:
    return {row.client_ref: row for row in rows}


@contextmanager
def _chunk_state(
    task: ChunkTask, services: Ports
) -> Iterator[tuple[list[PendingRow], ChunkOutcomes, Callable[[], None]]]:
    keys = ScratchKeys(services.settings.scratch_prefix, task.resourceId)
    rows = [PendingRow.from_line(line) for line in services.files.iter_lines(task.chunk.key)]
    outcomes = ChunkOutcomes(services.files.get_json(keys.outcomes(task.chunk.index)))

    def save() -> None:
        services.files.put_json(keys.outcomes(task.chunk.index), outcomes.to_json())

    try:
        yield rows, outcomes, save
    finally:
        # Also when a call failed midway: what earlier batches created is never forgotten.
        save()


def _next_state(
    task: ChunkTask,
    attempt: int,
    outcomes: ChunkOutcomes,
    target: Target,
    services: Ports,
    *,
    just_created: bool,
) -> ChunkTask:
    settings = services.settings
    settled = sum(outcomes.count(state) for state in SETTLED)
    pending = task.chunk.rows - settled
    awaiting = target.confirms_by_search and just_created and pending > 0
    backoff = min(settings.backoff_seconds * 2 ** max(attempt - 1, 0), settings.backoff_max_seconds)
    state = task.model_copy(
        update={
            "attempt": attempt,
            "pending": pending,
            "created": sum(outcomes.count(state) for state in DONE),
            "failed": outcomes.count("rejected") + outcomes.count("conflict"),
            "awaitingConfirmation": awaiting,
            "backoffSeconds": backoff,
        }
    )
    # Once per chunk and attempt: where the chunk is, for _search (progress.py).
    # (MaxRetries lives in the state machine: a chunk out of attempts still shows when it
    # would have come back, until Finalize's stage says the loop is over.)
    wait = settings.confirm_delay_seconds if awaiting else backoff
    services.resources.report_progress(
        task.resourceId,
        {},
        chunk=(
            task.chunk.index,
            progress.chunk_state(
                rows=task.chunk.rows,
                created=state.created,
                failed=state.failed,
                pending=pending,
                attempt=attempt,
                stage="confirming" if awaiting else "creating",
                next_at=int((time.time() + wait) * 1000) if pending > 0 else 0,
            ),
        ),
    )
    return state
