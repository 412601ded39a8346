"""/filestore/v1: upload files, presigned download URLs, presigned uploads for large files."""

import base64
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths

from project_factory import http_api
from project_factory.api_contract import (
    RESPONSES,
    FilesResponse,
    FileUrlsResponse,
    StoredFileRef,
    UploadGrant,
)
from project_factory.auth import Action
from project_factory.domain.files import MODULE_PATTERN, UploadUrlRequest
from project_factory.flows import filestore
from project_factory.http_api import digit_resolver, resolve
from project_factory.http_bodies import parse_multipart
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

app = digit_resolver()
services = load_services()


#: The upload's form, for the document: the route reads the multipart body itself
#: (http_bodies.parse_multipart), as DIGIT FileStore's clients send it.
_MULTIPART_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["tenantId", "file"],
                    "properties": {
                        "tenantId": {"type": "string"},
                        "module": {
                            "type": "string",
                            "default": "default",
                            "pattern": f"^{MODULE_PATTERN.pattern}$",
                        },
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            }
        },
    }
}


@app.post(
    "/filestore/v1/files",
    summary="Upload files (multipart/form-data: tenantId, module, file...)",
    responses=RESPONSES,
    tags=["files"],
    openapi_extensions=_MULTIPART_FORM,
)
def upload_files() -> FilesResponse:
    caller = http_api.caller(app, services.settings)
    event = app.current_event
    body = (
        base64.b64decode(event.body or "")
        if event.is_base64_encoded
        else (event.body or "").encode()
    )
    form = parse_multipart(event.headers.get("content-type", ""), body)
    upload = filestore.multipart_upload(form.fields, form.files)
    # Files are put into a tenant to be created from: an admin's action.
    caller.require(upload.tenant_id, Action.ADMIN, services.settings)
    stored = filestore.store_files(upload, services)
    return FilesResponse(
        files=[StoredFileRef(fileStoreId=f.file_store_id, tenantId=f.tenant_id) for f in stored]
    )


@app.get(
    "/filestore/v1/files/url",
    summary="A presigned download URL per file",
    responses=RESPONSES,
    tags=["files"],
)
def file_urls(
    tenantId: Annotated[str, Query()] = "",
    fileStoreIds: Annotated[str, Query(description="comma-separated, at most 50")] = "",
) -> FileUrlsResponse:
    caller = http_api.caller(app, services.settings)
    tenant_id = filestore.check_tenant_id(tenantId)
    # Another tenant's files are refused whole; a fileStoreId of another tenant asked for
    # under the caller's own tenant is not found there (the key holds the tenant).
    caller.require(tenant_id, Action.READ, services.settings)
    # (a credentials file needs an admin role too: the flow asks when it meets one)
    urls = filestore.file_urls(tenant_id, fileStoreIds.split(","), services, caller)
    return FileUrlsResponse.model_validate({"fileStoreIds": urls})


@app.post(
    "/filestore/v1/files/upload-url",
    summary="A presigned POST for a large file, straight to storage",
    responses=RESPONSES,
    tags=["files"],
)
def upload_url(request: Annotated[UploadUrlRequest, Body()]) -> UploadGrant:
    caller = http_api.caller(app, services.settings)
    caller.require(request.tenantId, Action.ADMIN, services.settings)
    grant = filestore.presigned_upload(request.tenantId, request.fileName, request.module, services)
    return UploadGrant.model_validate(grant)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return resolve(app, event, context)
