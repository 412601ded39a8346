"""The Catch of every step: the resource ends `failed` with the error, never stuck."""

import json
import re
from typing import Any

from project_factory.domain.resources import ResourceRow, ResourceStatus
from project_factory.domain.tasks import MarkFailedTask, StepError
from project_factory.flows.ports import Ports

_CODED_MESSAGE = re.compile(r"^(?P<code>[A-Z][A-Z0-9_]{2,}): (?P<message>.*)$", re.DOTALL)


def mark_failed(task: MarkFailedTask, services: Ports) -> ResourceRow:
    error_type, message = describe_step_error(task.error)
    details: dict[str, Any] = {"error": {"code": error_type, "message": message}}
    return services.resources.finish(task.resourceId, ResourceStatus.FAILED, details=details)


def describe_step_error(error: StepError) -> tuple[str, str]:
    """A Lambda error's Cause is its JSON payload; a States.* error's is plain text."""
    try:
        payload = json.loads(error.Cause or "")
    except json.JSONDecodeError:
        return error.Error, error.Cause or error.Error
    if not isinstance(payload, dict):
        return error.Error, str(payload)
    message = str(payload.get("errorMessage", ""))
    # A DomainError's message starts with its code (see DomainError.__str__): the stable
    # code (e.g. PARENT_FILE_NOT_FOUND) says more than the class name.
    if coded := _CODED_MESSAGE.match(message):
        return coded["code"], coded["message"]
    return payload.get("errorType", error.Error), message
