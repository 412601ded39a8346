"""Accepting a file for creation: synchronous checks, one stored row, one execution."""

import uuid
from dataclasses import dataclass
from typing import Any

from project_factory.domain.audit import new_audit
from project_factory.domain.files import FilePin, StoredFile
from project_factory.domain.resources import (
    CreateResourceRequest,
    ResourceDetailsInput,
    ResourceRow,
    ResourceStatus,
)
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.ports import Ports
from project_factory.flows.sheet_schemas import bound_schema
from project_factory.flows.target_rows import require_campaign
from project_factory.sheets.schema import check_json_schema
from project_factory.sheets.spec import spec_for

# Ids are derived from the request, so the same request always names the same row and
# the same execution: a repeat (or a redelivered S3 event) creates and starts nothing new.
_RESOURCE_NAMESPACE = uuid.UUID("6f1d7c1e-3b7a-4a55-9d5e-5c0f6f1a2b3c")


@dataclass(frozen=True)
class Submission:
    details: ResourceDetailsInput
    user: str


def resource_id_for(details: ResourceDetailsInput) -> str:
    # A retry names the create it resumes.
    action = "create" if details.action == "retry" else details.action
    key = "|".join((details.tenantId, details.fileStoreId, details.type, action))
    return str(uuid.uuid5(_RESOURCE_NAMESPACE, key))


def submission_from_request(request: CreateResourceRequest) -> Submission:
    details = request.ResourceDetails
    user_tenant = request.RequestInfo.userInfo.tenantId if request.RequestInfo.userInfo else None
    # DIGIT tenants nest ("mz" is the state of "mz.chimoio"): a user may act below their tenant.
    if (
        user_tenant
        and details.tenantId != user_tenant
        and not details.tenantId.startswith(f"{user_tenant}.")
    ):
        raise InvalidRequestError(
            f"RequestInfo.userInfo.tenantId {user_tenant!r} does not match "
            f"ResourceDetails.tenantId {details.tenantId!r}",
            code="TENANT_MISMATCH",
        )
    return Submission(details=details, user=request.RequestInfo.user_uuid)


def accept(
    submission: Submission, services: Ports, *, stored_file: StoredFile | None = None
) -> ResourceRow:
    """Stores the resource row and starts its create. The row pins the object accepted
    (its VersionId and ETag): `stored_file` when the caller has just made it (the upload
    trigger's copy), else the object the fileStoreId names now."""
    details = submission.details
    if details.action == "retry":
        from project_factory.flows.redrive import redrive

        # A retry reads the object its create pinned, whatever the key holds now.
        return redrive(resource_id_for(details), submission.user, services)
    if stored_file is None:
        try:
            stored_file = services.files.describe(details.tenantId, details.fileStoreId)
        except NotFoundError as missing:
            raise InvalidRequestError(
                f"file {details.fileStoreId} does not exist for tenant {details.tenantId}",
                code="FILE_NOT_FOUND",
            ) from missing
    require_campaign(details.type, details.action, details.campaignId)
    # The upload's own size, before anything reads it (the rest of the limits apply when
    # Validate opens the file: see sheets/limits.py).
    check_upload_size(stored_file.size, services.settings.upload_max_bytes)
    # A schema that is not valid JSON Schema, or lacks a column the rows need, fails
    # here, before anything is stored.
    _, schema = bound_schema(spec_for(details.type), details.tenantId, services)
    check_json_schema(schema)
    status = (
        ResourceStatus.VALIDATION_STARTED
        if details.action == "validate"
        else ResourceStatus.DATA_ACCEPTED
    )
    pin = stored_file.pin
    row = ResourceRow(
        id=resource_id_for(details),
        status=status,
        auditDetails=new_audit(submission.user),
        fileVersionId=pin.version_id if pin else None,
        fileEtag=pin.etag if pin else None,
        **details.model_dump(),
    )
    stored, _ = services.resources.put_new(row)
    if stored.status in (ResourceStatus.DATA_ACCEPTED, ResourceStatus.VALIDATION_STARTED):
        # Also for a repeat of a row still in flight: a start that was lost after the put
        # happens now, and a start that happened is not repeated (same execution name).
        start_create(stored, services)
    return stored


def accepted_file(row: ResourceRow) -> FilePin | None:
    """The object `_create` pinned for the row; None for a row stored before pinning
    (read as the key holds it)."""
    if row.fileEtag is None:
        return None
    return FilePin(row.fileEtag, row.fileVersionId)


def check_upload_size(size: int, limit: int) -> None:
    """FILE_TOO_LARGE (400) for an upload larger than `limit` bytes."""
    if size > limit:
        raise InvalidRequestError(
            f"The file is {size:,} bytes; uploads are at most {limit:,} bytes",
            code="FILE_TOO_LARGE",
            size=size,
            limit=limit,
        )


def start_create(row: ResourceRow, services: Ports, redrive: int = 0) -> None:
    payload: dict[str, Any] = {"resourceId": row.id, "redrive": redrive}
    # Each resumption is an execution of its own, named by its number: asked twice, one runs.
    name = f"{row.id}-retry-{redrive}" if redrive else row.id
    services.workflow.start(services.settings.resource_create_state_machine_arn, name, payload)
