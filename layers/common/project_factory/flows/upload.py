"""A workbook put under uploads/<tenantId>/<type>/ starts the same create as the API.

The notification names one object (its eTag, and its versionId where the bucket keeps
versions): that object is read, copied in and pinned, never whatever the key holds by
the time the trigger runs.
"""

import uuid
from typing import get_args

from pydantic import ValidationError

from project_factory.domain.files import FilePin
from project_factory.domain.resources import ResourceDetailsInput, ResourceRow, ResourceType
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.intake import Submission, accept
from project_factory.flows.ports import Ports

_UPLOAD_NAMESPACE = uuid.UUID("0b6c0f5e-8f3e-4d51-b1a4-0c8e2e7d9a11")


def accept_upload(
    key: str, services: Ports, *, etag: str | None = None, version_id: str | None = None
) -> ResourceRow:
    """`etag` and `version_id` are the notification's: the object it announced."""
    tenant_id, resource_type = _tenant_and_type(key, services.settings.uploads_prefix)
    notified = FilePin(_quoted(etag), version_id or None) if etag else None
    try:
        # FILE_CHANGED when the key now holds another object (a bucket without versions).
        metadata = services.files.source_metadata(key, notified)
    except NotFoundError as missing:
        raise _gone(key, missing) from missing
    # The same object (key and content) always becomes the same file, so a notification
    # delivered twice leads to the same resource row.
    file_store_id = str(uuid.uuid5(_UPLOAD_NAMESPACE, f"{key}|{metadata['etag']}"))
    details = _details(key, tenant_id, resource_type, file_store_id, metadata)
    try:
        copied = services.files.copy_in(
            tenant_id, key, file_store_id=file_store_id, module="uploads", source=notified
        )
    except NotFoundError as missing:
        raise _gone(key, missing) from missing
    return accept(Submission(details=details, user="s3-upload"), services, stored_file=copied)


def _tenant_and_type(key: str, prefix: str) -> tuple[str, str]:
    """The tenant and the resource type an upload's key names."""
    parts = key.removeprefix(prefix).split("/")
    if not key.startswith(prefix) or len(parts) < 3 or not parts[-1]:
        raise InvalidRequestError(
            f"uploads go to {prefix}<tenantId>/<type>/<file name>, not {key}",
            code="INVALID_UPLOAD_KEY",
        )
    if parts[1] not in get_args(ResourceType):
        raise InvalidRequestError(f"unknown type {parts[1]!r} in {key}", code="INVALID_TYPE")
    return parts[0], parts[1]


def _details(
    key: str, tenant_id: str, resource_type: str, file_store_id: str, metadata: dict[str, str]
) -> ResourceDetailsInput:
    """The resource an upload asks for, from its object metadata (anyone who may put an
    object wrote it: validated like a request body)."""
    try:
        return ResourceDetailsInput.model_validate(
            {
                "type": resource_type,
                "tenantId": tenant_id,
                "fileStoreId": file_store_id,
                "action": metadata.get("action", "create"),
                "hierarchyType": metadata.get("hierarchytype", ""),
                "campaignId": metadata.get("campaignid") or None,
            }
        )
    except ValidationError as invalid:
        raise InvalidRequestError(
            f"upload {key} needs object metadata hierarchyType (and optionally campaignId, "
            f"action): {invalid.errors()[0]['msg']}",
            code="INVALID_UPLOAD_METADATA",
        ) from invalid


def _gone(key: str, missing: NotFoundError) -> InvalidRequestError:
    """An upload deleted before the trigger read it: refused, as a retry cannot bring it back."""
    return InvalidRequestError(
        f"upload {key} no longer exists: {missing.message}", code="FILE_NOT_FOUND"
    )


def _quoted(etag: str) -> str:
    """S3 events carry the ETag bare; requests conditional on it send it quoted."""
    return f'"{etag.strip(chr(34))}"'
