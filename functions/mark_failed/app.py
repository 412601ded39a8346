"""resource_create's Catch target: marks the resource failed with the error."""

from typing import Any

from project_factory.domain.tasks import MarkFailedTask
from project_factory.flows.mark_failed import mark_failed
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="resourceId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    row = mark_failed(MarkFailedTask.model_validate(event), services)
    metrics.add_metric(name="ResourcesFailed", unit="Count", value=1)
    return {"resourceId": row.id, "status": row.status}
