"""A workbook put under uploads/<tenantId>/<type>/ starts the same create as the API."""

import uuid
from typing import get_args

from pydantic import ValidationError

from project_factory.errors import InvalidRequestError
from project_factory.flows.intake import Submission, accept
from project_factory.models import ResourceDetailsInput, ResourceRow, ResourceType
from project_factory.services import Services

_UPLOAD_NAMESPACE = uuid.UUID("0b6c0f5e-8f3e-4d51-b1a4-0c8e2e7d9a11")


def accept_upload(key: str, services: Services) -> ResourceRow:
    prefix = services.settings.uploads_prefix
    parts = key.removeprefix(prefix).split("/")
    if not key.startswith(prefix) or len(parts) < 3 or not parts[-1]:
        raise InvalidRequestError(
            f"uploads go to {prefix}<tenantId>/<type>/<file name>, not {key}",
            code="INVALID_UPLOAD_KEY",
        )
    tenant_id, resource_type = parts[0], parts[1]
    if resource_type not in get_args(ResourceType):
        raise InvalidRequestError(f"unknown type {resource_type!r} in {key}", code="INVALID_TYPE")
    metadata = services.files.source_metadata(key)
    # The same object (key and content) always becomes the same file, so a notification
    # delivered twice leads to the same resource row.
    file_store_id = str(uuid.uuid5(_UPLOAD_NAMESPACE, f"{key}|{metadata['etag']}"))
    try:
        details = ResourceDetailsInput(
            type=resource_type,
            tenantId=tenant_id,
            fileStoreId=file_store_id,
            action=metadata.get("action", "create"),
            hierarchyType=metadata.get("hierarchytype", ""),
            campaignId=metadata.get("campaignid") or None,
        )
    except ValidationError as invalid:
        raise InvalidRequestError(
            f"upload {key} needs object metadata hierarchyType (and optionally campaignId, "
            f"action): {invalid.errors()[0]['msg']}",
            code="INVALID_UPLOAD_METADATA",
        ) from invalid
    services.files.copy_in(tenant_id, key, file_store_id=file_store_id, module="uploads")
    return accept(Submission(details=details, user="s3-upload"), services)
