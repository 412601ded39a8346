"""A resource run's secrets: users' passwords sealed in scratch, opened only where used.

Envelope encryption. Validate makes one data key per resource run (KMS GenerateDataKey,
with an encryption context naming the resource and its tenant), keeps only its encrypted
copy in scratch (`scratch/<id>/data-key.json`) and seals each password with it
(AES-256-GCM, bound to the row's client reference and the field, see secret_box.py). A
chunk line carries the sealed values apart from the row's data:

    {"clientRef": ..., "rowNumber": ..., "data": {... "username": ...},
     "sealed": {"password": "v1.<base64>"}}

The Create task and Finalize decrypt the data key once per invocation (KMS Decrypt, the
same context) and open a password only in memory, for the request that sends it or the
credentials file that hands it out. Nothing written to scratch holds a plaintext password:
not the chunks, not the outcomes. A retry or a redrive reads the same chunk, so the same
sealed password is sent every time, and a user created by an attempt whose answer was
lost is handed out with the password it was created with.
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from project_factory.domain.target_calls import PendingRow
from project_factory.errors import DomainError
from project_factory.flows.ports import Ports
from project_factory.flows.scratch import ScratchKeys
from project_factory.secret_box import SecretBox

#: The chunk line's field holding sealed values (field name -> sealed text).
SEALED = "sealed"
#: Fields that are sealed in scratch and never written to an outcome or a processed file.
SECRET_FIELDS = frozenset({"password"})
_PURPOSE = "project-factory/user-passwords"


def encryption_context(resource_id: str, tenant_id: str) -> dict[str, str]:
    """What a run's data key is bound to (KMS checks it; CloudTrail logs it)."""
    return {"purpose": _PURPOSE, "resourceId": resource_id, "tenantId": tenant_id}


def _associated(client_ref: str, name: str) -> str:
    return f"{client_ref}#{name}"


class Sealer:
    """Validate's side: a new data key for the run, made when the first value is sealed."""

    def __init__(self, services: Ports, resource_id: str, tenant_id: str) -> None:
        self._services = services
        self._keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
        self._context = encryption_context(resource_id, tenant_id)
        self._box: SecretBox | None = None

    def seal(self, client_ref: str, name: str, value: str) -> str:
        if self._box is None:
            self._box = self._new_box()
        return self._box.seal(value, _associated(client_ref, name))

    def _new_box(self) -> SecretBox:
        data_key = self._services.data_keys.generate(self._context)
        # Kept before any chunk that needs it is written; only KMS can open it.
        self._services.files.put_json(
            self._keys.data_key,
            {"version": 1, "encryptedKey": base64.b64encode(data_key.encrypted).decode("ascii")},
        )
        return SecretBox(data_key.plaintext)


class Opener:
    """Create's and Finalize's side: the run's data key, decrypted once, when first needed."""

    def __init__(self, services: Ports, resource_id: str, tenant_id: str) -> None:
        self._services = services
        self._keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
        self._context = encryption_context(resource_id, tenant_id)
        self._box: SecretBox | None = None

    def open(self, client_ref: str, name: str, sealed: str) -> str:
        if self._box is None:
            self._box = self._kept_box()
        return self._box.open(sealed, _associated(client_ref, name))

    def opened(self, rows: Sequence[PendingRow]) -> list[PendingRow]:
        """The rows with their sealed values opened into their data, for the call that
        sends them (held in memory only, for that call)."""
        return [self._opened(row) if row.sealed else row for row in rows]

    def _opened(self, row: PendingRow) -> PendingRow:
        secrets = {
            name: self.open(row.client_ref, name, value) for name, value in row.sealed.items()
        }
        return replace(row, data=row.data | secrets, sealed={})

    def _kept_box(self) -> SecretBox:
        kept = self._services.files.get_json(self._keys.data_key)
        if not kept:
            raise DomainError(
                f"the data key of resource {self._context['resourceId']} is not in scratch",
                code="DATA_KEY_MISSING",
            )
        encrypted = base64.b64decode(kept["encryptedKey"])
        return SecretBox(self._services.data_keys.decrypt(encrypted, self._context))


def sealed_of(line: Mapping[str, Any]) -> dict[str, str]:
    """The sealed values of a chunk line."""
    return dict(line.get(SEALED) or {})


def without_secrets(output: Mapping[str, str]) -> dict[str, str]:
    """A target's output with no secret field: what may be written to scratch or a file."""
    return {name: value for name, value in output.items() if name not in SECRET_FIELDS}
