"""resource_create's Finalize task: writes the processed workbook and the final status."""

from typing import Any

from project_factory.domain.tasks import ResourceTask
from project_factory.flows.finalize import finalize_resource
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="resourceId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = finalize_resource(ResourceTask.model_validate(event).resourceId, services)
    metrics.add_metric(name=f"Resources_{result['status']}", unit="Count", value=1)
    return result
