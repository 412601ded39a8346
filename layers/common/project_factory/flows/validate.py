"""resource_create's first step: read the upload, judge every row, lay out the chunks.

Writes to scratch: every row's verdict in file order, the rows to create in chunks of
JSON Lines, and a manifest of the chunks for the Distributed Map. The state machine
gets keys and counts back, never rows.

The upload is read under the configured limits (Settings' `upload_*`, see
sheets/limits.py): a hostile or broken file fails the step with a DomainError whose
code says why (ZIP_BOMB, TOO_MANY_COLUMNS, UNREADABLE_WORKBOOK, ...), which MarkFailed
records. Nothing else escapes as an exception class name: whatever the reading raises
is UNREADABLE_WORKBOOK, and any other unexpected error VALIDATION_FAILED.
"""

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from project_factory import progress
from project_factory.adapters.targets.base import RecordKeeper, Target
from project_factory.domain.resources import ResourceRow
from project_factory.errors import DomainError, InvalidRequestError
from project_factory.flows.campaigns import campaign_boundary_codes
from project_factory.flows.intake import accepted_file, check_upload_size
from project_factory.flows.plan import plan_rows
from project_factory.flows.ports import Ports
from project_factory.flows.scratch import PartWriter, ScratchKeys
from project_factory.flows.sheet_schemas import bound_schema
from project_factory.flows.target_rows import TargetRows
from project_factory.flows.validate_scratch import write_manifest, write_rows
from project_factory.settings import Settings
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.messages import Messages, load_bundled_messages
from project_factory.sheets.metadata import check_upload_metadata
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.row_estimate import estimated_rows
from project_factory.sheets.spec import SheetSpec, spec_for
from project_factory.sheets.target_lookups import Registered
from project_factory.sheets.validation import RowValidator
from project_factory.sheets.xlsx_zip_checks import unreadable

#: Chunks per parallel slot of the Map, and the fewest rows a chunk is cut to for that.
CHUNKS_PER_SLOT = 4
MIN_CHUNK_ROWS = 100

# Rows of these types are created in a target (every type, now that targets are stored).
TYPES_WITH_TARGETS = frozenset({"facility", "user", "boundary", "boundaryWithTarget"})


def validate_resource(resource_id: str, services: Ports, redrive: int = 0) -> dict[str, Any]:
    try:
        return _validate_resource(resource_id, services, redrive)
    except DomainError:
        raise
    except Exception as error:
        # Never an exception's class name as the resource's error code.
        raise DomainError(
            f"Validation stopped on an unexpected error ({type(error).__name__}: {error})",
            code="VALIDATION_FAILED",
        ) from error


