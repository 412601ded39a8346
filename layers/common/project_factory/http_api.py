"""The DIGIT envelope for HTTP handlers: ResponseInfo on success, Errors[] on failure.

Used by the API handlers only; the flows below them know nothing of HTTP.
"""

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ValidationError

from project_factory.errors import DomainError, InvalidRequestError
from project_factory.models import RequestInfo
from project_factory.observability import logger


def response_info(request_info: RequestInfo | None) -> dict[str, Any]:
    return {
        "apiId": request_info.apiId if request_info else None,
        "ver": "v1",
        "ts": int(time.time() * 1000),
        "status": "successful",
        "desc": None,
        "resMsgId": request_info.msgId if request_info else None,
    }


def error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ResponseInfo": None, "Errors": errors}


def domain_error(error: DomainError) -> tuple[int, dict[str, Any]]:
    return error.http_status, error_body(
        [
            {
                "code": error.code,
                "message": error.message,
                "description": error.message,
                "params": [f"{key}={value}" for key, value in error.params.items()],
            }
        ]
    )


def validation_error(error: ValidationError) -> tuple[int, dict[str, Any]]:
    errors = []
    for issue in error.errors():
        field = ".".join(str(part) for part in issue["loc"])
        errors.append(
            {
                "code": "INVALID_REQUEST",
                "message": f"{field or 'body'}: {issue['msg']}",
                "description": issue["type"],
                "params": [field],
            }
        )
    return 400, error_body(errors)


def unexpected_error(error: Exception) -> tuple[int, dict[str, Any]]:
    logger.exception("unexpected error")
    return 500, error_body(
        [
            {
                "code": "INTERNAL_SERVER_ERROR",
                "message": "an unexpected error occurred; it has been logged",
                "description": type(error).__name__,
                "params": [],
            }
        ]
    )


def parse_json_body[Model: BaseModel](body: str | None, model: type[Model]) -> Model:
    """The request body as a model; a body that is not JSON is a clear 400, not a 500."""
    try:
        return model.model_validate(json.loads(body or "{}"))
    except json.JSONDecodeError as error:
        raise InvalidRequestError(
            f"the body is not valid JSON: {error.msg}", code="INVALID_JSON"
        ) from error


def _json(status_and_body: tuple[int, dict[str, Any]]) -> Response:
    status, body = status_and_body
    return Response(status_code=status, content_type="application/json", body=body)


def digit_resolver() -> APIGatewayHttpResolver:
    """A Powertools HTTP API resolver whose errors come out in the DIGIT envelope."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return _json(domain_error(error))

    @app.exception_handler(ValidationError)
    def _invalid(error: ValidationError) -> Response:
        return _json(validation_error(error))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        return _json(unexpected_error(error))

    return app
