"""POST /project-factory/v1/data/_create and _search."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from project_factory.flows import intake, search
from project_factory.http_api import digit_resolver, parse_json_body, response_info
from project_factory.models import CreateResourceRequest, SearchResourcesRequest
from project_factory.observability import logger, metrics, tracer
from project_factory.services import load_services

app = digit_resolver()
services = load_services()


@app.post("/project-factory/v1/data/_create")
def create_resource() -> dict[str, Any]:
    request = parse_json_body(app.current_event.body, CreateResourceRequest)
    row = intake.accept(intake.submission_from_request(request), services)
    logger.append_keys(resource_id=row.id)
    metrics.add_metric(name="ResourcesAccepted", unit="Count", value=1)
    return {"ResponseInfo": response_info(request.RequestInfo), "ResourceDetails": row.model_dump()}


@app.post("/project-factory/v1/data/_search")
def search_resources() -> dict[str, Any]:
    request = parse_json_body(app.current_event.body, SearchResourcesRequest)
    rows = search.search_resources(request, services)
    return {
        "ResponseInfo": response_info(request.RequestInfo),
        "ResourceDetails": [row.model_dump() for row in rows],
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
