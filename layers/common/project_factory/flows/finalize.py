"""resource_create's last step: the processed workbook and the resource's final status."""

import uuid
from itertools import islice
from typing import Any

from project_factory.errors import DomainError
from project_factory.flows.chunks import ChunkOutcomes
from project_factory.flows.scratch import ScratchKeys
from project_factory.models import ResourceRow, ResourceStatus, RowStatus
from project_factory.services import Services
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import RowResult, write_processed
from project_factory.sheets.schema import to_json_schema
from project_factory.sheets.spec import spec_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PROCESSED_NAMESPACE = uuid.UUID("2d3c5a9e-4f61-4b8e-9d7a-3e1f0c6b5a42")
#: per-row errors kept in the database (the full list is in the processed file)
MAX_STORED_ERRORS = 100


def finalize_resource(resource_id: str, services: Services) -> dict[str, Any]:
    row = services.resources.get(resource_id)
    keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
    summary = services.files.get_json(keys.summary)
    if summary is None:
        raise DomainError(f"resource {resource_id} was never validated", code="NOT_VALIDATED")
    messages = load_bundled_messages()
    locale = services.settings.default_locale
    created_rows, attempts = _outcomes_by_row(services, keys, summary["proceed"], messages, locale)
    results: dict[int, RowResult] = {}
    for line in services.files.iter_lines(keys.verdicts):
        results[line["rowNumber"]] = _row_result(line, summary, created_rows, row, messages, locale)
    counts = _counts(results, attempts)
    spec = spec_for(row.type)
    schema = to_json_schema(services.schemas.get(row.tenantId, row.type))
    original = services.files.read(row.tenantId, row.fileStoreId)
    processed = write_processed(original, spec, results, messages, locale, json_schema=schema)
    name = services.files.describe(row.tenantId, row.fileStoreId).filename
    # Named by the resource, so a retried Finalize overwrites instead of adding a file.
    stored = services.files.put(
        row.tenantId,
        processed,
        filename=f"processed_{name}",
        module="processed",
        content_type=XLSX,
        file_store_id=str(uuid.uuid5(_PROCESSED_NAMESPACE, resource_id)),
    )
    status = _final_status(row, counts, summary)
    finished = services.resources.finish(
        resource_id,
        status,
        details={"counts": counts, "rowErrors": _row_errors(results)},
        processed_file_store_id=stored.file_store_id,
    )
    return {"resourceId": resource_id, "status": finished.status, "counts": counts}


def _outcomes_by_row(
    services: Services, keys: ScratchKeys, proceeded: bool, messages: Any, locale: str
) -> tuple[dict[int, RowResult], int]:
    """Created/failed results of the rows that went to the target, and the most attempts."""
    if not proceeded:
        return {}, 0
    results: dict[int, RowResult] = {}
    attempts = 0
    for chunk in services.files.get_json(keys.manifest) or []:
        outcomes = ChunkOutcomes(services.files.get_json(keys.outcomes(chunk["index"])))
        attempts = max(attempts, outcomes.attempts)
        for line in services.files.iter_lines(chunk["key"]):
            known = outcomes.rows.get(line["clientRef"], {})
            results[line["rowNumber"]] = _target_result(known, outcomes.attempts, messages, locale)
    return results, attempts


def _target_result(known: dict[str, Any], attempts: int, messages: Any, locale: str) -> RowResult:
    state = known.get("state")
    if state == "created":
        return RowResult(RowStatus.CREATED, id=known.get("id"), output=known.get("output") or {})
    if state == "rejected":
        return RowResult(RowStatus.FAILED, errors=[f"{known.get('code')}: {known.get('reason')}"])
    last = f" (last: {known['code']}: {known['reason']})" if known.get("reason") else ""
    return RowResult(
        RowStatus.FAILED,
        errors=[messages.format("PF_ERR_NOT_CREATED", locale, attempts=attempts) + last],
    )


def _row_result(
    line: dict[str, Any],
    summary: dict[str, Any],
    created_rows: dict[int, RowResult],
    row: ResourceRow,
    messages: Any,
    locale: str,
) -> RowResult:
    if line["errors"]:
        return RowResult(RowStatus.INVALID, errors=line["errors"])
    if not line["create"]:
        return RowResult(RowStatus.SKIPPED, id=line.get("existingId"))
    if summary["proceed"]:
        return created_rows.get(
            line["rowNumber"],
            RowResult(RowStatus.FAILED, errors=[messages.text("PF_ERR_NO_OUTCOME", locale)]),
        )
    if row.action == "validate":
        return RowResult(RowStatus.VALID)
    return RowResult(
        RowStatus.VALID, errors=[messages.text("PF_ERR_NOT_CREATED_INVALID_FILE", locale)]
    )


def _counts(results: dict[int, RowResult], attempts: int) -> dict[str, int]:
    statuses = [result.status for result in results.values()]
    return {
        "total": len(statuses),
        "created": statuses.count(RowStatus.CREATED),
        "invalid": statuses.count(RowStatus.INVALID),
        "failed": statuses.count(RowStatus.FAILED),
        "skipped": statuses.count(RowStatus.SKIPPED),
        "attempts": attempts,
    }


def _final_status(
    row: ResourceRow, counts: dict[str, int], summary: dict[str, Any]
) -> ResourceStatus:
    if counts["invalid"]:
        return ResourceStatus.INVALID
    if row.action == "validate":
        return ResourceStatus.VALIDATED
    if counts["failed"] == 0:
        return ResourceStatus.CREATED
    if counts["created"]:
        return ResourceStatus.PARTIALLY_CREATED
    return ResourceStatus.FAILED


def _row_errors(results: dict[int, RowResult]) -> list[dict[str, Any]]:
    failing = (
        {"row": number, "status": result.status.value, "errors": result.errors}
        for number, result in sorted(results.items())
        if result.status in (RowStatus.INVALID, RowStatus.FAILED)
    )
    return list(islice(failing, MAX_STORED_ERRORS))
