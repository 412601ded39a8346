"""Tenant ids as DIGIT writes them, checked where a caller gives one."""

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

#: A tenant id as DIGIT writes them: a state ("mz", "pb") and up to three levels below it
#: ("mz.chimoio", "pb.amritsar"), lower-case letters and digits only. Tenant ids become
#: parts of S3 keys and DynamoDB keys (`files/<tenant>/…`, `<tenant>#<type>`), so a `/`, a
#: `#` or anything else outside this pattern could alias another tenant's keys: refused.
TENANT_ID_PATTERN = re.compile(r"[a-z][a-z0-9]{1,31}(\.[a-z0-9]{1,32}){0,3}")
TENANT_ID_MAX_LENGTH = 64


def tenant_id_problem(value: str) -> str | None:
    """Why `value` is not a tenant id, or None when it is one."""
    if len(value) > TENANT_ID_MAX_LENGTH or TENANT_ID_PATTERN.fullmatch(value) is None:
        return (
            f"tenantId {value[:80]!r} is not a tenant id: lower-case letters and digits, a "
            f"state (2-32 characters, a letter first) and up to 3 levels below it, each after "
            f"a dot (mz, mz.chimoio), at most {TENANT_ID_MAX_LENGTH} characters"
        )
    return None


def _tenant_id(value: str) -> str:
    problem = tenant_id_problem(value)
    if problem:
        # Its type, invalid_tenant, is answered as the code INVALID_TENANT (http_api).
        raise PydanticCustomError("invalid_tenant", problem)
    return value


#: A tenant id accepted from a caller: 400 INVALID_TENANT when it breaks the pattern. (The
#: pattern is the document's; the check is _tenant_id's, for its code and message.)
TenantId = Annotated[
    str,
    AfterValidator(_tenant_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{TENANT_ID_PATTERN.pattern}$",
            "maxLength": TENANT_ID_MAX_LENGTH,
        }
    ),
]
