"""Typed shapes shared by the flows. Field names follow the original's API (camelCase)."""

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

ResourceType = Literal["facility", "user", "boundary", "boundaryWithTarget"]
Action = Literal["create", "validate"]
#: `retry` resumes the create of the same file (same type, tenant and fileStoreId) that
#: ended failed or partially-created: it is not a row's action of its own.
RequestedAction = Literal["create", "validate", "retry"]


#: A tenant id as DIGIT writes them: a state ("mz", "pb") and up to three levels below it
#: ("mz.chimoio", "pb.amritsar"), lower-case letters and digits only. Tenant ids become
#: parts of S3 keys and DynamoDB keys (`files/<tenant>/…`, `<tenant>#<type>`), so a `/`, a
#: `#` or anything else outside this pattern could alias another tenant's keys: refused.
TENANT_ID_PATTERN = re.compile(r"[a-z][a-z0-9]{1,31}(\.[a-z0-9]{1,32}){0,3}")
TENANT_ID_MAX_LENGTH = 64


def tenant_id_problem(value: str) -> str | None:
    """Why `value` is not a tenant id, or None when it is one."""
    if len(value) > TENANT_ID_MAX_LENGTH or TENANT_ID_PATTERN.fullmatch(value) is None:
        return (
            f"tenantId {value[:80]!r} is not a tenant id: lower-case letters and digits, a "
            f"state (2-32 characters, a letter first) and up to 3 levels below it, each after "
            f"a dot (mz, mz.chimoio), at most {TENANT_ID_MAX_LENGTH} characters"
        )
    return None


def _tenant_id(value: str) -> str:
    problem = tenant_id_problem(value)
    if problem:
        # Its type, invalid_tenant, is answered as the code INVALID_TENANT (http_api).
        raise PydanticCustomError("invalid_tenant", problem)
    return value


#: A tenant id accepted from a caller: 400 INVALID_TENANT when it breaks the pattern.
TenantId = Annotated[str, AfterValidator(_tenant_id)]


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
    confirmed within the retries.
    """

    CREATED = "CREATED"
    INVALID = "INVALID"
    FAILED = "FAILED"
    NOT_CREATED = "NOT_CREATED"
    VALID = "VALID"
    SKIPPED = "SKIPPED"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UserInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    uuid: str | None = None
    tenantId: str | None = None


class RequestInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    apiId: str | None = None
    msgId: str | None = None
    authToken: str | None = None
    userInfo: UserInfo | None = None

    @property
    def locale(self) -> str | None:
        if self.msgId and "|" in self.msgId:
            return self.msgId.split("|", 1)[1] or None
        return None

    @property
    def user_uuid(self) -> str:
        return (self.userInfo.uuid if self.userInfo else None) or "anonymous"


# The envelope's field is named like its type; a default needs the type under another name.
RequestInfoModel = RequestInfo


class RequestEnvelope(BaseModel):
    """A body that carries RequestInfo and nothing the route needs."""

    model_config = ConfigDict(extra="ignore")
    RequestInfo: RequestInfoModel = Field(default_factory=RequestInfoModel)


class ResourceDetailsInput(Strict):
    type: ResourceType
    tenantId: TenantId
    fileStoreId: str = Field(min_length=1, max_length=128)
    action: RequestedAction
    hierarchyType: str = Field(min_length=1, max_length=128)
    campaignId: str | None = Field(default=None, max_length=128)
    additionalDetails: dict[str, Any] = Field(default_factory=dict)


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


class AuditDetails(BaseModel):
    createdBy: str
    createdTime: int
    lastModifiedBy: str
    lastModifiedTime: int


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


class ResourceTask(BaseModel):
    """The input of a resource_create step that works on the whole resource."""

    model_config = ConfigDict(extra="ignore")
    resourceId: str
    #: which resumption of the resource this run is (0: the first run)
    redrive: int = 0


class CampaignBoundary(Strict):
    code: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=64)
    isRoot: bool = False
    includeAllChildren: bool = False


class Campaign(BaseModel):
    """A campaign as stored: its boundaries, its parent, and its resources per type."""

    id: str
    tenantId: str
    hierarchyType: str
    name: str
    boundaries: list[CampaignBoundary]
    parentId: str | None = None
    isActive: bool = True
    status: str = "drafted"
    resources: dict[str, list[str]] = Field(default_factory=dict)
    additionalDetails: dict[str, Any] = Field(default_factory=dict)
    auditDetails: AuditDetails


class CampaignInput(Strict):
    """CampaignDetails of a create or update request."""

    id: str | None = Field(default=None, max_length=64)
    tenantId: TenantId
    hierarchyType: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=250)
    boundaries: list[CampaignBoundary] = Field(min_length=1, max_length=5000)
    parentId: str | None = Field(default=None, max_length=64)
    isActive: bool = True
    status: str = Field(default="drafted", max_length=64)
    resources: dict[str, list[str]] = Field(default_factory=dict)
    additionalDetails: dict[str, Any] = Field(default_factory=dict)


class CampaignRequest(Strict):
    RequestInfo: RequestInfo
    CampaignDetails: CampaignInput


class CampaignSearchCriteria(Strict):
    tenantId: TenantId
    ids: list[str] = Field(min_length=1, max_length=100)


class CampaignSearchRequest(Strict):
    RequestInfo: RequestInfo
    CampaignDetails: CampaignSearchCriteria
