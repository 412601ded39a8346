"""Boundary sheets: the boundary a row names, and the code it is given.

One column per hierarchy level, top first. A row defines ONE boundary, the one named in
its deepest filled column; the columns above name its ancestors, and give its parent.
Codes are generated from the names of the path (see `boundary_code`), so the same path
always yields the same code and a row naming an existing boundary is recognised as
existing. A parent must be defined on an earlier row or already exist.
"""

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.sheets.messages import normalise_text
from project_factory.sheets.spec import SheetSpec


def boundary_code(names: Sequence[str]) -> str:
    """A stable code for the boundary at the end of a path of names (top level first).

    Readable (the name, upper case, ASCII) and unique per path (a short digest of the
    whole path, compared case- and whitespace-insensitively, like uniqueness in a file).
    """
    ascii_name = unicodedata.normalize("NFKD", names[-1]).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")[:24] or "BOUNDARY"
    path = "/".join(normalise_text(name) for name in names)
    return f"{slug}_{hashlib.sha256(path.encode()).hexdigest()[:6].upper()}"


def boundary_path(spec: SheetSpec, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(boundary type, name) of the filled level columns, top first."""
    return [
        (level, str(values[column]))
        for column, level in spec.levels
        if values.get(column) not in (None, "")
    ]
