"""What is known of each row of a chunk: the outcomes file, kept in scratch.

Validate writes a chunk's rows; Create and Confirm keep, beside them, one JSON object of
what each row came to (`ChunkOutcomes.to_json`). It is written before each send and after
every step, so a task that dies midway leaves behind what it did, and Finalize reads it
for the processed file.
"""

from typing import Any

from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.flows.run_secrets import without_secrets

#: Outcomes after which a row is never sent again.
SETTLED = frozenset({"created", "rejected", "existing", "conflict", "updated", "deactivated"})
#: Outcomes of rows whose change the target made (progress counts them as done).
DONE = ("created", "updated", "deactivated")


class ChunkOutcomes:
    """What is known of each row of a chunk, keyed by client reference id.

    A row's entry: `state` (an outcome), `id`, `output`, `code`, `reason`, and once the
    row has been sent, `sentAt` (ms) and `sends` (how many requests carried it).
    """

    def __init__(self, stored: dict[str, Any] | None) -> None:
        stored = stored or {}
        self.attempts: int = stored.get("attempts", 0)
        self.rows: dict[str, dict[str, Any]] = stored.get("rows", {})

    def settled(self, client_ref: str) -> bool:
        return self.rows.get(client_ref, {}).get("state") in SETTLED

    def sends(self, client_ref: str) -> int:
        return int(self.rows.get(client_ref, {}).get("sends", 0))

    def was_sent(self, client_ref: str) -> bool:
        return "sentAt" in self.rows.get(client_ref, {})

    def may_send(self, client_ref: str, now_ms: int, resend_after_seconds: float) -> bool:
        """Never sent, or sent long enough ago that the request can no longer land."""
        row = self.rows.get(client_ref, {})
        if not row.get("uncertain"):
            return True
        return now_ms - int(row["sentAt"]) >= resend_after_seconds * 1000

    def mark_sent(self, rows: list[PendingRow], now_ms: int) -> None:
        for row in rows:
            entry = self.rows.setdefault(row.client_ref, {"state": "pending"})
            entry["sentAt"] = now_ms
            entry["sends"] = int(entry.get("sends", 0)) + 1
            # Until an answer says otherwise, the request may land at any moment.
            entry["uncertain"] = True

    def record(self, result: TargetResult, row: PendingRow) -> None:
        # Outcomes are kept in scratch: never a secret. A created user's password is the
        # one sealed in its chunk line, which Finalize opens for the credentials file.
        output = without_secrets(result.output)
        entry = self.rows.get(row.client_ref, {})
        sent = {name: entry[name] for name in ("sentAt", "sends") if name in entry}
        self.rows[row.client_ref] = sent | {
            "state": result.outcome,
            "id": result.id,
            "output": output,
            "code": result.code,
            "reason": result.reason,
            # A pending row whose request may have reached the service stays uncertain.
            "uncertain": result.outcome == "pending" and result.sent and bool(sent),
        }

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows.values() if row.get("state") == state)

    def to_json(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "rows": self.rows}
