"""Does the service hold these rows? The searches by client reference the loop trusts.

A row whose request may have reached the service is looked for before it is sent again
(flows/create_loop.py), and once more before it is reported NOT_CREATED (Finalize):
nothing is created twice, and no row the service holds is reported missing.
"""

from project_factory.adapters.targets.base import RecordKeeper, RowFinder, Target
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import TransientError
from project_factory.flows.chunk_outcomes import ChunkOutcomes


def confirm_unsettled(
    target: Target,
    tenant_id: str,
    rows: list[PendingRow],
    outcomes: ChunkOutcomes,
    *,
    last_chance: bool,
) -> None:
    """The last look before a row is reported NOT_CREATED: does the service hold it?

    A search that fails transiently is raised for the task's retry, unless this is the
    last chance: then the rows stay unconfirmed, with that failure as their last error.
    """
    unsettled = [row for row in rows if not outcomes.settled(row.client_ref)]
    if not unsettled:
        return
    if last_chance:
        confirm_found(target, tenant_id, unsettled, outcomes)
        return
    found = found_in_target(target, tenant_id, unsettled)
    for row in unsettled:
        if row.client_ref in found:
            outcomes.record(found[row.client_ref], row)


def confirm_found(
    target: Target, tenant_id: str, pending: list[PendingRow], outcomes: ChunkOutcomes
) -> list[PendingRow] | None:
    """The rows still not found, or None when the search itself failed for now."""
    try:
        found = found_in_target(target, tenant_id, pending)
    except TransientError as failure:
        for row in pending:
            entry = outcomes.rows.setdefault(row.client_ref, {"state": "pending"})
            entry |= {"code": failure.code, "reason": failure.message}
        return None
    still_pending = []
    for row in pending:
        if row.client_ref in found:
            outcomes.record(found[row.client_ref], row)
        else:
            still_pending.append(row)
    return still_pending


def found_in_target(
    target: Target, tenant_id: str, rows: list[PendingRow]
) -> dict[str, TargetResult]:
    """What the service holds of these rows: created records by client reference (`find`,
    or `find_rows` for a target that needs the rows), and changes made (`changes_made`,
    for a target that changes records)."""
    creates = [row for row in rows if row.operation == "create"]
    changes = [row for row in rows if row.operation != "create"]
    found = _created_found(target, tenant_id, creates) if creates else {}
    if changes and isinstance(target, RecordKeeper):
        found |= target.changes_made(tenant_id, changes)
    return found


def _created_found(
    target: Target, tenant_id: str, creates: list[PendingRow]
) -> dict[str, TargetResult]:
    if isinstance(target, RowFinder):
        return target.find_rows(tenant_id, creates)
    return target.find(tenant_id, [row.client_ref for row in creates])
