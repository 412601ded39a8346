"""resource_create's Validate task: judges every row and lays out the chunks to create."""

from typing import Any

from project_factory.domain.tasks import ResourceTask
from project_factory.flows.validate import validate_resource
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="resourceId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = ResourceTask.model_validate(event)
    result = validate_resource(task.resourceId, services, redrive=task.redrive)
    metrics.add_metric(name="RowsValidated", unit="Count", value=result["total"])
    metrics.add_metric(name="RowsInvalid", unit="Count", value=result["invalid"])
    return result
