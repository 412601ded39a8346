"""Where a running file is, as `_search` shows it: `additionalDetails.progress`.

What is stored is small and written by the steps at their own pace, never per row: the
stage and the rows validated (Validate, once per chunk of rows read), one state per chunk
(Create and Confirm, once per attempt), and the stage at Finalize. The summary a client
reads is derived from it when the row is read:

    {"stage": "creating", "validated": 5000, "total": 5000, "chunks": 5, "chunksDone": 2,
     "created": 2100, "failed": 3, "pending": 2897, "attempt": 2,
     "nextRetryAt": 1764633600000, "done": 2103}

`done` counts the rows whose fate is known (of `total`): none while the file is read, then
the rows that need no create and each chunk's rows no longer pending; it never goes down.
A final row has no progress: its counts say it all.
"""

from collections.abc import Mapping, Sequence
from typing import Any

#: The stored map's entry of one chunk, by its index (as text: a DynamoDB map key).
CHUNK_STATES = "chunkStates"


def started(stage: str, **fields: Any) -> dict[str, Any]:
    """The stored progress of a run that starts now."""
    return {"stage": stage, **fields, CHUNK_STATES: {}}


def chunk_state(
    *, rows: int, created: int, failed: int, pending: int, attempt: int, stage: str, next_at: int
) -> dict[str, Any]:
    """One chunk after an attempt; `next_at` (ms) is when the loop comes back, 0 for never."""
    return {
        "rows": rows,
        "created": created,
        "failed": failed,
        "pending": pending,
        "attempt": attempt,
        "stage": stage,
        "nextAt": next_at,
    }


def summary(stored: Mapping[str, Any]) -> dict[str, Any]:
    """What a client reads of the stored progress."""
    states = list((stored.get(CHUNK_STATES) or {}).values())
    stage = _stage(stored, states)
    total = stored.get("total")
    answer: dict[str, Any] = {"stage": stage, "validated": int(stored.get("validated", 0))}
    if total is None:
        # Still reading: no row's fate is known yet (`validated` says how far it has read),
        # so `done` only ever grows over a run.
        return answer | {"done": 0}
    pending = _pending(stored, states)
    answer |= {
        "total": int(total),
        "chunks": int(stored.get("chunks", 0)),
        "chunksDone": sum(1 for state in states if int(state.get("pending", 0)) == 0),
        "created": _sum(states, "created"),
        "failed": _sum(states, "failed"),
        "pending": pending,
        "attempt": max((int(state.get("attempt", 0)) for state in states), default=0),
        "nextRetryAt": _next_retry_at(states),
    }
    answer["done"] = int(total) if stage == "finalizing" else int(total) - pending
    return answer


def _stage(stored: Mapping[str, Any], states: Sequence[Mapping[str, Any]]) -> str:
    """The run's stage: `creating` reads as `confirming` once a chunk's own state has
    moved on to confirming (the chunks write their stage, the run's is not rewritten)."""
    stage = str(stored.get("stage", ""))
    if stage == "creating" and any(state.get("stage") == "confirming" for state in states):
        return "confirming"
    return stage


def _pending(stored: Mapping[str, Any], states: Sequence[Mapping[str, Any]]) -> int:
    """The rows still to answer: each chunk's pending ones, and the rows to create of the
    chunks that have reported no attempt yet."""
    reported_rows = _sum(states, "rows")
    return _sum(states, "pending") + max(int(stored.get("toCreate", 0)) - reported_rows, 0)


def _next_retry_at(states: Sequence[Mapping[str, Any]]) -> int | None:
    """When the loop next comes back (ms): the earliest chunk's, None when none waits."""
    waits = [int(state["nextAt"]) for state in states if state.get("nextAt")]
    return min(waits) if waits else None


def _sum(states: Sequence[Mapping[str, Any]], field: str) -> int:
    """A count over the chunks; a chunk without it counts none."""
    return sum(int(state.get(field, 0)) for state in states)
