"""/filestore/v1: upload files, presigned download URLs, presigned uploads for large files."""

import base64
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, Field

from project_factory.auth import Action, Caller, caller_from_claims
from project_factory.flows import filestore
from project_factory.http_api import HttpRouter, parse_json_body
from project_factory.models import TenantId
from project_factory.observability import logger, metrics, tracer
from project_factory.services import load_services

app = HttpRouter()
services = load_services()


class UploadUrlRequest(BaseModel):
    tenantId: TenantId
    fileName: str = Field(min_length=1, max_length=255)
    module: str = "default"


def _caller() -> Caller:
    """Who calls, from the claims of the token API Gateway verified (401 without)."""
    return caller_from_claims(app.current_event.claims, services.settings)


@app.post("/filestore/v1/files")
def upload_files() -> dict[str, Any]:
    caller = _caller()
    event = app.current_event
    body = (
        base64.b64decode(event.body or "")
        if event.is_base64_encoded
        else (event.body or "").encode()
    )
    upload = filestore.parse_multipart(event.headers.get("content-type", ""), body)
    # Files are put into a tenant to be created from: an admin's action.
    caller.require(upload.tenant_id, Action.ADMIN, services.settings)
    stored = filestore.store_files(upload, services)
    return {"files": [{"fileStoreId": f.file_store_id, "tenantId": f.tenant_id} for f in stored]}


@app.get("/filestore/v1/files/url")
def file_urls() -> dict[str, Any]:
    caller = _caller()
    tenant_id = filestore.check_tenant_id(
        app.current_event.get_query_string_value("tenantId", "") or ""
    )
    # Another tenant's files are refused whole; a fileStoreId of another tenant asked for
    # under the caller's own tenant is not found there (the key holds the tenant).
    caller.require(tenant_id, Action.READ, services.settings)
    ids = (app.current_event.get_query_string_value("fileStoreIds", "") or "").split(",")
    # (a credentials file needs an admin role too: the flow asks when it meets one)
    return {"fileStoreIds": filestore.file_urls(tenant_id, ids, services, caller)}


@app.post("/filestore/v1/files/upload-url")
def upload_url() -> dict[str, Any]:
    caller = _caller()
    request = parse_json_body(app.current_event.body, UploadUrlRequest)
    caller.require(request.tenantId, Action.ADMIN, services.settings)
    return filestore.presigned_upload(request.tenantId, request.fileName, request.module, services)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
