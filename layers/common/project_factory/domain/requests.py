"""What every request carries: RequestInfo (the caller, the locale), and strict bodies."""

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UserInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    uuid: str | None = None
    tenantId: str | None = None


class RequestInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    apiId: str | None = None
    msgId: str | None = None
    authToken: str | None = None
    userInfo: UserInfo | None = None

    @property
    def locale(self) -> str | None:
        if self.msgId and "|" in self.msgId:
            return self.msgId.split("|", 1)[1] or None
        return None

    @property
    def user_uuid(self) -> str:
        return (self.userInfo.uuid if self.userInfo else None) or "anonymous"


# The envelope's field is named like its type; a default needs the type under another name.
RequestInfoModel = RequestInfo


class RequestEnvelope(BaseModel):
    """A body that carries RequestInfo and nothing the route needs."""

    model_config = ConfigDict(extra="ignore")
    RequestInfo: RequestInfoModel = Field(default_factory=RequestInfoModel)
