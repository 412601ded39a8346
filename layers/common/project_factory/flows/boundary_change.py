"""A campaign's boundaries changed: regenerate its templates, once per event."""

import uuid

from project_factory.domain.campaigns import BoundariesChanged
from project_factory.domain.requests import RequestInfo, UserInfo
from project_factory.domain.templates import GENERATED_TYPES, GeneratedResource, GenerateRequest
from project_factory.flows.ports import Ports
from project_factory.flows.template_requests import request_generation

_EVENT_NAMESPACE = uuid.UUID("5c2b7d1e-9a4f-4e3b-8c6d-1f0e2a3b4c5d")


def regenerate_templates(
    event_id: str, change: BoundariesChanged, services: Ports
) -> list[GeneratedResource]:
    """One forced generation per template type, through the same call the API makes.

    Each generation is named by (event id, type): EventBridge delivers at least once, and a
    second delivery of the same event finds its generations and starts nothing.
    """
    request_info = RequestInfo(userInfo=UserInfo(uuid="boundary-change", tenantId=change.tenantId))
    return [
        request_generation(
            GenerateRequest(
                RequestInfo=request_info,
                tenantId=change.tenantId,
                type=template_type,
                hierarchyType=change.hierarchyType,
                campaignId=change.campaignId,
                forceUpdate=True,
            ),
            services,
            generation_id=str(uuid.uuid5(_EVENT_NAMESPACE, f"{event_id}|{template_type}")),
        )
        for template_type in GENERATED_TYPES
    ]
