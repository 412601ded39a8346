"""Demo fault injection: any target, with a share of its rows failing transiently once.

The demo setting RegistryTransientFailureRate makes that fraction of rows fail their first
create attempt with a transient fault, so the flow's retries can be watched healing them.
It is a wrapper, not part of any target, so a target's own code has no demo branch in it.

Which rows fail depends only on their client reference (the same rows in every container).
A row's first failure writes its marker in the registry table, conditionally:

  FAULT#{clientRef} / FAULT    marker of an injected transient failure: createdTime

so every later attempt of that row goes through, whichever container makes it.
"""

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from project_factory.adapters.dynamo import conditional_write
from project_factory.adapters.targets.base import Target
from project_factory.domain.audit import now_ms
from project_factory.domain.target_calls import PendingRow, TargetResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_ABSENT = "attribute_not_exists(pk)"


@runtime_checkable
class RefusesRows(Protocol):
    """A target that refuses some rows for good without a call (a required field blank)."""

    def refusal(self, row: PendingRow) -> TargetResult | None:
        """The answer for a row that must never be written, or None."""
        ...


class FaultInjectingTarget:
    """A target whose creates fail a stable fraction of rows transiently, the first time."""

    resource_type: str
    confirms_by_search: bool
    resend_after_seconds: float

    def __init__(self, target: Target, table: "Table", failure_rate: float) -> None:
        self._target = target
        self._table = table
        self._failure_rate = failure_rate
        self.resource_type = target.resource_type
        self.confirms_by_search = target.confirms_by_search
        self.resend_after_seconds = target.resend_after_seconds
        # What the target can do besides the Target calls (keep records, list facilities,
        # answer a campaign's targets) is asked with isinstance against runtime protocols,
        # which look at an object's own attributes, never through __getattr__: the target's
        # other public attributes are held here, bound to it, so the wrapper can do as much.
        for name in dir(target):
            if not name.startswith("_") and not hasattr(self, name):
                setattr(self, name, getattr(target, name))

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """The chosen rows' first attempts fail; the other rows go to the target."""
        failed = {row.client_ref: _injected(row) for row in rows if self._fails(row)}
        passed = [row for row in rows if row.client_ref not in failed]
        # No call for a batch that failed whole: a target may not answer an empty one cheaply.
        answers = self._target.create(tenant_id, passed) if passed else []
        created = {row.client_ref: answer for row, answer in zip(passed, answers, strict=True)}
        return [failed.get(row.client_ref) or created[row.client_ref] for row in rows]

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        return self._target.find(tenant_id, client_refs)

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        return self._target.registered(tenant_id, key, values)

    def _fails(self, row: PendingRow) -> bool:
        """Whether this attempt of the row fails: a chosen create row's first attempt.

        Changes are never failed, and a row the target refuses for good is refused on its
        first attempt, as it would be without faults."""
        if row.operation != "create":
            return False
        if isinstance(self._target, RefusesRows) and self._target.refusal(row) is not None:
            return False
        return self._first_attempt_of_chosen(row.client_ref)

    def _first_attempt_of_chosen(self, client_ref: str) -> bool:
        if self._failure_rate <= 0 or _stable_fraction(client_ref) >= self._failure_rate:
            return False
        marker: dict[str, str | int] = {
            "pk": f"FAULT#{client_ref}",
            "sk": "FAULT",
            "createdTime": now_ms(),
        }
        return conditional_write(
            lambda: self._table.put_item(Item=marker, ConditionExpression=_ABSENT), "registry"
        )


def with_injected_faults(target: Target, table: "Table", failure_rate: float) -> Target:
    """The target, failing `failure_rate` of its rows once (markers in `table`, the registry
    table); the target itself when the rate is 0, as it is outside the demo."""
    if failure_rate <= 0:
        return target
    return FaultInjectingTarget(target, table, failure_rate)


def _injected(row: PendingRow) -> TargetResult:
    return TargetResult(
        row.client_ref, "pending", code="TRANSIENT_FAULT", reason="injected transient failure"
    )


def _stable_fraction(client_ref: str) -> float:
    """A number in [0, 1) that depends only on the client reference, in every container."""
    digest = hashlib.sha256(client_ref.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
