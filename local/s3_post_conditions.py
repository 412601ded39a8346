"""S3's refusals of a presigned POST and its policy document's conditions, as S3's
documentation states them (its codes, statuses and messages); `local.s3_post_form` reads
the form and applies them."""

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class PostRefused(Exception):
    """A presigned POST S3 would refuse: the HTTP status, S3's code and message."""

    def __init__(
        self, status: str, code: str, message: str, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})


def denied(message: str) -> PostRefused:
    return PostRefused("403 Forbidden", "AccessDenied", f"Invalid according to Policy: {message}")


def malformed(message: str = "") -> PostRefused:
    return PostRefused(
        "400 Bad Request",
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data." + message,
    )


def check(condition: list[Any], values: Mapping[str, str]) -> None:
    operator, field, expected = condition
    name = str(field).removeprefix("$").lower()
    actual = values.get(name)
    if operator == "eq":
        holds = actual == expected
    elif operator == "starts-with":
        holds = actual is not None and actual.startswith(str(expected))
    else:
        raise invalid_policy(f"Invalid condition operator: {operator}")
    if not holds:
        raise denied(f"Policy Condition failed: {json.dumps(condition)}")


def decoded_policy(encoded: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError) as error:
        raise invalid_policy("Invalid JSON.") from error
    if (
        not isinstance(policy, dict)
        or not isinstance(policy.get("conditions"), list)
        or "expiration" not in policy
    ):
        raise invalid_policy("Policy needs an expiration and a list of conditions.")
    return policy


def expiration(policy: dict[str, Any]) -> datetime:
    text = str(policy["expiration"])
    for layout in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise invalid_policy(f"Invalid Policy: Invalid 'expiration' value: '{text}'")


def size_range(condition: list[Any]) -> tuple[int, int]:
    if len(condition) != 3 or not all(isinstance(bound, int) for bound in condition[1:]):
        raise invalid_policy(f"Invalid content-length-range: {json.dumps(condition)}")
    return int(condition[1]), int(condition[2])


def invalid_policy(message: str) -> PostRefused:
    return PostRefused("400 Bad Request", "InvalidPolicyDocument", f"Invalid Policy: {message}")


def too_large(limit: int) -> PostRefused:
    return PostRefused(
        "400 Bad Request",
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        {"MaxSizeAllowed": limit},
    )
