"""Sending rows to DIGIT: in batches, with refusals pinned on the rows they name.

Before sending a batch, each create looks up what an earlier attempt already made, so a retry
after a lost response never sends a row twice. Refusals are pinned on the rows they name
(`Errors[]` params or a `Facilities[3]`-style path); a refusal that names no row is narrowed
down by sending the batch's rows one by one, since DIGIT validates a request as a whole. A
change (an update or a deactivation row) is sent the same way (record_changes.py).
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import DomainError, TransientError, UpstreamError

#: Codes of a call refused whatever it carried (see adapters.http): no row is at fault.
WHOLE_CALL_REFUSALS = frozenset({"SERVICE_NOT_FOUND", "SERVICE_UNAUTHORIZED"})

#: Statuses of a transient answer that took nothing: a send so refused is not uncertain.
_NOT_TAKEN = frozenset({429, 503})

Results = dict[str, TargetResult]
Send = Callable[[Sequence[PendingRow]], Results]


def routed(rows: Sequence[PendingRow], size: int, create: Send, change: Send) -> list[TargetResult]:
    """One result per row, in order: creates through `create`, updates and deactivations
    through `change` (a chunk may hold both), each in batches of `size`."""
    results: Results = {}
    for operation, send in ((True, create), (False, change)):
        subset = [row for row in rows if (row.operation == "create") is operation]
        if subset:
            results |= {result.client_ref: result for result in in_batches(subset, size, send)}
    return [results[row.client_ref] for row in rows]


def in_batches(
    rows: Sequence[PendingRow], size: int, create: Callable[[Sequence[PendingRow]], Results]
) -> list[TargetResult]:
    """One result per row, in order. A transient failure of one batch leaves its rows
    pending and the next batch still goes: the flow's loop retries them, confirming first.
    (Failures of a send are caught in `submit`; one that reaches here came from a search
    before anything was sent.)"""
    results: Results = {}
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        try:
            results |= create(batch)
        except TransientError as exc:
            results |= all_pending(batch, exc)
    return [results[row.client_ref] for row in rows]


def submit(rows: Sequence[PendingRow], send: Send, collection: str) -> Results:
    """Send rows; pin a refusal on the rows it names, or narrow it down row by row.

    Never raises TransientError: a send that failed so leaves its rows pending, marked
    `sent` unless the service said it did not take the request (429, 503)."""
    try:
        return send(rows)
    except TransientError as exc:
        return all_pending(rows, exc, sent=may_have_been_applied(exc))
    except UpstreamError as exc:
        if exc.code in WHOLE_CALL_REFUSALS:
            # A wrong path or a refused token: every row would get the same answer, under
            # our stable code (SERVICE_NOT_FOUND, SERVICE_UNAUTHORIZED), whatever the body.
            return {row.client_ref: refused(row, exc, code=exc.code) for row in rows}
        named = _named_refusals(exc, rows, collection)
        if named:
            rest = [row for row in rows if row.client_ref not in named]
            # DIGIT refused the whole request for those rows: the others were not taken.
            return named | (submit(rest, send, collection) if rest else {})
        if len(rows) == 1:
            return {rows[0].client_ref: refused(rows[0], exc)}
        return _one_by_one(rows, send, collection)


def may_have_been_applied(exc: TransientError) -> bool:
    """Whether a failed send may still have reached its records: a timeout, a reset or a
    500/502/504 may have; a 429 or a 503 is the service (or its gateway) saying no."""
    return exc.params.get("status") not in _NOT_TAKEN


def _one_by_one(rows: Sequence[PendingRow], send: Send, collection: str) -> Results:
    results: Results = {}
    for index, row in enumerate(rows):
        answer = submit([row], send, collection)[row.client_ref]
        results[row.client_ref] = answer
        if answer.outcome == "pending":
            # The service is failing now: the others wait for the next attempt, unsent.
            return results | waiting(rows[index + 1 :], answer)
    return results


def _named_refusals(exc: UpstreamError, rows: Sequence[PendingRow], collection: str) -> Results:
    """Rejections for the rows a refusal's errors name, by reference or code, or by position."""
    return {
        ref: TargetResult(
            ref,
            "rejected",
            code=found[0][0],
            reason="; ".join(reason for _, reason in found) + answered_by(exc),
        )
        for ref, found in _reasons_by_row(exc, rows, collection).items()
    }


