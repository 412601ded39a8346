"""resource_create's Create task: creates the pending rows of a chunk, confirming first."""

from typing import Any

from project_factory.domain.tasks import ChunkTask
from project_factory.flows.create_loop import create_rows
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context(correlation_id_path="resourceId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state = create_rows(ChunkTask.model_validate(event), services)
    metrics.add_metric(name="RowsCreated", unit="Count", value=state.created)
    return state.model_dump()
