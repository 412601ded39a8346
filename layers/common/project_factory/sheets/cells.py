"""Cell values as people type them, turned into the values a schema expects.

Excel stores every number as a float (12 arrives as 12.0) and people type numbers as
text ("12", " 12 "); phones typed as numbers lose nothing but must read as digits. Lists
(several boundary codes, several roles) are typed in one cell, comma-separated.
"""

import math
from datetime import date, datetime, time
from typing import Any


def cell_text(value: Any) -> str:
    """A cell as text, trimmed: whole floats without `.0`, dates in ISO form."""
    if type(value) is str:
        # Nearly every cell is text: asked first, and exactly (a subclass takes the
        # general path, `str()` of it may differ).
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def cell_number(value: Any) -> Any:
    """A number cell, or text holding a number, as int (when whole) or float.

    Anything else is returned as it is (booleans, text) or as text (dates), a JSON
    value for the schema to report as not a number.
    """
    if type(value) is int:
        # Excel's whole numbers, as the reader gives them: asked first, and exactly (a
        # bool is an int too, and stays a bool).
        return value
    if isinstance(value, bool):
        return value
    if not isinstance(value, str | int | float):
        return cell_text(value)
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return value.strip()
        if not math.isfinite(parsed):
            return value.strip()
        value = parsed
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def split_codes(text: str) -> list[str]:
    """Comma-separated values, trimmed, without blanks or repeats, in their order."""
    if "," not in text:
        # One value (most cells): no parts to split, nothing to repeat.
        value = text.strip()
        return [value] if value else []
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
