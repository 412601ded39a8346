"""The Catch of every step: the resource ends `failed` with the error, never stuck."""

import json
from typing import Any

from pydantic import BaseModel

from project_factory.models import ResourceRow, ResourceStatus
from project_factory.services import Services


class StepError(BaseModel):
    Error: str
    Cause: str | None = None


class MarkFailedTask(BaseModel):
    resourceId: str
    error: StepError


def mark_failed(task: MarkFailedTask, services: Services) -> ResourceRow:
    error_type, message = describe_step_error(task.error)
    details: dict[str, Any] = {"error": {"code": error_type, "message": message}}
    return services.resources.finish(task.resourceId, ResourceStatus.FAILED, details=details)


def describe_step_error(error: StepError) -> tuple[str, str]:
    """A Lambda error's Cause is its JSON payload; a States.* error's is plain text."""
    try:
        payload = json.loads(error.Cause or "")
    except json.JSONDecodeError:
        return error.Error, error.Cause or error.Error
    if isinstance(payload, dict):
        return payload.get("errorType", error.Error), payload.get("errorMessage", "")
    return error.Error, str(payload)
