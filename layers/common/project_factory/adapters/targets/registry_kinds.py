"""What differs between the resource types the built-in registry holds, in one place.

A facility, a user and a boundary are kept alike (see registry.py); what tells them apart is
their business key (name, phone, code) and how it is normalised, how a record's id derives
from its row, which fields a row must carry, and how a row compares with the record that
already owns its key. The registry target asks its kind; it never asks which type it is.
"""

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from project_factory.adapters.dynamo import plain, to_dynamo
from project_factory.adapters.key_claims import Claim
from project_factory.domain.target_calls import PendingRow, TargetResult


@dataclass(frozen=True)
class RegistryKind:
    """The rules of one resource type in the registry."""

    key_field: str
    fields: tuple[str, ...]
    #: the record's id from (tenant, client reference, row data): the same row, the same id
    new_id: Callable[[str, str, Mapping[str, Any]], str]
    normalise_key: Callable[[str], str]
    duplicate_reason: str  # formatted with the row's business key as `value`
    required: tuple[str, ...] = ()

    def business_key(self, row: PendingRow) -> str:
        """The row's business key, as claimed."""
        return self.normalise_key(str(row.data[self.key_field]))

    def refusal(self, row: PendingRow) -> TargetResult | None:
        """The answer for a row that must never be written (a required field blank), or None."""
        missing = [name for name in self.required if not str(row.data.get(name) or "").strip()]
        if not missing:
            return None
        return TargetResult(
            row.client_ref,
            "rejected",
            code=f"MISSING_{missing[0].upper()}",
            reason=f"{missing[0]} is required",
        )

    def compared(self, row: PendingRow, entity: Mapping[str, Any]) -> TargetResult:
        """existing when the owner's record has this row's fields, conflict when not.

        The canonical fields, as stored: secrets are never stored (a password only as a
        hash) and usernames are given out, so neither is compared; the key itself matched
        (as normalised: names differing only by case or spacing are the same facility).
        """
        entity_id = str(entity["id"])
        differing = [
            name
            for name in self.fields
            if name != self.key_field
            and _comparable(row.data.get(name)) != _comparable(entity.get(name))
        ]
        if not differing:
            output = {"username": str(entity["username"])} if entity.get("username") else {}
            return TargetResult(row.client_ref, "existing", id=entity_id, output=output)
        value = str(row.data[self.key_field]).strip()
        return TargetResult(
            row.client_ref,
            "conflict",
            id=entity_id,
            code=f"DUPLICATE_{self.key_field.upper()}",
            reason=self.duplicate_reason.format(value=value)
            + f" ({entity_id}), with a different {', '.join(differing)}",
        )

    def owner_busy(self, row: PendingRow, claim: Claim) -> TargetResult:
        """Pending: the key's owner, another upload's row, has not written its record yet."""
        value = str(row.data[self.key_field]).strip()
        return TargetResult(
            row.client_ref,
            "pending",
            code="KEY_CLAIMED_NOT_WRITTEN",
            reason=f"{self.key_field} {value!r} is claimed by row {claim.owner} of another "
            "upload, whose record is not written yet",
        )


KINDS: dict[str, RegistryKind] = {
    "facility": RegistryKind(
        key_field="name",
        fields=("name", "facilityType", "isPermanent", "capacity", "boundaryCodes", "usage"),
        new_id=lambda tenant, ref, _data: "F-" + _digest(tenant, ref)[:12].upper(),
        # Names differing only by case or spacing are the same facility to a person.
        normalise_key=lambda value: value.strip().lower(),
        duplicate_reason="a facility named {value!r} already exists",
        required=("name",),
    ),
    "user": RegistryKind(
        key_field="phone",
        fields=("name", "phone", "roles", "employmentType", "boundaryCodes", "usage"),
        new_id=lambda tenant, ref, _data: str(uuid.UUID(_digest(tenant, ref)[:32], version=4)),
        normalise_key=str.strip,
        duplicate_reason="phone {value} is already registered",
        required=("phone", "password"),
    ),
    "boundary": RegistryKind(
        key_field="code",
        fields=("code", "name", "boundaryType", "parentCode"),
        new_id=lambda _tenant, _ref, data: str(data["code"]).strip(),
        normalise_key=str.strip,
        duplicate_reason="boundary code {value!r} already exists",
        required=("code",),
    ),
}


def _comparable(value: Any) -> Any:
    """A canonical field as the table gives it back (numbers as Decimal, then plain)."""
    return plain(to_dynamo(value))


def _digest(tenant_id: str, client_ref: str) -> str:
    return hashlib.sha256(f"{tenant_id}|{client_ref}".encode()).hexdigest()
