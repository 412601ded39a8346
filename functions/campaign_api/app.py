"""/project-factory/v1/project-type/create, update and search: campaigns."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from project_factory.auth import Action, Caller, caller_from_claims
from project_factory.flows import campaigns
from project_factory.http_api import HttpRouter, parse_json_body, response_info
from project_factory.models import Campaign, CampaignRequest, CampaignSearchRequest
from project_factory.observability import logger, metrics, tracer
from project_factory.services import Services, load_services

app = HttpRouter()
services = load_services()


def _caller() -> Caller:
    """Who calls, from the claims of the token API Gateway verified (401 without)."""
    return caller_from_claims(app.current_event.claims, services.settings)


@app.post("/project-factory/v1/project-type/create")
def create_campaign() -> dict[str, Any]:
    return _changed(campaigns.create_campaign)


@app.post("/project-factory/v1/project-type/update")
def update_campaign() -> dict[str, Any]:
    return _changed(campaigns.update_campaign)


def _changed(change: Callable[[CampaignRequest, Services], Campaign]) -> dict[str, Any]:
    caller = _caller()
    request = parse_json_body(app.current_event.body, CampaignRequest)
    caller.require(request.CampaignDetails.tenantId, Action.ADMIN, services.settings)
    request = request.model_copy(update={"RequestInfo": caller.request_info(request.RequestInfo)})
    campaign = change(request, services)
    logger.append_keys(campaign_id=campaign.id)
    return {
        "ResponseInfo": response_info(request.RequestInfo),
        "CampaignDetails": campaign.model_dump(),
    }


@app.post("/project-factory/v1/project-type/search")
def search_campaigns() -> dict[str, Any]:
    caller = _caller()
    request = parse_json_body(app.current_event.body, CampaignSearchRequest)
    caller.require(request.CampaignDetails.tenantId, Action.READ, services.settings)
    found = campaigns.search_campaigns(request, services)
    return {
        "ResponseInfo": response_info(request.RequestInfo),
        "CampaignDetails": [campaign.model_dump() for campaign in found],
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
