"""The inputs the state machines hand to their task functions: keys and counts, never rows."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class ResourceTask(BaseModel):
    """The input of a resource_create step that works on the whole resource."""

    model_config = ConfigDict(extra="ignore")
    resourceId: str
    #: which resumption of the resource this run is (0: the first run)
    redrive: int = 0


class ChunkRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    index: int
    key: str
    rows: int
    tenantId: str
    type: str
    hierarchyType: str


class ChunkTask(BaseModel):
    """The state of one Map iteration: keys and counts, never rows."""

    model_config = ConfigDict(extra="ignore")
    resourceId: str
    bulk: bool
    chunk: ChunkRef
    attempt: int
    pending: int = 0
    created: int = 0
    failed: int = 0
    awaitingConfirmation: bool = False
    backoffSeconds: int = 1


class StepError(BaseModel):
    """A Catch's error: the Lambda error type and its Cause (the error payload as JSON)."""

    Error: str
    Cause: str | None = None


class MarkFailedTask(BaseModel):
    resourceId: str
    error: StepError


class GenerateTask(BaseModel):
    """template_generate's Generate task."""

    generatedId: str
    filters: dict[str, Any] | None = None


class MarkGenerationFailedTask(BaseModel):
    generatedId: str
    error: dict[str, Any]
