"""Domain errors. Their class names are the error names Step Functions matches."""

from typing import Any


class DomainError(Exception):
    """A failure with a stable code, reported to the caller as it is."""

    code = "PROJECT_FACTORY_ERROR"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.params = params

    def __str__(self) -> str:
        # The code travels with the message, e.g. in a Lambda error payload to MarkFailed.
        return f"{self.code}: {self.message}"


class InvalidRequestError(DomainError):
    code = "INVALID_REQUEST"
    http_status = 400


class UnauthenticatedError(DomainError):
    code = "UNAUTHENTICATED"
    http_status = 401


class ForbiddenError(DomainError):
    code = "FORBIDDEN"
    http_status = 403


class NotFoundError(DomainError):
    code = "NOT_FOUND"
    http_status = 404


class InvalidSchemaError(DomainError):
    """The schema source answered with something that is not a valid JSON Schema."""

    code = "INVALID_SCHEMA"
    http_status = 500


class TransientError(DomainError):
    """A call failed in a way worth retrying (5xx, timeout, throttling).

    Step Functions' Task Retry matches this name; nothing else is retried by the Task.
    """

    code = "TRANSIENT_ERROR"
    http_status = 503


class UpstreamError(DomainError):
    """A service we call refused a request permanently."""

    code = "UPSTREAM_ERROR"
    http_status = 502


class WorkbookError(InvalidRequestError):
    """An upload refused as a whole: not a readable .xlsx file, or past a limit on uploads.

    Its code says which (UNREADABLE_WORKBOOK, FILE_TOO_LARGE, ZIP_BOMB, TOO_MANY_COLUMNS,
    XML_NOT_ALLOWED, ...; see sheets/limits.py); the resource ends `failed` with it.
    """

    code = "UNREADABLE_WORKBOOK"
