"""The interface every target implements.

A target creates rows of one resource type in one service. Every row carries a client
reference id (resource id + row number); creating the same reference twice must never
create a second record, and `find` answers what already exists for given references,
which is how a retry confirms what an earlier attempt created.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Outcome = Literal["created", "pending", "rejected", "existing", "conflict"]


@dataclass(frozen=True)
class PendingRow:
    client_ref: str
    row_number: int
    data: dict[str, Any]
    #: secrets still sealed (field -> sealed text, see flows/run_secrets.py): the flow opens
    #: them into `data` just before a create; a target never sees a sealed value
    sealed: dict[str, str] = field(default_factory=dict)


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
