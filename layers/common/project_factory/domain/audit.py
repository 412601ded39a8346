"""Who made a record and when, in the original's auditDetails."""

import time

from pydantic import BaseModel


class AuditDetails(BaseModel):
    createdBy: str
    createdTime: int
    lastModifiedBy: str
    lastModifiedTime: int


def now_ms() -> int:
    """The time now, in milliseconds since the epoch (how every stored time is kept)."""
    return time.time_ns() // 1_000_000


def new_audit(user: str) -> AuditDetails:
    now = now_ms()
    return AuditDetails(createdBy=user, createdTime=now, lastModifiedBy=user, lastModifiedTime=now)
