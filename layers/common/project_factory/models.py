"""Typed shapes shared by the flows. Field names follow the original's API (camelCase)."""

import json
import math
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
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


#: A FileStore module ("HCM-ADMIN-CONSOLE"): kept in S3 metadata, so ASCII and short.
MODULE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


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


#: A tenant id accepted from a caller: 400 INVALID_TENANT when it breaks the pattern. (The
#: pattern is the document's; the check is _tenant_id's, for its code and message.)
TenantId = Annotated[
    str,
    AfterValidator(_tenant_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{TENANT_ID_PATTERN.pattern}$",
            "maxLength": TENANT_ID_MAX_LENGTH,
        }
    ),
]


#: A caller's additionalDetails, kept with the record: small beside DynamoDB's 400 KB item.
MAX_DETAILS_BYTES = 64 * 1024
#: DynamoDB's numbers: at most 38 significant digits, magnitude 1e-130 to below 1e126.
_NUMBER_DIGITS, _NUMBER_MIN_EXPONENT, _NUMBER_MAX_EXPONENT = 38, -130, 125


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form details a caller sends, as the store can keep them: every key a non-empty
    string, every number one DynamoDB holds exactly, MAX_DETAILS_BYTES at most as JSON.
    Anything else is 400 INVALID_DETAILS (not a 500 from the store, long after)."""
    size = len(json.dumps(value, default=str).encode())
    if size > MAX_DETAILS_BYTES:
        raise PydanticCustomError(
            "invalid_details",
            f"details are {size:,} bytes as JSON; at most {MAX_DETAILS_BYTES:,}",
        )
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(not isinstance(key, str) or not key for key in node):
                raise PydanticCustomError("invalid_details", "a key of the details is empty")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            _check_number(node)
    return value


def _check_number(number: float) -> None:
    if isinstance(number, float) and not math.isfinite(number):
        raise PydanticCustomError("invalid_details", f"{number} is not a number to keep")
    decimal = Decimal(str(number))  # (no normalize(): it rounds to the context's 28 digits)
    if decimal.is_zero():
        return
    digits = len("".join(map(str, decimal.as_tuple().digits)).strip("0"))
    exponent = decimal.adjusted()
    if digits > _NUMBER_DIGITS or not _NUMBER_MIN_EXPONENT <= exponent <= _NUMBER_MAX_EXPONENT:
        raise PydanticCustomError(
            "invalid_details",
            f"{number} cannot be kept exactly: numbers have at most {_NUMBER_DIGITS} digits "
            f"and lie between 1e{_NUMBER_MIN_EXPONENT} and 1e{_NUMBER_MAX_EXPONENT + 1}",
        )


#: A caller's free-form details (additionalDetails, a campaign's resources): see _storable.
Details = Annotated[dict[str, Any], AfterValidator(_storable)]


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
    resources: Annotated[dict[str, list[str]], AfterValidator(_storable)] = Field(
        default_factory=dict
    )
    additionalDetails: Details = Field(default_factory=dict)


class CampaignRequest(Strict):
    RequestInfo: RequestInfo
    CampaignDetails: CampaignInput


#: Campaigns whose targets one search may return: a campaign may hold thousands.
MAX_CAMPAIGNS_WITH_TARGETS = 10


class CampaignSearchCriteria(Strict):
    tenantId: TenantId
    ids: list[str] = Field(min_length=1, max_length=100)
    #: each campaign's targets (per boundary and column), for up to 10 ids
    includeTargets: bool = False

    @model_validator(mode="after")
    def _few_with_targets(self) -> "CampaignSearchCriteria":
        if self.includeTargets and len(self.ids) > MAX_CAMPAIGNS_WITH_TARGETS:
            raise ValueError(
                f"includeTargets returns the targets of at most {MAX_CAMPAIGNS_WITH_TARGETS} "
                f"campaigns; {len(self.ids)} ids were given"
            )
        return self


class BoundaryTargets(BaseModel):
    """One boundary's targets in a campaign: column code -> number."""

    boundaryCode: str
    targets: dict[str, int | float]


class SearchedCampaign(Campaign):
    """A campaign as search answers it: with its targets when asked (includeTargets)."""

    #: (left out of the answer when not asked: a search answers campaigns as it always has)
    targets: list[BoundaryTargets] | None = Field(
        default=None, exclude_if=lambda targets: targets is None
    )


class CampaignSearchRequest(Strict):
    RequestInfo: RequestInfo
    CampaignDetails: CampaignSearchCriteria
