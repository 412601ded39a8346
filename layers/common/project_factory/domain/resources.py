"""Resources: one uploaded file, what is asked of it, and what became of it and its rows."""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from project_factory.domain.audit import AuditDetails
from project_factory.domain.details import Details
from project_factory.domain.requests import RequestInfo, Strict
from project_factory.domain.tenants import TenantId

ResourceType = Literal["facility", "user", "boundary", "boundaryWithTarget"]
Action = Literal["create", "validate"]
#: `retry` resumes the create of the same file (same type, tenant and fileStoreId) that
#: ended failed or partially-created: it is not a row's action of its own.
RequestedAction = Literal["create", "validate", "retry"]


class ResourceStatus(StrEnum):
    DATA_ACCEPTED = "data-accepted"
    VALIDATION_STARTED = "validation-started"
    INVALID = "invalid"
    VALIDATED = "validated"
    CREATED = "created"
    PARTIALLY_CREATED = "partially-created"
    FAILED = "failed"


FINAL_RESOURCE_STATUSES = frozenset(
    {
        ResourceStatus.INVALID,
        ResourceStatus.VALIDATED,
        ResourceStatus.CREATED,
        ResourceStatus.PARTIALLY_CREATED,
        ResourceStatus.FAILED,
    }
)


class RowStatus(StrEnum):
    """The `#status#` of one sheet row in the processed file.

    CREATED, INVALID and NOT_CREATED mean what they meant in the original; FAILED is a row
    the service refused (with its reason), NOT_CREATED one whose creation could not be
    confirmed within the retries. UPDATED and DEACTIVATED are rows that carried an id and
    changed, or retired, that record (flows/plan.py).
    """

    CREATED = "CREATED"
    INVALID = "INVALID"
    FAILED = "FAILED"
    NOT_CREATED = "NOT_CREATED"
    VALID = "VALID"
    SKIPPED = "SKIPPED"
    UPDATED = "UPDATED"
    DEACTIVATED = "DEACTIVATED"


class ResourceDetailsInput(Strict):
    type: ResourceType
    tenantId: TenantId
    fileStoreId: str = Field(min_length=1, max_length=128)
    action: RequestedAction
    hierarchyType: str = Field(min_length=1, max_length=128)
    campaignId: str | None = Field(default=None, max_length=128)
    additionalDetails: Details = Field(default_factory=dict)


class CreateResourceRequest(Strict):
    RequestInfo: RequestInfo
    ResourceDetails: ResourceDetailsInput


class SearchCriteria(Strict):
    tenantId: TenantId
    id: list[str] | None = Field(default=None, max_length=100)
    type: ResourceType | None = None
    status: ResourceStatus | None = None
    hierarchyType: str | None = None
    campaignId: str | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class SearchResourcesRequest(Strict):
    RequestInfo: RequestInfo
    SearchCriteria: SearchCriteria


class ResourceRow(BaseModel):
    """One uploaded file and what became of it (a row of the resources table)."""

    id: str
    tenantId: str
    status: ResourceStatus
    action: Action
    type: ResourceType
    fileStoreId: str
    #: The exact object `_create` accepted under fileStoreId: S3's VersionId (None where
    #: the bucket keeps no versions) and ETag. Validate, Finalize and a retry read that
    #: object, never a later upload under the same id; both None on rows stored before
    #: uploads were pinned, which read the file as it is.
    fileVersionId: str | None = None
    fileEtag: str | None = None
    processedFileStoreId: str | None = None
    campaignId: str | None = None
    hierarchyType: str
    additionalDetails: dict[str, Any] = Field(default_factory=dict)
    auditDetails: AuditDetails
