"""The interface every target implements.

A target creates rows of one resource type in one service. Every row carries a client
reference id (resource id + row number); creating the same reference twice must never
create a second record, and `find` answers what already exists for given references,
which is how a retry confirms what an earlier attempt created.

The Protocols (the ports) live here; the rows they take and the results they give are the
domain's (domain/target_calls.py), which the flows share with every target.
"""

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from project_factory.domain.target_calls import PendingRow, TargetResult


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
