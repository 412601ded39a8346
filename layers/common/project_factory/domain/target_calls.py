"""What a target is sent (a row to create, update or deactivate) and what it answers for it.

The flows plan and confirm rows, the targets send them: both speak of a row and its outcome
in these words, so they live in the vocabulary, not beside the Target port
(adapters/targets/base.py) that takes them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

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
