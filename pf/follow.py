"""Following a run: polls the resource row until it is final, drawing what it says.

The bar is drawn from `additionalDetails.progress` when the row carries it (rows done of
`total`, the stage, the attempt); until then, from the status alone. Nothing here reads
more than one row per poll.
"""

import time
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pf.client import FINAL_STATUSES

#: What each status means to someone watching, in the order a run passes through them.
STAGES: Mapping[str, str] = {
    "data-accepted": "accepted",
    "validation-started": "validating",
    "validated": "validated",
    "created": "created",
    "partially-created": "partially created",
    "invalid": "invalid",
    "failed": "failed",
}


def progress_of(row: Mapping[str, Any]) -> tuple[str, int, int | None]:
    """(what to say, rows done, rows in all or None while unknown) of a resource row."""
    details = row.get("additionalDetails") or {}
    status = str(row.get("status", ""))
    stage = STAGES.get(status, status)
    live = details.get("progress") or {}
    counts = details.get("counts") or {}
    total = live.get("total", counts.get("total"))
    if status in FINAL_STATUSES and total is not None:
        return stage, int(total), int(total)
    done = int(live.get("done", 0))
    if live.get("stage"):
        stage = str(live["stage"])
    if live.get("attempt"):
        stage = f"{stage} (attempt {live['attempt']})"
    return stage, done, int(total) if total is not None else None


def follow(
    read: Callable[[], dict[str, Any]],
    console: Console,
    *,
    poll_seconds: float = 0.5,
    timeout_seconds: float = 3600.0,
) -> dict[str, Any]:
    """Reads the row every `poll_seconds` until it is final (or `timeout_seconds` pass)."""
    deadline = time.monotonic() + timeout_seconds
    columns = (
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("submitted", total=None)
        while True:
            row = read()
            stage, done, total = progress_of(row)
            bar.update(task, description=stage, completed=done, total=total)
            if row.get("status") in FINAL_STATUSES:
                return row
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"resource {row.get('id')} is still {row.get('status')} after "
                    f"{timeout_seconds:.0f}s; `pf status {row.get('id')}` shows it later"
                )
            time.sleep(poll_seconds)
