"""The HTTP API's answers as its OpenAPI document shows them: the DIGIT envelopes around
the domain's models, and the one error body every failure has.

The routes return these models; Powertools validates each answer against its route's and
writes the document from them (local/openapi.py), so the document cannot drift from what
the API sends.
"""

import time
from typing import Literal

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field

from project_factory.domain.campaigns import Campaign, SearchedCampaign
from project_factory.domain.requests import RequestInfo
from project_factory.domain.resources import ResourceRow
from project_factory.domain.templates import GeneratedResource


class ResponseInfo(BaseModel):
    """DIGIT's ResponseInfo: the request's apiId and msgId answered back."""

    apiId: str | None = None
    ver: str = "v1"
    ts: int
    status: Literal["successful"] = "successful"
    desc: str | None = None
    resMsgId: str | None = None


# An envelope's field is named like its type; the annotation needs the type under another name.
ResponseInfoModel = ResponseInfo
GeneratedResourceModel = GeneratedResource


def response_info(request_info: RequestInfo | None) -> ResponseInfo:
    return ResponseInfo(
        apiId=request_info.apiId if request_info else None,
        ts=int(time.time() * 1000),
        resMsgId=request_info.msgId if request_info else None,
    )


class DigitError(BaseModel):
    """One problem: a stable code, a message for people, and what it concerns."""

    code: str
    message: str
    description: str | None = None
    params: list[str] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx of the API: no ResponseInfo, the problems in Errors."""

    ResponseInfo: None = None
    Errors: list[DigitError] = Field(min_length=1)


class GatewayMessage(BaseModel):
    """API Gateway's own answer, before any function runs: a refused token's 401."""

    message: str


class ResourceResponse(BaseModel):
    ResponseInfo: ResponseInfoModel
    ResourceDetails: ResourceRow


class ResourceSearchResponse(BaseModel):
    ResponseInfo: ResponseInfoModel
    ResourceDetails: list[ResourceRow]


class GeneratedResponse(BaseModel):
    ResponseInfo: ResponseInfoModel
    GeneratedResource: list[GeneratedResourceModel]


class CampaignResponse(BaseModel):
    ResponseInfo: ResponseInfoModel
    CampaignDetails: Campaign


class CampaignSearchResponse(BaseModel):
    ResponseInfo: ResponseInfoModel
    CampaignDetails: list[SearchedCampaign]


class StoredFileRef(BaseModel):
    fileStoreId: str
    tenantId: str


class FilesResponse(BaseModel):
    """DIGIT FileStore's answer to an upload: one entry per file, in the form's order."""

    files: list[StoredFileRef]


class FileUrl(BaseModel):
    id: str
    url: str


class FileUrlsResponse(BaseModel):
    """DIGIT FileStore's `files/url`: a presigned GET per fileStoreId asked for."""

    fileStoreIds: list[FileUrl]


class UploadGrant(BaseModel):
    """A presigned POST: post a multipart form to `url` with every one of `fields` as
    given, then the file as the last part (`file`), of 1 to `maxBytes` bytes."""

    fileStoreId: str
    tenantId: str
    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    maxBytes: int
    expiresInSeconds: int


class Health(BaseModel):
    status: Literal["UP"] = "UP"


def _error(description: str) -> OpenAPIResponse:
    return {
        "description": description,
        "content": {"application/json": {"model": ErrorResponse}},
    }


#: What every route of the API can answer, for the document: its own model on success
#: (Powertools takes it from the route's return annotation), else one of the failures
#: (README, "Bad input").
RESPONSES: dict[int, OpenAPIResponse] = {
    200: {"description": "Done: the route's answer"},
    400: _error("The request is not valid: Errors[] names each problem and its field"),
    401: {
        "description": "No valid bearer token (API Gateway's answer, or the API's)",
        "content": {"application/json": {"model": GatewayMessage | ErrorResponse}},
    },
    403: _error("The token's roles do not allow this action on this tenant"),
    404: _error("Something the request names does not exist"),
    500: _error("An unexpected error, logged with the request id"),
    502: _error("A service the API depends on refused or failed"),
    503: _error("A store or service is unavailable for now: try again"),
}
