"""EventBridge CampaignBoundariesChanged: regenerates the campaign's three templates."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from project_factory.domain.campaigns import BoundariesChanged
from project_factory.flows.boundary_change import regenerate_templates
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="detail.campaignId")
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    change = BoundariesChanged.model_validate(event.detail)
    rows = regenerate_templates(event.get_id, change, services)
    metrics.add_metric(name="TemplatesRegenerated", unit="Count", value=len(rows))
    return {"generated": [row.id for row in rows]}
