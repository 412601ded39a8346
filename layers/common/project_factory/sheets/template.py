"""Generated templates: the workbooks administrators download, fill and upload.

Sheets, in order:
- the readme (locked);
- facilityWithBoundary / userWithBoundary: the data sheet, as the sheets reader reads it
  (localised headers in schema order on row 1, frozen and locked; columns hidden per
  `x-hideColumn`; dropdowns for enum and boundary-code columns; existing permanent
  facilities pre-filled; then `unlocked_rows` empty rows to fill), then the boundary
  sheet (locked: one column per hierarchy level and the boundary code);
- boundary: the boundary sheet (hidden), then one tab per boundary of the split level
  (district) listing the boundaries to set targets for below it: hierarchy columns from
  the split level down, the boundary code, and the target columns to fill (unlocked);
- a very hidden lists sheet, when a dropdown list is too long to be inline;
- the very hidden metadata sheet (see sheets.metadata).

Every sheet is protected and the workbook's structure is locked. Excel locks every cell
by default, so only cells to fill get a style (unlocked): locked cells are written as
plain values. With openpyxl's write-only mode rows stream to the file as they are
appended; a template of 10k boundaries costs little more than writing its values.

Values that come from elsewhere (facilities, boundary names and codes, enum values,
metadata) are written by `sheets.written`'s rules: a text is never a formula (a name
beginning with `=` is a text cell) and never carries a character XML cannot hold.

This module assembles a template from the modules that write one sheet each
(template_readme, template_data_sheet, template_boundary_sheet, template_target_tabs,
with template_validations for their dropdowns) into a TemplateBook (template_book),
which protects every sheet and gives it a valid unique title.
"""

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.domain.templates import GeneratedType
from project_factory.sheets.messages import Messages
from project_factory.sheets.metadata import add_metadata
from project_factory.sheets.spec import (
    BOUNDARY_WITH_TARGET,
    FACILITY,
    INACTIVE,
    PERMANENT,
    USER,
    SheetSpec,
)
from project_factory.sheets.spec_binding import bind
from project_factory.sheets.template_book import TemplateBook
from project_factory.sheets.template_boundaries import (
    BoundaryPaths,
    TemplateBoundaries,
    level_column,
)
from project_factory.sheets.template_boundary_sheet import write_boundary_sheet
from project_factory.sheets.template_data_sheet import write_data_sheet
from project_factory.sheets.template_readme import write_readme
from project_factory.sheets.template_target_tabs import write_target_tabs

__all__ = [
    "TEMPLATE_SPECS",
    "TemplateBoundaries",
    "build_template",
    "level_column",
    "prefilled_facility",
    "protection_password",
    "schema_version",
]

#: The spec (and so the schema type and data sheet) behind each template type.
TEMPLATE_SPECS: Mapping[str, SheetSpec] = {
    "facilityWithBoundary": FACILITY,
    "userWithBoundary": USER,
    "boundary": BOUNDARY_WITH_TARGET,
}


def build_template(
    template_type: GeneratedType,
    json_schema: Mapping[str, Any],
    boundaries: TemplateBoundaries,
    messages: Messages,
    locale: str | None,
    *,
    password: str,
    unlocked_rows: int,
    metadata: Mapping[str, str],
    existing_rows: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """The template as .xlsx bytes.

    `existing_rows` are pre-filled data rows (column code -> value), e.g. the tenant's
    permanent facilities (see `prefilled_facility`).
    """
    if not password:
        raise ValueError("a template needs a protection password (see protection_password)")
    spec, json_schema = bind(TEMPLATE_SPECS[template_type], json_schema)
    book = TemplateBook(messages, messages.locale_or_default(locale), password)
    paths = BoundaryPaths(boundaries)
    write_readme(book, template_type, spec, boundaries)
    if template_type == "boundary":
        write_boundary_sheet(book, boundaries, paths, hidden=True)
        write_target_tabs(book, json_schema, boundaries, paths)
    else:
        write_data_sheet(book, spec, json_schema, boundaries, existing_rows, unlocked_rows)
        write_boundary_sheet(book, boundaries, paths, hidden=False)
    book.lists.write(book.workbook)
    add_metadata(book.workbook, metadata)
    return book.save()


def protection_password(configured: str) -> str:
    """The configured password, or a random one for this workbook alone (kept nowhere:
    generated sheets are not meant to be unprotected, a new template is generated instead).
    """
    return configured or secrets.token_urlsafe(18)


def schema_version(json_schema: Mapping[str, Any]) -> str:
    """A short digest of the schema a template was made with; it changes with the schema."""
    canonical = json.dumps(json_schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def prefilled_facility(facility: Mapping[str, Any], spec: SheetSpec = FACILITY) -> dict[str, Any]:
    """An existing permanent facility (canonical fields and id) as a FACILITY data row.

    Usage starts Inactive: a campaign takes an existing facility only when the
    administrator sets it Active.
    """
    fields = spec.fields
    assert spec.id_column and spec.boundary_column
    codes = facility.get("boundaryCodes") or []
    row = {
        spec.id_column: facility["id"],
        fields["name"]: facility.get("name"),
        fields["facilityType"]: facility.get("facilityType"),
        fields["status"]: PERMANENT,
        fields["capacity"]: facility.get("capacity"),
        spec.boundary_column: ",".join(codes) or None,
    }
    if spec.usage_column:
        row[spec.usage_column] = INACTIVE
    return row
