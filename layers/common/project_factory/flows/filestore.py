"""The FileStore API of DIGIT, on S3: upload, presigned URLs, presigned uploads (POST)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from project_factory.auth import Action, Caller
from project_factory.domain.files import MODULE_PATTERN, StoredFile, UploadedPart
from project_factory.domain.tenants import tenant_id_problem
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.ports import Ports

_MAX_IDS_PER_CALL = 50


@dataclass(frozen=True)
class MultipartUpload:
    tenant_id: str
    module: str
    files: list[UploadedPart]


def multipart_upload(fields: Mapping[str, str], files: Sequence[UploadedPart]) -> MultipartUpload:
    """An upload's form (its fields and files, parsed by http_bodies.parse_multipart), checked:
    the tenant (TENANT_ID_REQUIRED, INVALID_TENANT), a file at least (FILE_REQUIRED), the
    module (INVALID_MODULE)."""
    tenant_id = check_tenant_id(fields.get("tenantId", "").strip())
    if not files:
        raise InvalidRequestError("at least one file is required", code="FILE_REQUIRED")
    return MultipartUpload(tenant_id, check_module(fields.get("module", "")), list(files))


def check_module(module: str) -> str:
    """The module a file is filed under ("default" when none is given): 400 INVALID_MODULE
    outside MODULE_PATTERN, since it is kept in the object's metadata, which is ASCII."""
    module = module.strip() or "default"
    if MODULE_PATTERN.fullmatch(module) is None:
        raise InvalidRequestError(
            f"module {module[:80]!r} is not a module name: letters, digits, '.', '_' and "
            "'-', at most 64 characters, a letter or digit first",
            code="INVALID_MODULE",
        )
    return module


def check_tenant_id(tenant_id: str) -> str:
    """A tenant id given outside a model (a form field, a query parameter): 400 when it is
    missing (TENANT_ID_REQUIRED) or breaks the pattern (INVALID_TENANT)."""
    if not tenant_id:
        raise InvalidRequestError("tenantId is required", code="TENANT_ID_REQUIRED")
    problem = tenant_id_problem(tenant_id)
    if problem:
        raise InvalidRequestError(problem, code="INVALID_TENANT")
    return tenant_id


def store_files(upload: MultipartUpload, services: Ports) -> list[StoredFile]:
    return [
        services.files.put(
            upload.tenant_id,
            part.data,
            filename=part.filename,
            module=upload.module,
            content_type=part.content_type,
        )
        for part in upload.files
    ]


def file_urls(
    tenant_id: str, file_store_ids: list[str], services: Ports, caller: Caller
) -> list[dict[str, str]]:
    """A presigned GET per file. A credentials file (users' passwords) is an admin's
    alone: a reader gets 403 ROLE_FORBIDDEN, an admin a link of its own, shorter TTL."""
    check_tenant_id(tenant_id)
    ids = [file_id.strip() for file_id in file_store_ids if file_id.strip()]
    if not ids or len(ids) > _MAX_IDS_PER_CALL:
        raise InvalidRequestError(
            f"give between 1 and {_MAX_IDS_PER_CALL} fileStoreIds", code="INVALID_FILESTORE_IDS"
        )
    settings = services.settings
    ttl = settings.presigned_url_ttl_seconds
    urls = []
    for file_id in ids:
        try:
            urls.append(
                {"id": file_id, "url": services.files.download_url(tenant_id, file_id, ttl)}
            )
        except NotFoundError as missing:
            if not services.credentials.exists(tenant_id, file_id):
                raise NotFoundError(
                    missing.message, code=missing.code, fileStoreId=file_id
                ) from missing
            caller.require(tenant_id, Action.ADMIN, settings)
            url = services.credentials.download_url(
                tenant_id, file_id, settings.credentials_url_ttl_seconds
            )
            urls.append({"id": file_id, "url": url})
    return urls


def presigned_upload(
    tenant_id: str, filename: str, module: str, services: Ports
) -> dict[str, object]:
    """A presigned POST to files/<tenant>/<new fileStoreId>: the client posts a multipart
    form to `url` with every one of `fields` as given, then the file as the last part
    (`file`). S3 takes files of 1 to `maxBytes` bytes (upload_max_bytes, the limit
    `_create` applies) and refuses anything the signed policy does not allow."""
    if not tenant_id or not filename:
        raise InvalidRequestError("tenantId and fileName are required", code="INVALID_UPLOAD")
    check_tenant_id(tenant_id)
    settings = services.settings
    ttl = settings.presigned_url_ttl_seconds
    grant = services.files.presigned_post(
        tenant_id,
        filename=filename,
        module=check_module(module),
        ttl_seconds=ttl,
        max_bytes=settings.upload_max_bytes,
    )
    return {
        "fileStoreId": grant.file_store_id,
        "tenantId": tenant_id,
        "url": grant.url,
        "method": "POST",
        "fields": grant.fields,
        "maxBytes": grant.max_bytes,
        "expiresInSeconds": ttl,
    }
