"""resource_create's Confirm task: searches the target for rows a bulk create accepted."""

from typing import Any

from project_factory.domain.tasks import ChunkTask
from project_factory.flows.create_loop import confirm_rows
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="resourceId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return confirm_rows(ChunkTask.model_validate(event), services).model_dump()
