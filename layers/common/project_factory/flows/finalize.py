"""resource_create's last step: the processed workbook and the resource's final status.

Merges two streams in row order, never a table of all rows: the verdicts of every sheet
row (from Validate) and the outcomes of the rows sent to the target (chunk by chunk).

The processed file carries usernames, never a password. The users a resource created are
handed out once, in a credentials file (username, password, name, phone, boundary codes,
row), written with SSE-KMS under `credentials/` and named on the row as
`additionalDetails.credentialsFileStoreId`: only an admin of the tenant gets a link to it.
Each password is opened from its chunk line, sealed since Validate (flows/run_secrets.py).
"""

import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from project_factory.domain.files import XLSX
from project_factory.domain.resources import ResourceRow, RowStatus
from project_factory.domain.target_calls import PendingRow
from project_factory.errors import DomainError
from project_factory.flows.chunk_outcomes import ChunkOutcomes
from project_factory.flows.confirming import confirm_unsettled
from project_factory.flows.credentials_handout import CredentialsHandout, hands_out
from project_factory.flows.finalize_counts import Planner, ResultLine, Tally, final_status
from project_factory.flows.intake import accepted_file
from project_factory.flows.ports import Ports
from project_factory.flows.run_secrets import without_secrets
from project_factory.flows.scratch import PartReader, ScratchKeys
from project_factory.flows.sheet_schemas import bound_schema
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.messages import Messages, load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.spec import spec_for

_PROCESSED_NAMESPACE = uuid.UUID("2d3c5a9e-4f61-4b8e-9d7a-3e1f0c6b5a42")
#: Finalize runs (its task's retries) whose last look may fail and be retried; the run after
#: reports what it still cannot find as NOT_CREATED rather than fail the resource.
_CONFIRM_RETRIES = 2
#: scratch parts read ahead of the one being written out, and the threads reading them
_READ_AHEAD = 4


def finalize_resource(resource_id: str, services: Ports) -> dict[str, Any]:
    row = services.resources.get(resource_id)
    keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
    summary = services.files.get_json(keys.summary)
    if summary is None:
        raise DomainError(f"resource {resource_id} was never validated", code="NOT_VALIDATED")
    messages = load_bundled_messages()
    locale = services.settings.default_locale
    services.resources.report_progress(resource_id, {"stage": "finalizing"})
    runs = int(services.files.get_json(keys.finalize_runs) or 0) + 1
    services.files.put_json(keys.finalize_runs, runs)
    tally = Tally()
    handout = CredentialsHandout(row, services, messages, locale) if hands_out(row) else None
    spec, schema = bound_schema(spec_for(row.type), row.tenantId, services)
    planner = Planner(spec, messages, locale) if row.action == "validate" else None
    # The object Validate read, which _create accepted: never a later upload of the same id.
    pin = accepted_file(row)
    original = services.files.read(row.tenantId, row.fileStoreId, pin)
    processed = io.BytesIO()
    # The scratch parts are read a few ahead in a pool while the file is written: on S3
    # each is a round trip.
    with ThreadPoolExecutor(_READ_AHEAD, "finalize") as reads:
        scratch = PartReader(services.files, reads, _READ_AHEAD)
        results = tally.observe(
            _results(
                row,
                summary,
                keys,
                services,
                scratch,
                messages,
                locale,
                tally,
                runs > _CONFIRM_RETRIES,
                handout,
            ),
            planner,
        )
        write_processed(
            original,
            spec,
            results,
            messages,
            locale,
            processed,
            json_schema=schema,
            # The limits Validate read the upload with: a file it took is never refused here.
            limits=WorkbookLimits.of(services.settings),
            plan_column=planner is not None,
        )
    name = services.files.describe(row.tenantId, row.fileStoreId, pin).filename
    # Named by the resource, so a retried Finalize overwrites instead of adding a file.
    stored = services.files.put(
        row.tenantId,
        processed.getvalue(),
        filename=f"processed_{name}",
        module="processed",
        content_type=XLSX,
        file_store_id=str(uuid.uuid5(_PROCESSED_NAMESPACE, resource_id)),
    )
    counts = tally.counts()
    details: dict[str, Any] = {"counts": counts, "rowErrors": tally.row_errors}
    if planner is not None:
        details["plan"] = dict(tally.plans)
    if handout is not None and (credentials_id := handout.store(f"credentials_{name}")):
        details["credentialsFileStoreId"] = credentials_id
    finished = services.resources.finish(
        resource_id,
        final_status(row, counts),
        details=details,
        processed_file_store_id=stored.file_store_id,
    )
    return {"resourceId": resource_id, "status": finished.status, "counts": counts}


