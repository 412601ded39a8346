"""A target file's rows as their target needs them: the campaign's boundary and its place.

A `boundaryWithTarget` row validates to its boundary code and targets
(sheets/canonical.py). Its store keeps them per campaign and boundary; DIGIT keeps them
as one health-project per boundary, whose parent is the project of the boundary above,
up to the campaign's top boundary (adapters/targets/digit/projects.py). So each row to
create carries the campaign's id, its boundary's level, the boundaries above it within
the campaign (top first), and the campaign's fields a project takes (name, project type,
dates from the campaign's additionalDetails, in ms).
"""

from collections.abc import Mapping
from typing import Any

from project_factory.domain.resources import ResourceRow
from project_factory.errors import InvalidRequestError
from project_factory.flows.ports import Ports

#: the campaign's additionalDetails a project takes, as the original's CampaignDetails names them
_PROJECT_FIELDS = ("projectType", "startDate", "endDate")


def require_campaign(resource_type: str, action: str, campaign_id: str | None) -> None:
    """Targets belong to a campaign: a target file is created for one, or not at all."""
    if resource_type == "boundaryWithTarget" and action == "create" and not campaign_id:
        raise InvalidRequestError(
            "targets are set for a campaign: ResourceDetails.campaignId is required to create "
            "a boundaryWithTarget file (action=validate needs none)",
            code="CAMPAIGN_REQUIRED",
        )


class TargetRows:
    """Adds the campaign and the boundary's place to a validated target row."""

    def __init__(self, row: ResourceRow, services: Ports, covered: set[str]) -> None:
        """`covered`: the campaign's boundary codes (flows/campaigns.campaign_boundary_codes),
        which Validate has already worked out to check the rows against."""
        require_campaign(row.type, row.action, row.campaignId)
        assert row.campaignId is not None
        campaign = services.campaigns.get(row.campaignId)
        tree = services.boundaries.boundaries(row.tenantId, row.hierarchyType)
        self._campaign_id = campaign.id
        self._boundaries = {b.code: b for b in tree if b.code in covered}
        details = campaign.additionalDetails
        self._project: dict[str, Any] = {"name": campaign.name} | {
            name: details.get(name) for name in _PROJECT_FIELDS
        }

    def added_to(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        code = str(canonical["boundaryCode"])
        boundary = self._boundaries[code]  # Validate kept the rows to the campaign's codes
        ancestors = []
        parent = self._boundaries.get(boundary.parent or "")
        while parent is not None:
            ancestors.append({"code": parent.code, "boundaryType": parent.type})
            parent = self._boundaries.get(parent.parent or "")
        return dict(canonical) | {
            "campaignId": self._campaign_id,
            "boundaryType": boundary.type,
            "ancestors": ancestors[::-1],
            "project": dict(self._project),
        }
