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

from collections.abc import Mapping
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
    stage = str(stored.get("stage", ""))
    if stage == "creating" and any(state.get("stage") == "confirming" for state in states):
        stage = "confirming"
    total = stored.get("total")
    answer: dict[str, Any] = {"stage": stage, "validated": int(stored.get("validated", 0))}
    if total is None:
        # Still reading: no row's fate is known yet (`validated` says how far it has read),
        # so `done` only ever grows over a run.
        return answer | {"done": 0}
    to_create = int(stored.get("toCreate", 0))
    reported_rows = sum(int(state.get("rows", 0)) for state in states)
    pending = sum(int(state.get("pending", 0)) for state in states) + max(
        to_create - reported_rows, 0
    )
    waits = [int(state["nextAt"]) for state in states if state.get("nextAt")]
    answer |= {
        "total": int(total),
        "chunks": int(stored.get("chunks", 0)),
        "chunksDone": sum(1 for state in states if int(state.get("pending", 0)) == 0),
        "created": sum(int(state.get("created", 0)) for state in states),
        "failed": sum(int(state.get("failed", 0)) for state in states),
        "pending": pending,
        "attempt": max((int(state.get("attempt", 0)) for state in states), default=0),
        "nextRetryAt": min(waits) if waits else None,
    }
    answer["done"] = int(total) if stage == "finalizing" else int(total) - pending
    return answer
