"""Files as the FileStore API takes them and the file store gives them: modules, uploaded
parts, stored files and their pins, presigned uploads."""

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from project_factory.domain.tenants import TenantId

#: The content type of every workbook we store and serve.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FilePin:
    """One exact object: the ETag S3 gave it and, where the bucket keeps versions, its
    VersionId. Read with both, a later upload under the same key is never the one read:
    by version it is another object, and without versions the ETag no longer matches."""

    etag: str
    version_id: str | None = None


@dataclass(frozen=True)
class StoredFile:
    file_store_id: str
    tenant_id: str
    filename: str
    size: int
    #: the object described (None where the store could not say, e.g. a fake)
    pin: FilePin | None = None


@dataclass(frozen=True)
class PresignedPost:
    """A presigned POST: the client posts a multipart form to `url` with every one of
    `fields` as given, then the file as the last part (`file`). S3 checks the signed
    policy: the key, the metadata fields and the size (1 to `max_bytes`)."""

    file_store_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int


#: A FileStore module ("HCM-ADMIN-CONSOLE"): kept in S3 metadata, so ASCII and short.
MODULE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class UploadedPart:
    """One file of a multipart upload."""

    filename: str
    content_type: str
    data: bytes


#: The body of `POST /filestore/v1/files/upload-url`.
class UploadUrlRequest(BaseModel):
    tenantId: TenantId
    fileName: str = Field(min_length=1, max_length=255)
    module: str = Field(default="default", pattern=f"^{MODULE_PATTERN.pattern}$")
