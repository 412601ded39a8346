"""Files as the FileStore API takes them: modules, uploaded parts, presigned uploads."""

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from project_factory.domain.tenants import TenantId

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
