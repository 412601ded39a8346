"""A small hierarchy and a template builder for the template tests."""

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from project_factory.domain.boundaries import Boundary
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.template import (
    TEMPLATE_SPECS,
    TemplateBoundaries,
    build_template,
)

HIERARCHY = "ADMIN"
LEVELS = ("Country", "Province", "District", "Locality")
#: parents first, as boundary sources list them
EVERY = (
    Boundary("K", "Kalanga", "Country", None),
    Boundary("P1", "Chisu", "Province", "K"),
    Boundary("P2", "Dibute", "Province", "K"),
    Boundary("D1", "Lunda", "District", "P1"),
    Boundary("D2", "Moxi", "District", "P1"),
    Boundary("D3", "Nacala", "District", "P2"),
    Boundary("L1", "Ampa", "Locality", "D1"),
    Boundary("L2", "Bela", "Locality", "D1"),
    Boundary("L3", "Cuba", "Locality", "D2"),
    Boundary("L4", "Dondo", "Locality", "D3"),
)
CODES = [boundary.code for boundary in EVERY]
PASSWORD = "s3cret-for-tests"
UNLOCKED_ROWS = 5
METADATA = {"type": "userWithBoundary", "campaignId": "CMP-1"}


def boundaries(selected=EVERY, every=EVERY) -> TemplateBoundaries:
    return TemplateBoundaries(HIERARCHY, LEVELS, every, selected)


def template(generated_type: str, locale: str = "en_IN", **options: Any) -> bytes:
    schema = bundled_json_schema(TEMPLATE_SPECS[generated_type].schema_identifier)
    arguments: dict[str, Any] = {
        "password": PASSWORD,
        "unlocked_rows": UNLOCKED_ROWS,
        "metadata": METADATA | {"type": generated_type},
    }
    chosen = options.pop("boundaries", boundaries())
    return build_template(
        generated_type,
        schema,
        chosen,
        load_bundled_messages(),
        locale,
        **(arguments | options),
    )


def open_template(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