def _results(
    row: ResourceRow,
    summary: dict[str, Any],
    keys: ScratchKeys,
    services: Ports,
    scratch: PartReader,
    messages: Messages,
    locale: str,
    tally: Tally,
    last_chance: bool,
    handout: CredentialsHandout | None,
) -> Iterator[tuple[int, ResultLine]]:
    """Every sheet row's result (with its verdict line), in row order."""
    sent = (
        _target_results(row, keys, services, scratch, messages, locale, tally, last_chance, handout)
        if summary["proceed"]
        else None
    )
    for _, lines in scratch.parts(summary["verdictParts"], scratch.lines):
        for line in lines:
            number = line["rowNumber"]
            if line["errors"]:
                yield number, (RowResult(RowStatus.INVALID, errors=line["errors"]), line)
            elif not line.get("send", line["create"]):
                yield number, (RowResult(RowStatus.SKIPPED, id=line.get("existingId")), line)
            elif sent is not None:
                # Chunks keep the sheet's order, so both streams advance together.
                sent_number, result = next(sent)
                if sent_number != number:
                    raise DomainError(
                        f"row {number} met the outcome of row {sent_number}", code="OUT_OF_ORDER"
                    )
                yield number, (result, line)
            elif row.action == "validate":
                yield number, (RowResult(RowStatus.VALID), line)
            else:
                changes = line.get("operation") in ("update", "deactivate")
                code = (
                    "PF_ERR_NOT_CHANGED_INVALID_FILE"
                    if changes
                    else "PF_ERR_NOT_CREATED_INVALID_FILE"
                )
                note = messages.text(code, locale)
                yield number, (RowResult(RowStatus.VALID, errors=[note]), line)


def _target_results(
    row: ResourceRow,
    keys: ScratchKeys,
    services: Ports,
    scratch: PartReader,
    messages: Messages,
    locale: str,
    tally: Tally,
    last_chance: bool,
    handout: CredentialsHandout | None,
) -> Iterator[tuple[int, RowResult]]:
    """The outcome of each row sent to the target, chunk by chunk, in row order.

    A row left neither created nor refused (its chunk gave up, or MaxRetries ran out) is
    looked for once more by its client reference first: what the service holds is
    reported CREATED, never NOT_CREATED. What was found is kept with the chunk's outcomes.
    """
    target = services.target(row.type, row.hierarchyType)

    def chunk_files(chunk: dict[str, Any]) -> tuple[Any, list[Any]]:
        # Create and Confirm are done: nothing but this step writes the outcomes now.
        return services.files.get_json(keys.outcomes(chunk["index"])), scratch.lines(chunk["key"])

    manifest = services.files.get_json(keys.manifest) or []
    for chunk, (kept, lines) in scratch.parts(manifest, chunk_files):
        outcomes_key = keys.outcomes(chunk["index"])
        outcomes = ChunkOutcomes(kept)
        rows = [PendingRow.from_line(line) for line in lines]
        if any(not outcomes.settled(pending.client_ref) for pending in rows):
            confirm_unsettled(target, chunk["tenantId"], rows, outcomes, last_chance=last_chance)
            services.files.put_json(outcomes_key, outcomes.to_json())
        tally.attempts = max(tally.attempts, outcomes.attempts)
        for line in lines:
            known = outcomes.rows.get(line["clientRef"], {})
            if handout is not None and known.get("state") == "created":
                handout.add(line, known)
            yield line["rowNumber"], _target_result(known, outcomes.attempts, messages, locale)


def _target_result(
    known: dict[str, Any], attempts: int, messages: Messages, locale: str
) -> RowResult:
    state = known.get("state")
    if state == "created":
        # (An outcome kept from before passwords left them may still carry one: not written.)
        output = without_secrets(known.get("output") or {})
        return RowResult(RowStatus.CREATED, id=known.get("id"), output=output)
    if state == "updated":
        return RowResult(RowStatus.UPDATED, id=known.get("id"))
    if state == "deactivated":
        return RowResult(RowStatus.DEACTIVATED, id=known.get("id"))
    if state == "rejected":
        return RowResult(RowStatus.FAILED, errors=[f"{known.get('code')}: {known.get('reason')}"])
    if state == "existing":
        # The same record, created from another row (another upload of the same data).
        return RowResult(RowStatus.SKIPPED, id=known.get("id"))
    if state == "conflict":
        return RowResult(RowStatus.INVALID, errors=[f"{known.get('code')}: {known.get('reason')}"])
    # Neither created nor refused: the service may or may not hold it, as the original said.
    if attempts == 0:
        # The chunk's task failed for good before recording anything.
        return RowResult(RowStatus.NOT_CREATED, errors=[messages.text("PF_ERR_NO_OUTCOME", locale)])
    last = f" (last: {known['code']}: {known['reason']})" if known.get("reason") else ""
    return RowResult(
        RowStatus.NOT_CREATED,
        errors=[messages.format("PF_ERR_NOT_CREATED", locale, attempts=attempts) + last],
    )
