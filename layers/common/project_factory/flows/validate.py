"""resource_create's first step: read the upload, judge every row, lay out the chunks.

Writes to scratch: every row's verdict in file order, the rows to create in chunks of
JSON Lines, and a manifest of the chunks for the Distributed Map. The state machine
gets keys and counts back, never rows.
"""

import sys
from typing import Any

from project_factory.adapters.targets.base import Target
from project_factory.errors import InvalidRequestError
from project_factory.flows.scratch import ScratchKeys
from project_factory.models import ResourceRow
from project_factory.passwords import generate_password
from project_factory.services import Services
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.schema import to_json_schema
from project_factory.sheets.spec import SheetSpec, spec_for
from project_factory.sheets.validation import Registered, RowValidator, RowVerdict

# Rows of these types are created in a target; others are validated only for now.
TYPES_WITH_TARGETS = frozenset({"facility", "user", "boundary"})


def validate_resource(resource_id: str, services: Services) -> dict[str, Any]:
    row = services.resources.get(resource_id)
    if row.action == "create" and row.type not in TYPES_WITH_TARGETS:
        raise InvalidRequestError(
            f"{row.type} files can be validated; creating them is not supported yet",
            code="UNSUPPORTED_ACTION",
        )
    settings = services.settings
    keys = ScratchKeys(settings.scratch_prefix, resource_id)
    spec = spec_for(row.type)
    schema = to_json_schema(services.schemas.get(row.tenantId, row.type))
    messages = load_bundled_messages()
    target = (
        services.target(row.type, row.hierarchyType) if row.type in TYPES_WITH_TARGETS else None
    )
    validator = RowValidator(
        schema,
        spec,
        phone_length=settings.phone_length,
        allowed_boundary_codes=_allowed_boundaries(row, spec, services),
        registered=_registered(row, spec, target)
        if target and not settings.allow_phone_reuse
        else None,
        messages=messages,
        locale=settings.default_locale,
    )
    sheet_rows = iter_sheet_rows(
        services.files.read(row.tenantId, row.fileStoreId), spec, messages, json_schema=schema
    )
    verdicts: list[dict[str, Any]] = []
    chunks = _ChunkWriter(services, keys, row, _chunk_size(row, settings.chunk_size))
    for verdict in validator.validate_all(sheet_rows):
        verdicts.append(_verdict_line(verdict))
        if verdict.create and verdict.canonical is not None:
            chunks.add(verdict, _with_password(row, verdict.canonical, settings.password_length))
    if not verdicts:
        raise InvalidRequestError("the data sheet has no rows", code="NO_DATA_ROWS")
    chunks.close()
    invalid = sum(1 for line in verdicts if line["errors"])
    proceed = row.action == "create" and invalid == 0 and chunks.rows > 0
    services.files.put_lines(keys.verdicts, verdicts)
    services.files.put_json(keys.manifest, chunks.manifest)
    summary = {
        "total": len(verdicts),
        "invalid": invalid,
        "toCreate": chunks.rows,
        "chunks": len(chunks.manifest),
        "proceed": proceed,
    }
    services.files.put_json(keys.summary, summary)
    return {
        **summary,
        "bulk": bool(target and target.confirms_by_search),
        "manifest": {"bucket": services.files.bucket, "key": keys.manifest},
    }


class _ChunkWriter:
    def __init__(self, services: Services, keys: ScratchKeys, row: ResourceRow, size: int) -> None:
        self._services, self._keys, self._row, self._size = services, keys, row, size
        self._lines: list[dict[str, Any]] = []
        self.manifest: list[dict[str, Any]] = []
        self.rows = 0

    def add(self, verdict: RowVerdict, data: dict[str, Any]) -> None:
        self._lines.append(
            {
                # The client reference id makes every create of this row idempotent.
                "clientRef": f"{self._row.id}:{verdict.row_number}",
                "rowNumber": verdict.row_number,
                "data": data,
            }
        )
        self.rows += 1
        if len(self._lines) >= self._size:
            self._flush()

    def close(self) -> None:
        if self._lines:
            self._flush()

    def _flush(self) -> None:
        index = len(self.manifest)
        key = self._keys.chunk(index)
        self._services.files.put_lines(key, self._lines)
        self.manifest.append(
            {
                "index": index,
                "key": key,
                "rows": len(self._lines),
                "tenantId": self._row.tenantId,
                "type": self._row.type,
                "hierarchyType": self._row.hierarchyType,
            }
        )
        self._lines = []


def _chunk_size(row: ResourceRow, configured: int) -> int:
    # Chunks run in parallel; a boundary must exist before its children, so a boundary
    # file stays one chunk, created in file order (parents come first in the sheet).
    return sys.maxsize if row.type == "boundary" else configured


def _verdict_line(verdict: RowVerdict) -> dict[str, Any]:
    return {
        "rowNumber": verdict.row_number,
        "errors": verdict.errors,
        "create": verdict.create,
        "existingId": verdict.existing_id,
    }


def _with_password(row: ResourceRow, data: dict[str, Any], length: int) -> dict[str, Any]:
    # Generated once, before the first attempt, and kept with the chunk (scratch objects
    # are encrypted and expire): every retry sends the same password, and the processed
    # file can hand it out even when the answer that created the user was lost.
    if row.type == "user":
        return {**data, "password": generate_password(length)}
    return data


def _allowed_boundaries(row: ResourceRow, spec: SheetSpec, services: Services) -> set[str] | None:
    if not spec.boundary_column:
        return None
    return services.boundaries.codes(row.tenantId, row.hierarchyType)


def _registered(row: ResourceRow, spec: SheetSpec, target: Target) -> Registered:
    """Asks the target which business keys (names, phones) it already holds."""
    keys_by_column = {column: key for key, column in spec.fields.items()}
    if spec.phone_column:
        keys_by_column[spec.phone_column] = "phone"

    def registered(column: str, values: list[str]) -> set[str]:
        key = keys_by_column.get(column)
        return target.registered(row.tenantId, key, values) if key else set()

    return registered
