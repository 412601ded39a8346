"""The interface every target implements.

A target creates rows of one resource type in one service. Every row carries a client
reference id (resource id + row number); creating the same reference twice must never
create a second record, and `find` answers what already exists for given references,
which is how a retry confirms what an earlier attempt created.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Outcome = Literal["created", "pending", "rejected"]


@dataclass(frozen=True)
class PendingRow:
    client_ref: str
    row_number: int
    data: dict[str, Any]


@dataclass(frozen=True)
class TargetResult:
    """What the service said about one row.

    created:  it exists, with `id` (and `output` columns such as a username).
    pending:  not created yet, worth another attempt (a per-row transient failure,
              or a bulk create the service has not made visible yet).
    rejected: refused for good; `code` and `reason` say why.
    """

    client_ref: str
    outcome: Outcome
    id: str | None = None
    output: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    reason: str | None = None


class Target(Protocol):
    resource_type: str
    #: True when creates are accepted in bulk and become visible only later, so a
    #: Confirm step must search for them.
    confirms_by_search: bool

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
