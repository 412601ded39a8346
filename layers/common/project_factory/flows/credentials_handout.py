"""The credentials file Finalize hands out once: the users a resource created, each with
the password it was created with, written with SSE-KMS under `credentials/` and named on
the row as `additionalDetails.credentialsFileStoreId` (only an admin of the tenant gets a
link to it). Each password is opened from its chunk line, sealed since Validate
(flows/run_secrets.py)."""

import uuid
from typing import Any

from project_factory.domain.resources import ResourceRow
from project_factory.flows.ports import Ports
from project_factory.flows.run_secrets import Opener, sealed_of
from project_factory.sheets.credentials import CredentialsWorkbook
from project_factory.sheets.messages import Messages

_CREDENTIALS_NAMESPACE = uuid.UUID("8f0b6c1e-2a7d-4c55-9e3b-61d4a0f7c9b2")


def hands_out(row: ResourceRow) -> bool:
    """Whether the resource's created rows have credentials to hand out (new users)."""
    return row.type == "user" and row.action == "create"


class CredentialsHandout:
    """The credentials file: the users this resource created, each with the password it
    was created with (opened from its chunk line), gathered as the results stream past.

    Only users created by this resource, in any of its runs: a row SKIPPED (an existing
    user, or one another upload created) keeps the password it has and is not listed.
    """

    def __init__(self, row: ResourceRow, services: Ports, messages: Messages, locale: str) -> None:
        self._row, self._services = row, services
        self._opener = Opener(services, row.id, row.tenantId)
        self._book = CredentialsWorkbook(messages, locale)

    def add(self, line: dict[str, Any], known: dict[str, Any]) -> None:
        data, ref = line["data"], line["clientRef"]
        sealed = sealed_of(line).get("password")
        # (A chunk written before passwords were sealed carries it in its data.)
        password = self._opener.open(ref, "password", sealed) if sealed else data.get("password")
        if not password:
            return
        output = known.get("output") or {}
        self._book.add(
            username=str(output.get("username") or data.get("username") or ""),
            password=str(password),
            name=str(data.get("name") or ""),
            phone=str(data.get("phone") or ""),
            boundary_codes=[str(code) for code in data.get("boundaryCodes") or []],
            row_number=int(line["rowNumber"]),
        )

    def store(self, filename: str) -> str | None:
        """The credentials file's fileStoreId; None when no user was created."""
        workbook = self._book.to_bytes()
        if workbook is None:
            return None
        # Named by the resource: a retried Finalize, or a redrive's, replaces the same file.
        stored = self._services.credentials.put(
            self._row.tenantId,
            str(uuid.uuid5(_CREDENTIALS_NAMESPACE, self._row.id)),
            workbook,
            filename=filename,
        )
        return stored.file_store_id
