"""template_generate's Catch target: marks the generation failed with the error."""

from typing import Any

from project_factory.domain.tasks import MarkGenerationFailedTask
from project_factory.flows.template_requests import mark_generation_failed
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="generatedId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = MarkGenerationFailedTask.model_validate(event)
    row = mark_generation_failed(task.generatedId, task.error, services)
    metrics.add_metric(name="TemplatesFailed", unit="Count", value=1)
    return {"generatedId": row.id, "status": row.status}