def _reasons_by_row(
    exc: UpstreamError, rows: Sequence[PendingRow], collection: str
) -> dict[str, list[tuple[str, str]]]:
    """The (code, reason) of every error of a refusal that names a row, by the row's
    reference, in the refusal's order: a row named twice is refused for both."""
    by_name = {name: row for row in rows for name in (row.client_ref, row_code(row)) if name}
    position = re.compile(rf"{re.escape(collection)}\[(\d+)\]")
    reasons: dict[str, list[tuple[str, str]]] = {}
    for error in exc.params.get("errors") or []:
        row = _row_named(error, rows, by_name, position)
        if row is not None:
            reasons.setdefault(row.client_ref, []).append(_code_and_reason(error, exc))
    return reasons


def _code_and_reason(error: Mapping[str, Any], exc: UpstreamError) -> tuple[str, str]:
    """An error's own code and message; the refusal's where the error has none."""
    code = str(error.get("code") or exc.code)
    reason = str(error.get("message") or error.get("description") or exc.message)
    return code, reason


def _row_named(
    error: Mapping[str, Any],
    rows: Sequence[PendingRow],
    by_name: Mapping[str, PendingRow],
    position: re.Pattern[str],
) -> PendingRow | None:
    params = error.get("params")
    for param in params if isinstance(params, list) else []:
        if str(param) in by_name:
            return by_name[str(param)]
    for text in (error.get("description"), error.get("message")):
        match = position.search(text) if isinstance(text, str) else None
        if match and int(match.group(1)) < len(rows):
            return rows[int(match.group(1))]
    return None


# -- results --------------------------------------------------------------------------------


def refused(row: PendingRow, exc: UpstreamError, *, code: str | None = None) -> TargetResult:
    """The service's own code (or `code`) and message, and which call it answered with
    what status."""
    errors = exc.params.get("errors") or []
    if code is None:
        code = str(errors[0].get("code")) if errors and errors[0].get("code") else exc.code
    messages = [str(error.get("message")) for error in errors if error.get("message")]
    if not messages:
        return rejected(row, code, exc.message)
    return rejected(row, code, "; ".join(messages) + answered_by(exc))


def answered_by(exc: UpstreamError) -> str:
    """` (health-hrms /health-hrms/employees/_create, HTTP 400)`, or nothing when unknown."""
    service, path, status = (exc.params.get(name) for name in ("service", "path", "status"))
    if not (service and path and status):
        return ""
    return f" ({service} /{str(path).lstrip('/')}, HTTP {status})"


def rejected(row: PendingRow, code: str, reason: str) -> TargetResult:
    return TargetResult(row.client_ref, "rejected", code=code, reason=reason)


def all_pending(rows: Iterable[PendingRow], exc: DomainError, *, sent: bool = False) -> Results:
    return {
        row.client_ref: TargetResult(
            row.client_ref, "pending", code=exc.code, reason=exc.message, sent=sent
        )
        for row in rows
    }


def waiting(rows: Iterable[PendingRow], after: TargetResult) -> Results:
    """Rows not sent because the service failed an earlier one (`after`): for the next attempt."""
    return {
        row.client_ref: TargetResult(
            row.client_ref, "pending", code=after.code, reason=after.reason
        )
        for row in rows
    }


def row_code(row: PendingRow) -> str:
    """A row's code: a boundary's key, and a name a refusal may give any row by."""
    return str(row.data.get("code") or "")
