"""Campaigns: their boundaries, parents and targets, and the requests about them."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator

from project_factory.domain.audit import AuditDetails
from project_factory.domain.details import Details, storable
from project_factory.domain.requests import RequestInfo, Strict
from project_factory.domain.tenants import TenantId


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
    resources: Annotated[dict[str, list[str]], AfterValidator(storable)] = Field(
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


class BoundariesChanged(BaseModel):
    """The detail of a CampaignBoundariesChanged event (events/*.schema.json)."""

    tenantId: str = Field(min_length=1)
    campaignId: str = Field(min_length=1)
    parentCampaignId: str | None = None
    hierarchyType: str = Field(min_length=1)
    addedBoundaries: list[CampaignBoundary]
