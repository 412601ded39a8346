"""Generated resources: one row per template generation and what became of it.

A row is `inprogress` (fileStoreId null) until the template_generate state machine marks
it `completed` (with the file) or `failed` (with the reason). A newer generation for the
same template makes the earlier rows `expired`. Field names follow the original's API.
"""

from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from project_factory.models import AuditDetails

GeneratedType = Literal["boundary", "facilityWithBoundary", "userWithBoundary"]
GENERATED_TYPES: tuple[str, ...] = get_args(GeneratedType)


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
