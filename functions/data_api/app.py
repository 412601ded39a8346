"""POST /project-factory/v1/data/_create, _search, _generate and _download."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from project_factory.auth import Action, Caller, caller_from_claims
from project_factory.flows import generate, search
from project_factory.http_api import HttpRouter, parse_json_body, response_info
from project_factory.models import CreateResourceRequest, RequestEnvelope, SearchResourcesRequest
from project_factory.observability import logger, metrics, tracer
from project_factory.services import load_services

app = HttpRouter()
services = load_services()


def _caller() -> Caller:
    """Who calls, from the claims of the token API Gateway verified (401 without)."""
    return caller_from_claims(app.current_event.claims, services.settings)


@app.post("/project-factory/v1/data/_create")
def create_resource() -> dict[str, Any]:
    # Imported here: its schema checker (jsonschema) is needed by this route alone.
    from project_factory.flows import intake

    caller = _caller()
    request = parse_json_body(app.current_event.body, CreateResourceRequest)
    # create, validate and retry alike: each stores a resource and starts its flow
    caller.require(request.ResourceDetails.tenantId, Action.ADMIN, services.settings)
    request = request.model_copy(update={"RequestInfo": caller.request_info(request.RequestInfo)})
    row = intake.accept(intake.submission_from_request(request), services)
    logger.set_correlation_id(row.id)
    metrics.add_metric(name="ResourcesAccepted", unit="Count", value=1)
    return {"ResponseInfo": response_info(request.RequestInfo), "ResourceDetails": row.model_dump()}


@app.post("/project-factory/v1/data/_search")
def search_resources() -> dict[str, Any]:
    caller = _caller()
    request = parse_json_body(app.current_event.body, SearchResourcesRequest)
    caller.require(request.SearchCriteria.tenantId, Action.READ, services.settings)
    rows = search.search_resources(request, services, caller)
    return {
        "ResponseInfo": response_info(request.RequestInfo),
        "ResourceDetails": [row.model_dump() for row in rows],
    }


@app.post("/project-factory/v1/data/_generate")
def generate_template() -> dict[str, Any]:
    caller = _caller()
    body = parse_json_body(app.current_event.body, generate.GenerateBody)
    query = app.current_event.query_string_parameters or {}
    request = generate.GenerateRequest.model_validate({**query, **body.model_dump()})
    caller.require(request.tenantId, Action.ADMIN, services.settings)
    request = request.model_copy(update={"RequestInfo": caller.request_info(request.RequestInfo)})
    row = generate.request_generation(request, services)
    logger.set_correlation_id(row.id)
    return {
        "ResponseInfo": response_info(request.RequestInfo),
        "GeneratedResource": [row.model_dump()],
    }


@app.post("/project-factory/v1/data/_download")
def download_template() -> dict[str, Any]:
    caller = _caller()
    body = parse_json_body(app.current_event.body, RequestEnvelope)
    query = generate.DownloadQuery.model_validate(app.current_event.query_string_parameters or {})
    # A reader may start a missing template's generation, as the original's download does.
    caller.require(query.tenantId, Action.READ, services.settings)
    rows = generate.download(
        query.tenantId,
        query.type,
        query.hierarchyType,
        services=services,
        generated_id=query.id,
        statuses=query.statuses,
        campaign_id=query.campaignId,
        request_info=caller.request_info(body.RequestInfo),
    )
    return {
        "ResponseInfo": response_info(body.RequestInfo),
        "GeneratedResource": [row.model_dump() for row in rows],
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
