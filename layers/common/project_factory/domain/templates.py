"""Templates: their generations (one row per generation and what became of it) and the
requests that ask for one.

A row is `inprogress` (fileStoreId null) until the template_generate state machine marks
it `completed` (with the file) or `failed` (with the reason). A newer generation for the
same template makes the earlier rows `expired`. Field names follow the original's API.
"""

from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from project_factory.domain.audit import AuditDetails
from project_factory.domain.requests import RequestInfo, RequestInfoModel, Strict
from project_factory.domain.tenants import TenantId

GeneratedType = Literal["boundary", "facilityWithBoundary", "userWithBoundary"]
GENERATED_TYPES: tuple[GeneratedType, ...] = get_args(GeneratedType)


class GeneratedStatus(StrEnum):
    IN_PROGRESS = "inprogress"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"


#: A row in one of these is the template's current generation (at most one per template).
ACTIVE_STATUSES = frozenset({GeneratedStatus.IN_PROGRESS, GeneratedStatus.COMPLETED})


class GeneratedResource(BaseModel):
    id: str
    fileStoreId: str | None = None
    type: GeneratedType
    status: GeneratedStatus
    hierarchyType: str
    tenantId: str
    #: the number of boundaries the template lists; null while in progress
    count: int | None = None
    campaignId: str | None = None
    additionalDetails: dict[str, Any] = Field(default_factory=dict)
    auditDetails: AuditDetails

    @property
    def template_key(self) -> str:
        return template_key(self.tenantId, self.type, self.hierarchyType, self.campaignId)


def template_key(
    tenant_id: str, generated_type: str, hierarchy_type: str, campaign_id: str | None
) -> str:
    """What identifies one template: rows with the same key are generations of it."""
    return f"{tenant_id}#{generated_type}#{hierarchy_type}#{campaign_id or '-'}"


class BoundaryFilter(Strict):
    code: str = Field(min_length=1, max_length=256)
    type: str | None = None
    isRoot: bool = False
    includeAllChildren: bool = False
    parent: str | None = None


class TemplateFilters(Strict):
    boundaries: list[BoundaryFilter] = Field(min_length=1)


class GenerateRequest(Strict):
    """`_generate`: the query's fields and the body's RequestInfo and Filters."""

    RequestInfo: RequestInfo
    tenantId: TenantId
    type: GeneratedType
    hierarchyType: str = Field(min_length=1, max_length=128)
    campaignId: str | None = Field(default=None, max_length=128)
    forceUpdate: bool = False
    #: pre-fill a campaign's facility or user template with the campaign's records (its
    #: newest created file of the type), ids included, to be edited and uploaded again as
    #: updates; always a fresh generation, since the records change
    includeExisting: bool = False
    Filters: TemplateFilters | None = None


class GenerateBody(Strict):
    """The body of `_generate`; the rest of the request is in the query string."""

    RequestInfo: RequestInfoModel = Field(default_factory=RequestInfoModel)
    Filters: TemplateFilters | None = None


class DownloadQuery(Strict):
    tenantId: TenantId
    type: str = Field(min_length=1, max_length=64)
    hierarchyType: str = Field(min_length=1, max_length=128)
    id: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=200)
    campaignId: str | None = Field(default=None, max_length=128)

    @property
    def statuses(self) -> list[str] | None:
        """`status` is comma-separated, as in the original."""
        return (
            [part.strip() for part in self.status.split(",") if part.strip()]
            if self.status
            else None
        )
