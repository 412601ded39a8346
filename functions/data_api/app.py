"""POST /project-factory/v1/data/_create, _search, _generate and _download."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths

from project_factory import http_api
from project_factory.api_contract import (
    RESPONSES,
    GeneratedResponse,
    ResourceResponse,
    ResourceSearchResponse,
    response_info,
)
from project_factory.auth import Action
from project_factory.domain.requests import RequestEnvelope
from project_factory.domain.resources import CreateResourceRequest, SearchResourcesRequest
from project_factory.domain.templates import (
    DownloadQuery,
    GenerateBody,
    GeneratedType,
    GenerateRequest,
)
from project_factory.domain.tenants import TenantId
from project_factory.flows import search, template_requests
from project_factory.http_api import digit_resolver, resolve
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

app = digit_resolver()
services = load_services()


@app.post(
    "/project-factory/v1/data/_create",
    summary="Create, validate or retry resources from an uploaded file",
    responses=RESPONSES,
    tags=["data"],
)
def create_resource(request: Annotated[CreateResourceRequest, Body()]) -> ResourceResponse:
    # Imported here: its schema checker (jsonschema) is needed by this route alone.
    from project_factory.flows import intake

    caller = http_api.caller(app, services.settings)
    # create, validate and retry alike: each stores a resource and starts its flow
    caller.require(request.ResourceDetails.tenantId, Action.ADMIN, services.settings)
    request = request.model_copy(update={"RequestInfo": caller.request_info(request.RequestInfo)})
    row = intake.accept(intake.submission_from_request(request), services)
    logger.set_correlation_id(row.id)
    metrics.add_metric(name="ResourcesAccepted", unit="Count", value=1)
    return ResourceResponse(ResponseInfo=response_info(request.RequestInfo), ResourceDetails=row)


@app.post(
    "/project-factory/v1/data/_search",
    summary="Search resources, with their status, counts, row errors and live progress",
    responses=RESPONSES,
    tags=["data"],
)
def search_resources(
    request: Annotated[SearchResourcesRequest, Body()],
) -> ResourceSearchResponse:
    caller = http_api.caller(app, services.settings)
    caller.require(request.SearchCriteria.tenantId, Action.READ, services.settings)
    rows = search.search_resources(request, services, caller)
    return ResourceSearchResponse(
        ResponseInfo=response_info(request.RequestInfo), ResourceDetails=rows
    )


@app.post(
    "/project-factory/v1/data/_generate",
    summary="Start generating a template (or answer its current generation)",
    responses=RESPONSES,
    tags=["templates"],
)
def generate_template(
    tenantId: Annotated[TenantId, Query()],
    kind: Annotated[GeneratedType, Query(alias="type")],
    hierarchyType: Annotated[str, Query(min_length=1, max_length=128)],
    campaignId: Annotated[str | None, Query(max_length=128)] = None,
    forceUpdate: Annotated[bool, Query()] = False,
    includeExisting: Annotated[
        bool, Query(description="pre-fill the campaign's records, ids included")
    ] = False,
    body: Annotated[GenerateBody | None, Body()] = None,
) -> GeneratedResponse:
    caller = http_api.caller(app, services.settings)
    given = body or GenerateBody()
    request = GenerateRequest(
        RequestInfo=caller.request_info(given.RequestInfo),
        tenantId=tenantId,
        type=kind,
        hierarchyType=hierarchyType,
        campaignId=campaignId,
        forceUpdate=forceUpdate,
        includeExisting=includeExisting,
        Filters=given.Filters,
    )
    caller.require(request.tenantId, Action.ADMIN, services.settings)
    row = template_requests.request_generation(request, services)
    logger.set_correlation_id(row.id)
    return GeneratedResponse(
        ResponseInfo=response_info(request.RequestInfo), GeneratedResource=[row]
    )


@app.post(
    "/project-factory/v1/data/_download",
    summary="The template's generations (starting one when none exists)",
    responses=RESPONSES,
    tags=["templates"],
)
def download_template(
    tenantId: Annotated[TenantId, Query()],
    kind: Annotated[str, Query(alias="type", min_length=1, max_length=64)],
    hierarchyType: Annotated[str, Query(min_length=1, max_length=128)],
    generated_id: Annotated[str | None, Query(alias="id", max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=200, description="comma-separated")] = None,
    campaignId: Annotated[str | None, Query(max_length=128)] = None,
    body: Annotated[RequestEnvelope | None, Body()] = None,
) -> GeneratedResponse:
    caller = http_api.caller(app, services.settings)
    request_info = (body or RequestEnvelope()).RequestInfo
    query = DownloadQuery(
        tenantId=tenantId,
        type=kind,
        hierarchyType=hierarchyType,
        id=generated_id,
        status=status,
        campaignId=campaignId,
    )
    # A reader may start a missing template's generation, as the original's download does.
    caller.require(query.tenantId, Action.READ, services.settings)
    rows = template_requests.download(
        query.tenantId,
        query.type,
        query.hierarchyType,
        services=services,
        generated_id=query.id,
        statuses=query.statuses,
        campaign_id=query.campaignId,
        request_info=caller.request_info(request_info),
    )
    return GeneratedResponse(ResponseInfo=response_info(request_info), GeneratedResource=rows)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return resolve(app, event, context)