def _validate_resource(resource_id: str, services: Ports, redrive: int) -> dict[str, Any]:
    row = services.resources.get(resource_id)
    keys = ScratchKeys(services.settings.scratch_prefix, resource_id)
    if redrive and (kept := services.files.get_json(keys.summary)) is not None:
        # A retried create keeps its validation: the same chunks, usernames and passwords,
        # so rows an earlier run may have created are confirmed, never sent anew.
        services.resources.start_progress(resource_id, _read_progress(kept))
        return _answer(row, kept, keys, services)
    settings = services.settings
    spec, schema = bound_schema(spec_for(row.type), row.tenantId, services)
    messages = load_bundled_messages()
    target = (
        services.target(row.type, row.hierarchyType) if row.type in TYPES_WITH_TARGETS else None
    )
    allowed_boundaries = _allowed_boundaries(row, spec, services)
    validator = _validator(row, spec, schema, messages, services, target, allowed_boundaries)
    limits = WorkbookLimits.of(settings)
    upload = _accepted_upload(row, services, limits)
    sheet_rows = _reading_rows(
        _reading(lambda: iter_sheet_rows(upload, spec, messages, json_schema=schema, limits=limits))
    )
    last_row = estimated_rows(upload, spec, messages, limits)
    # A target row to create carries its campaign and its boundary's place (flows/target_rows.py).
    target_rows = (
        TargetRows(row, services, allowed_boundaries or set())
        if row.type == "boundaryWithTarget" and row.action == "create"
        else None
    )
    services.resources.start_progress(resource_id, progress.started("validating", validated=0))
    # The target's lookups and the scratch writes wait on the network: a bounded pool of
    # threads runs them while this one reads the file, which holds the CPU.
    pool = settings.validate_concurrency
    with ThreadPoolExecutor(pool, "validate") as waits:
        verdicts = PartWriter(services.files, keys.verdicts, settings.chunk_size, waits, pool)
        chunk_rows = _chunk_size(row, settings, last_row)
        chunks = PartWriter(services.files, keys.chunk, chunk_rows, waits, pool)
        planned_rows = plan_rows(
            validator.validate_all(sheet_rows, lookups=waits, ahead=pool),
            _record_keeper(spec, target),
            row.tenantId,
            _not_found(spec, messages, settings.default_locale),
            reads=waits,
            ahead=pool,
        )
        invalid = write_rows(row, planned_rows, target_rows, verdicts, chunks, services)
    if not verdicts.parts:
        raise InvalidRequestError("the data sheet has no rows", code="NO_DATA_ROWS")
    summary = write_manifest(row, keys, verdicts, chunks, invalid, services)
    services.resources.start_progress(resource_id, _read_progress(summary))
    return _answer(row, summary, keys, services)


def _validator(
    row: ResourceRow,
    spec: SheetSpec,
    schema: dict[str, Any],
    messages: Messages,
    services: Ports,
    target: Target | None,
    allowed_boundaries: set[str] | None,
) -> RowValidator:
    settings = services.settings
    return RowValidator(
        schema,
        spec,
        phone_length=settings.phone_length,
        allowed_boundary_codes=allowed_boundaries,
        registered=_registered(row, spec, target)
        if target and not settings.allow_phone_reuse
        else None,
        messages=messages,
        locale=settings.default_locale,
        frozen_rows=_frozen_rows(row, spec, schema, messages, services),
    )


def _accepted_upload(row: ResourceRow, services: Ports, limits: WorkbookLimits) -> bytes:
    """Exactly the object _create accepted (FILE_CHANGED / FILE_NOT_FOUND when the key no
    longer holds it), its size checked first: a file too large is never read into memory.
    A template generated for another type or campaign is refused before any row is read."""
    pin = accepted_file(row)
    described = services.files.describe(row.tenantId, row.fileStoreId, pin)
    check_upload_size(described.size, limits.max_bytes)
    upload = services.files.read(row.tenantId, row.fileStoreId, pin)
    _reading(
        lambda: check_upload_metadata(
            upload, resource_type=row.type, campaign_id=row.campaignId, limits=limits
        )
    )
    return upload


def _read_progress(summary: dict[str, Any]) -> dict[str, Any]:
    """The progress of a run whose file is read: creating, or straight to Finalize."""
    return progress.started(
        "creating" if summary["proceed"] else "finalizing",
        validated=summary["total"],
        total=summary["total"],
        toCreate=summary["toCreate"] if summary["proceed"] else 0,
        chunks=summary["chunks"] if summary["proceed"] else 0,
    )


def _reading[T](read: Callable[[], T]) -> T:
    """What reading the upload returns; UNREADABLE_WORKBOOK for anything but a DomainError."""
    try:
        return read()
    except DomainError:
        raise
    except Exception as error:
        raise unreadable(error) from error


def _reading_rows[T](rows: Iterable[T]) -> Iterator[T]:
    """The rows as they are read, with the same rule for what reading them raises."""
    iterator = iter(rows)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except DomainError:
            raise
        except Exception as error:
            raise unreadable(error) from error
        yield item


