"""template_generate's Generate task: builds the template workbook and records it."""

from typing import Any

from project_factory.domain.tasks import GenerateTask
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="generatedId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Imported on the first run, not at import: openpyxl and the sheets are this task's alone.
    from project_factory.flows.template_build import generate_template

    task = GenerateTask.model_validate(event)
    result = generate_template(task.generatedId, task.filters, services)
    metrics.add_metric(name="TemplatesGenerated", unit="Count", value=1)
    return result
