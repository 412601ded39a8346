"""The interface every target implements.

A target creates rows of one resource type in one service. Every row carries a client
reference id (resource id + row number); creating the same reference twice must never
create a second record, and `find` answers what already exists for given references,
which is how a retry confirms what an earlier attempt created.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Outcome = Literal[
    "created", "pending", "rejected", "existing", "conflict", "updated", "deactivated"
]
#: What a row asks of its target: a new record, changed fields of one, or its retirement.
Operation = Literal["create", "update", "deactivate"]


@dataclass(frozen=True)
class PendingRow:
    client_ref: str
    row_number: int
    data: dict[str, Any]
    #: secrets still sealed (field -> sealed text, see flows/run_secrets.py): the flow opens
    #: them into `data` just before a create; a target never sees a sealed value
    sealed: dict[str, str] = field(default_factory=dict)
    #: update / deactivate: the record (`record_id`) and the fields to set on it (`changes`;
    #: `data` is the whole row as validated)
    operation: Operation = "create"
    record_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_line(cls, line: Mapping[str, Any]) -> "PendingRow":
        """A row of a chunk, as Validate wrote it (flows/validate.py)."""
        return cls(
            client_ref=line["clientRef"],
            row_number=line["rowNumber"],
            data=line["data"],
            sealed=dict(line.get("sealed") or {}),
            operation=line.get("operation", "create"),
            record_id=line.get("recordId"),
            changes=dict(line.get("changes") or {}),
        )


@dataclass(frozen=True)
class TargetResult:
    """What the service said about one row.

    created:  it exists, with `id` (and `output` columns such as a username).
    pending:  not created yet, worth another attempt (a per-row transient failure,
              or a bulk create the service has not made visible yet). `sent` says the
              request may have reached the service: the row is searched for, and not
              sent again while that earlier request may still succeed.
    rejected: refused for good; `code` and `reason` say why.
    existing: the same record exists already under another row's reference (the same
              business key and the same fields): nothing to create; `id` is that record's.
    conflict: another record holds this row's business key (a name, a phone) with other
              fields; `id` is that record's when known, `code` and `reason` say which key.
    """

    client_ref: str
    outcome: Outcome
    id: str | None = None
    output: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    reason: str | None = None
    sent: bool = False


class Target(Protocol):
    resource_type: str
    #: True when creates are accepted in bulk and become visible only later, so a
    #: Confirm step must search for them.
    confirms_by_search: bool
    #: How long a request that got no answer may still land: a row it carried is not sent
    #: again before then (0 for a target that can never make a second record of a row).
    resend_after_seconds: float

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """Create rows; one result per row. Raises TransientError when the call itself failed."""
        ...

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """The rows that exist for these client references (created results only)."""
        ...

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which of these values of a canonical field (a facility name, a phone) the service
        already holds. A field the service does not keep unique answers an empty set."""
        ...


@runtime_checkable
class RecordKeeper(Protocol):
    """A target that can read its records back and change them: rows that carry an id
    become updates and deactivations (flows/plan.py), sent through `create` with their
    `operation`, and confirmed through `changes_made` as creates are through `find`."""

    #: the canonical fields an update may change
    updatable_fields: tuple[str, ...]

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records that exist among these ids: id -> canonical fields."""
        ...

    def changes_made(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The changes (update / deactivate rows) the service holds already, by client
        reference: how a retry confirms a change an earlier attempt sent (updated or
        deactivated results only; a change not made yet is left out)."""
        ...


@runtime_checkable
class RowFinder(Protocol):
    """A target whose records a client reference alone cannot find (a project is found by
    its campaign and boundary): a retry's confirmation hands it the rows themselves, and
    `find` is not asked (flows/create_loop.py)."""

    def find_rows(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """What the service holds of these rows, by client reference, as `find` answers."""
        ...


@runtime_checkable
class TargetsKeeper(Protocol):
    """The target of boundaryWithTarget rows: it answers a campaign's targets."""

    def targets_of(self, tenant_id: str, campaign_id: str) -> dict[str, dict[str, Any]]:
        """The campaign's targets: boundary code -> column -> value."""
        ...


def comparable(value: Any) -> Any:
    """A canonical field's value as a row's and a record's are compared (flows/plan.py, the
    targets' `changes_made`): blanks alike, whole floats as ints, lists as sorted texts
    (boundary codes and roles are sets to the user)."""
    if value in (None, "", []):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return sorted(str(item) for item in value)
    return value