def _answer(
    row: ResourceRow, summary: dict[str, Any], keys: ScratchKeys, services: Ports
) -> dict[str, Any]:
    """What the state machine carries on: counts and keys, never rows."""
    target = (
        services.target(row.type, row.hierarchyType) if row.type in TYPES_WITH_TARGETS else None
    )
    return {
        **{key: value for key, value in summary.items() if key != "verdictParts"},
        "bulk": bool(target and target.confirms_by_search),
        "manifest": {"bucket": services.files.bucket, "key": keys.manifest},
    }


def _chunk_size(row: ResourceRow, settings: Settings, last_row: int | None) -> int:
    """Rows per chunk: ChunkSize, or fewer, so that a file big enough (its dimension's last
    row tells) yields at least 4 x MapMaxConcurrency chunks: the Map's last wave never runs
    mostly empty. At least MIN_CHUNK_ROWS, so a small file is not spread thin, and a whole
    number of CreateBatchSize batches once it holds one: a chunk of 313 rows at batch 100
    sends a batch of 13, a call spent on a few rows."""
    # Chunks run in parallel; a boundary must exist before its children, so a boundary
    # file stays one chunk, created in file order (parents come first in the sheet). A
    # target file too: its DIGIT projects share the projects of the boundaries above them,
    # which one chunk creates once, in order.
    if row.type in ("boundary", "boundaryWithTarget"):
        return sys.maxsize
    if last_row is None:
        return settings.chunk_size
    data_rows = last_row - 1  # the header, row 1 in the template
    spread = -(-data_rows // (CHUNKS_PER_SLOT * settings.map_max_concurrency))
    size = min(settings.chunk_size, max(MIN_CHUNK_ROWS, spread))
    batch = settings.create_batch_size
    # Rounded down, so the file still makes its 4 x MapMaxConcurrency chunks.
    return size // batch * batch if size >= batch else size


def _record_keeper(spec: SheetSpec, target: Target | None) -> RecordKeeper | None:
    """The target, when rows that carry an id are changes to its records (facilities and
    users of a target that reads its records back, see flows/plan.py)."""
    if spec.id_column is None or not isinstance(target, RecordKeeper):
        return None
    return target


def _not_found(spec: SheetSpec, messages: Messages, locale: str) -> Callable[[str], str]:
    column = messages.text(spec.id_column or "id", locale)

    def word(record_id: str) -> str:
        return messages.format("PF_ERR_RECORD_NOT_FOUND", locale, column=column, id=record_id)

    return word


def _allowed_boundaries(row: ResourceRow, spec: SheetSpec, services: Ports) -> set[str] | None:
    """A campaign's rows must stay within the campaign's boundaries; others in the hierarchy."""
    if not spec.boundary_column:
        return None
    if row.campaignId:
        return campaign_boundary_codes(services.campaigns.get(row.campaignId), services)
    return services.boundaries.codes(row.tenantId, row.hierarchyType)


def _frozen_rows(
    row: ResourceRow,
    spec: SheetSpec,
    schema: Mapping[str, Any],
    messages: Messages,
    services: Ports,
) -> list[dict[str, Any]] | None:
    """A child campaign's upload: the parent's rows its template froze, which the upload
    may not change (sheets/frozen_cells.py); None for any other upload."""
    if not row.campaignId or spec.id_column is None or spec.boundary_column is None:
        return None
    parent_id = services.campaigns.get(row.campaignId).parentId
    if not parent_id:
        return None
    # Imported here: reading the parent's file needs openpyxl, for child campaigns only.
    from project_factory.flows.child_templates import parent_file_rows

    return parent_file_rows(row.tenantId, parent_id, spec, schema, messages, services)


def _registered(row: ResourceRow, spec: SheetSpec, target: Target) -> Registered:
    """Asks the target which business keys (names, phones) it already holds."""
    keys_by_column = {column: key for key, column in spec.fields.items()}
    if spec.phone_column:
        keys_by_column[spec.phone_column] = "phone"

    def registered(column: str, values: list[str]) -> set[str]:
        key = keys_by_column.get(column)
        return target.registered(row.tenantId, key, values) if key else set()

    return registered
