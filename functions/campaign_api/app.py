"""/project-factory/v1/project-type/create, update and search: campaigns."""

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths

from project_factory import http_api
from project_factory.api_contract import (
    RESPONSES,
    CampaignResponse,
    CampaignSearchResponse,
    response_info,
)
from project_factory.auth import Action
from project_factory.domain.campaigns import Campaign, CampaignRequest, CampaignSearchRequest
from project_factory.flows import campaigns
from project_factory.http_api import digit_resolver, resolve
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import Services, load_services

app = digit_resolver()
services = load_services()


@app.post(
    "/project-factory/v1/project-type/create",
    summary="Create a campaign (a child campaign with parentId)",
    responses=RESPONSES,
    tags=["campaigns"],
)
def create_campaign(request: Annotated[CampaignRequest, Body()]) -> CampaignResponse:
    return _changed(request, campaigns.create_campaign)


@app.post(
    "/project-factory/v1/project-type/update",
    summary="Update a campaign; new boundaries regenerate its templates",
    responses=RESPONSES,
    tags=["campaigns"],
)
def update_campaign(request: Annotated[CampaignRequest, Body()]) -> CampaignResponse:
    return _changed(request, campaigns.update_campaign)


def _changed(
    request: CampaignRequest, change: Callable[[CampaignRequest, Services], Campaign]
) -> CampaignResponse:
    caller = http_api.caller(app, services.settings)
    caller.require(request.CampaignDetails.tenantId, Action.ADMIN, services.settings)
    request = request.model_copy(update={"RequestInfo": caller.request_info(request.RequestInfo)})
    campaign = change(request, services)
    logger.append_keys(campaign_id=campaign.id)
    return CampaignResponse(
        ResponseInfo=response_info(request.RequestInfo), CampaignDetails=campaign
    )


@app.post(
    "/project-factory/v1/project-type/search",
    summary="Campaigns by id",
    responses=RESPONSES,
    tags=["campaigns"],
)
def search_campaigns(request: Annotated[CampaignSearchRequest, Body()]) -> CampaignSearchResponse:
    caller = http_api.caller(app, services.settings)
    caller.require(request.CampaignDetails.tenantId, Action.READ, services.settings)
    found = campaigns.search_campaigns(request, services)
    return CampaignSearchResponse(
        ResponseInfo=response_info(request.RequestInfo), CampaignDetails=found
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return resolve(app, event, context)
