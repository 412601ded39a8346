"""Campaigns: create, update, search; a child campaign adds boundaries to its parent's.

A campaign created with a parent, or whose boundaries grow, announces it with a
`CampaignBoundariesChanged` event on the application's bus; the boundary-change function
regenerates the campaign's templates from it (events/campaign_boundaries_changed.schema.json).
"""

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from project_factory.adapters.boundary_source import BoundarySource
from project_factory.adapters.targets.base import TargetsKeeper
from project_factory.domain.audit import new_audit, now_ms
from project_factory.domain.campaigns import (
    BoundaryTargets,
    Campaign,
    CampaignBoundary,
    CampaignInput,
    CampaignRequest,
    CampaignSearchRequest,
    SearchedCampaign,
)
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.ports import Ports

BOUNDARIES_CHANGED = "CampaignBoundariesChanged"


def create_campaign(request: CampaignRequest, services: Ports) -> Campaign:
    details = request.CampaignDetails
    if details.id:
        raise InvalidRequestError(
            "a new campaign gets its id from the service", code="ID_NOT_ALLOWED"
        )
    parent = _parent_of(details, services)
    _check_boundaries(details, parent, services)
    campaign = Campaign(
        **details.model_dump(exclude={"id"}),
        id=str(uuid.uuid4()),
        auditDetails=new_audit(request.RequestInfo.user_uuid),
    )
    services.campaigns.put(campaign)
    if parent is not None:
        _announce(campaign, campaign.boundaries, services)
    return campaign


def update_campaign(request: CampaignRequest, services: Ports) -> Campaign:
    details = request.CampaignDetails
    if not details.id:
        raise InvalidRequestError("CampaignDetails.id is required to update", code="ID_REQUIRED")
    existing = _campaign_of_tenant(details.id, details.tenantId, services)
    if details.parentId != existing.parentId or details.hierarchyType != existing.hierarchyType:
        raise InvalidRequestError(
            "a campaign's parent and hierarchyType cannot change", code="IMMUTABLE_FIELD"
        )
    parent = _parent_of(details, services)
    _check_boundaries(details, parent, services)
    known = {boundary.code for boundary in existing.boundaries}
    added = [boundary for boundary in details.boundaries if boundary.code not in known]
    user = request.RequestInfo.user_uuid
    updated = Campaign(
        **details.model_dump(exclude={"id"}),
        id=existing.id,
        auditDetails=existing.auditDetails.model_copy(
            update={"lastModifiedBy": user, "lastModifiedTime": now_ms()}
        ),
    )
    services.campaigns.put(updated)
    if added:
        _announce(updated, added, services)
    return updated


def search_campaigns(request: CampaignSearchRequest, services: Ports) -> list[SearchedCampaign]:
    criteria = request.CampaignDetails
    found = services.campaigns.get_many(criteria.ids)
    return [
        SearchedCampaign(
            **campaign.model_dump(),
            targets=_targets(campaign, services) if criteria.includeTargets else None,
        )
        for campaign in found
        if campaign.tenantId == criteria.tenantId
    ]


def _targets(campaign: Campaign, services: Ports) -> list[BoundaryTargets]:
    """The targets the campaign's target files set, from where they were stored."""
    keeper = services.target("boundaryWithTarget", campaign.hierarchyType)
    assert isinstance(keeper, TargetsKeeper)
    held = keeper.targets_of(campaign.tenantId, campaign.id)
    return [BoundaryTargets(boundaryCode=code, targets=held[code]) for code in sorted(held)]


def campaign_boundaries(campaign: Campaign, services: Ports) -> list[CampaignBoundary]:
    """A campaign's boundaries with its ancestors': a child adds to what its parent covers."""
    boundaries = list(campaign.boundaries)
    parent_id = campaign.parentId
    while parent_id:
        parent = services.campaigns.get(parent_id)
        boundaries = parent.boundaries + boundaries
        parent_id = parent.parentId
    return boundaries


