"""A caller's free-form details (additionalDetails, a campaign's resources), as kept."""

import json
import math
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

#: A caller's additionalDetails, kept with the record: small beside DynamoDB's 400 KB item.
MAX_DETAILS_BYTES = 64 * 1024
#: DynamoDB's numbers: at most 38 significant digits, magnitude 1e-130 to below 1e126.
_NUMBER_DIGITS, _NUMBER_MIN_EXPONENT, _NUMBER_MAX_EXPONENT = 38, -130, 125


def storable(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form details a caller sends, as the store can keep them: every key a non-empty
    string, every number one DynamoDB holds exactly, MAX_DETAILS_BYTES at most as JSON.
    Anything else is 400 INVALID_DETAILS (not a 500 from the store, long after)."""
    size = len(json.dumps(value, default=str).encode())
    if size > MAX_DETAILS_BYTES:
        raise PydanticCustomError(
            "invalid_details",
            f"details are {size:,} bytes as JSON; at most {MAX_DETAILS_BYTES:,}",
        )
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(not isinstance(key, str) or not key for key in node):
                raise PydanticCustomError("invalid_details", "a key of the details is empty")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            _check_number(node)
    return value


def _check_number(number: float) -> None:
    if isinstance(number, float) and not math.isfinite(number):
        raise PydanticCustomError("invalid_details", f"{number} is not a number to keep")
    decimal = Decimal(str(number))  # (no normalize(): it rounds to the context's 28 digits)
    if decimal.is_zero():
        return
    digits = len("".join(map(str, decimal.as_tuple().digits)).strip("0"))
    exponent = decimal.adjusted()
    if digits > _NUMBER_DIGITS or not _NUMBER_MIN_EXPONENT <= exponent <= _NUMBER_MAX_EXPONENT:
        raise PydanticCustomError(
            "invalid_details",
            f"{number} cannot be kept exactly: numbers have at most {_NUMBER_DIGITS} digits "
            f"and lie between 1e{_NUMBER_MIN_EXPONENT} and 1e{_NUMBER_MAX_EXPONENT + 1}",
        )


#: A caller's free-form details (additionalDetails, a campaign's resources): see storable.
Details = Annotated[dict[str, Any], AfterValidator(storable)]