def campaign_boundary_codes(campaign: Campaign, services: Ports) -> set[str]:
    """Every boundary code a campaign covers: its own and its ancestors' boundaries, with
    everything below those marked includeAllChildren."""
    return covered_codes(
        services.boundaries,
        campaign.tenantId,
        campaign.hierarchyType,
        campaign_boundaries(campaign, services),
    )


class ChosenBoundary(Protocol):
    code: str
    includeAllChildren: bool


def covered_codes(
    source: BoundarySource,
    tenant_id: str,
    hierarchy_type: str,
    chosen: Iterable[ChosenBoundary],
) -> set[str]:
    """The codes of chosen boundaries, with everything below those marked includeAllChildren."""
    chosen = list(chosen)
    codes: set[str] = set()
    for include_all_children in (False, True):
        picked = [b.code for b in chosen if b.includeAllChildren == include_all_children]
        if picked:
            found = source.descendants(tenant_id, hierarchy_type, picked, include_all_children)
            codes |= {boundary.code for boundary in found}
    return codes


def _parent_of(details: CampaignInput, services: Ports) -> Campaign | None:
    if not details.parentId:
        return None
    try:
        return _campaign_of_tenant(details.parentId, details.tenantId, services)
    except NotFoundError as missing:
        raise InvalidRequestError(missing.message, code="PARENT_NOT_FOUND") from missing


def _campaign_of_tenant(campaign_id: str, tenant_id: str, services: Ports) -> Campaign:
    campaign = services.campaigns.get(campaign_id)
    if campaign.tenantId != tenant_id:
        raise NotFoundError(f"campaign {campaign_id} does not exist", code="CAMPAIGN_NOT_FOUND")
    return campaign


def _check_boundaries(details: CampaignInput, parent: Campaign | None, services: Ports) -> None:
    codes = [boundary.code for boundary in details.boundaries]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidRequestError(
            f"boundaries listed twice: {', '.join(repeated)}", code="DUPLICATE_BOUNDARY"
        )
    unknown = sorted(
        set(codes) - services.boundaries.codes(details.tenantId, details.hierarchyType)
    )
    if unknown:
        raise InvalidRequestError(
            f"boundaries not in hierarchy {details.hierarchyType}: {', '.join(unknown[:20])}",
            code="UNKNOWN_BOUNDARY",
        )
    if parent is not None:
        _check_child_boundaries(details, parent, services)


def _check_child_boundaries(details: CampaignInput, parent: Campaign, services: Ports) -> None:
    """A child campaign adds boundaries below its parent's, in the parent's hierarchy."""
    if parent.hierarchyType != details.hierarchyType:
        raise InvalidRequestError(
            "a child campaign uses its parent's hierarchyType", code="HIERARCHY_MISMATCH"
        )
    roots = [boundary.code for boundary in details.boundaries if boundary.isRoot]
    if roots:
        raise InvalidRequestError(
            f"a child campaign cannot add a root boundary: {', '.join(roots)}",
            code="ROOT_NOT_ALLOWED",
        )
    inherited = {boundary.code for boundary in campaign_boundaries(parent, services)}
    again = [boundary.code for boundary in details.boundaries if boundary.code in inherited]
    if again:
        raise InvalidRequestError(
            f"boundaries already in the parent campaign: {', '.join(again[:20])}",
            code="BOUNDARY_IN_PARENT",
        )


def _announce(campaign: Campaign, added: list[CampaignBoundary], services: Ports) -> None:
    detail: dict[str, Any] = {
        "tenantId": campaign.tenantId,
        "campaignId": campaign.id,
        "parentCampaignId": campaign.parentId,
        "hierarchyType": campaign.hierarchyType,
        "addedBoundaries": [boundary.model_dump() for boundary in added],
    }
    services.events.publish(BOUNDARIES_CHANGED, detail)
