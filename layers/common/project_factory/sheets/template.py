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
"""

import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from project_factory.domain.boundaries import Boundary
from project_factory.domain.templates import GeneratedType
from project_factory.sheets.dropdowns import (
    LISTS_SHEET,
    Lists,
    list_validation,
    number_validation,
)
from project_factory.sheets.messages import Messages
from project_factory.sheets.metadata import METADATA_SHEET, add_metadata
from project_factory.sheets.spec import (
    BOUNDARY_CODE_COLUMN,
    BOUNDARY_SHEET,
    BOUNDARY_WITH_TARGET,
    FACILITY,
    INACTIVE,
    PERMANENT,
    README_SHEET,
    USER,
    SheetSpec,
    bind,
)
from project_factory.sheets.written import safe_row, text_cell

#: The spec (and so the schema type and data sheet) behind each template type.
TEMPLATE_SPECS: Mapping[str, SheetSpec] = {
    "facilityWithBoundary": FACILITY,
    "userWithBoundary": USER,
    "boundary": BOUNDARY_WITH_TARGET,
}

_NUMERIC = ("number", "integer")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_FIXED_FILL = PatternFill("solid", fgColor="F2F2F2")
_UNLOCKED = Protection(locked=False)
_TITLE_LIMIT = 31
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH = 14


@dataclass(frozen=True)
class TemplateBoundaries:
    hierarchy_type: str
    #: level names, top first
    levels: Sequence[str]
    #: the whole hierarchy, parents first: names of ancestors, and the order of tabs
    every: Sequence[Boundary]
    #: the boundaries the template lists, parents first
    selected: Sequence[Boundary]


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
    book = _Book(messages, messages.locale_or_default(locale), password)
    paths = _Paths(boundaries)
    _readme(book, template_type, spec, boundaries)
    if template_type == "boundary":
        _boundary_sheet(book, boundaries, paths, hidden=True)
        _target_tabs(book, json_schema, boundaries, paths)
    else:
        _data_sheet(book, spec, json_schema, boundaries, existing_rows, unlocked_rows)
        _boundary_sheet(book, boundaries, paths, hidden=False)
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


def level_column(hierarchy_type: str, level: str) -> str:
    """The localisation code of a hierarchy level's column (DIGIT's convention)."""
    return f"{hierarchy_type}_{level}".upper()


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


class _Book:
    """The workbook being written and what its sheets share."""

    def __init__(self, messages: Messages, locale: str, password: str) -> None:
        self.workbook = Workbook(write_only=True)
        self.messages = messages
        self.locale = locale
        self.password = password
        self.lists = Lists()
        self._titles = {LISTS_SHEET.casefold(), METADATA_SHEET.casefold()}
        # Renaming, moving or deleting sheets would break the upload; nothing else needs it.
        self.workbook.security = WorkbookProtection(workbookPassword=password, lockStructure=True)

    def text(self, code: str, **params: Any) -> str:
        return self.messages.format(code, self.locale, **params)

    def sheet(self, title: str, widths: Sequence[float] = ()) -> WriteOnlyWorksheet:
        """A new protected sheet with a unique valid title; widths before any row."""
        sheet = self.workbook.create_sheet(self._unique(title))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        self._protect(sheet)
        return sheet

    def header(self, sheet: WriteOnlyWorksheet, texts: Sequence[str]) -> None:
        """The header row: frozen (set before the row streams), bold, locked."""
        sheet.freeze_panes = "A2"
        sheet.append([_styled(sheet, text, font=_HEADER_FONT, fill=_HEADER_FILL) for text in texts])

    def save(self) -> bytes:
        # The lists and metadata sheets too: LibreOffice only hides very hidden sheets.
        for sheet in self.workbook.worksheets:
            if not sheet.protection.sheet:
                self._protect(sheet)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()

    def _protect(self, sheet: WriteOnlyWorksheet) -> None:
        sheet.protection.password = self.password
        sheet.protection.enable()
        # People may still widen columns and rows to read them.
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False

    def _unique(self, title: str) -> str:
        base = _TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")[:_TITLE_LIMIT] or "Sheet"
        candidate, number = base, 1
        while candidate.casefold() in self._titles:
            number += 1
            suffix = f" ({number})"
            candidate = base[: _TITLE_LIMIT - len(suffix)] + suffix
        self._titles.add(candidate.casefold())
        return candidate


class _Paths:
    """Ancestors and level columns of boundaries, worked out once per boundary."""

    def __init__(self, boundaries: TemplateBoundaries) -> None:
        self._by_code = {boundary.code: boundary for boundary in boundaries.every}
        self._by_code.update({boundary.code: boundary for boundary in boundaries.selected})
        self.position = {code: index for index, code in enumerate(self._by_code)}
        self._level_index = {level: index for index, level in enumerate(boundaries.levels)}
        self._paths: dict[str, tuple[tuple[int, Boundary], ...]] = {}

    def path(self, boundary: Boundary) -> tuple[tuple[int, Boundary], ...]:
        """(level column, boundary) from the top down to `boundary` itself."""
        known = self._paths.get(boundary.code)
        if known is not None:
            return known
        above: tuple[tuple[int, Boundary], ...] = ()
        parent = self._by_code.get(boundary.parent) if boundary.parent else None
        if parent is not None:
            above = self.path(parent)
        column = self._level_index.get(boundary.type, len(above))
        path = (*above, (column, boundary))
        self._paths[boundary.code] = path
        return path


def _readme(
    book: _Book, template_type: str, spec: SheetSpec, boundaries: TemplateBoundaries
) -> None:
    sheet = book.sheet(book.text(README_SHEET), widths=[120])
    sheet.append([_styled(sheet, book.text("HCM_README_TITLE"), font=Font(bold=True, size=14))])
    boundary_sheet = book.text(BOUNDARY_SHEET)
    if template_type == "boundary":
        split = _split_index(boundaries.levels)
        level = _level_text(book, boundaries.hierarchy_type, boundaries.levels[split])
        lines = [book.text("HCM_README_TARGETS", level=level)]
    else:
        lines = [
            book.text("HCM_README_FILL", sheet=book.text(spec.data_sheet)),
            book.text("HCM_README_BOUNDARY_CODES"),
            book.text("HCM_README_BOUNDARY_SHEET", sheet=boundary_sheet),
            book.text("HCM_README_DROPDOWNS"),
            book.text("HCM_README_USAGE"),
        ]
        if template_type == "facilityWithBoundary":
            lines.append(book.text("HCM_README_PREFILLED"))
    lines += [book.text("HCM_README_LOCKED"), book.text("HCM_README_RESULT")]
    for line in lines:
        sheet.append(safe_row(sheet, [line]))


def _data_sheet(
    book: _Book,
    spec: SheetSpec,
    json_schema: Mapping[str, Any],
    boundaries: TemplateBoundaries,
    existing_rows: Sequence[Mapping[str, Any]],
    unlocked_rows: int,
) -> None:
    properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
    columns = list(json_schema.get("x-columns") or properties)
    headers = [book.text(column) for column in columns]
    sheet = book.sheet(book.text(spec.data_sheet), widths=[_width(text) for text in headers])
    for index, column in enumerate(columns, start=1):
        if properties[column].get("x-hideColumn"):
            sheet.column_dimensions[get_column_letter(index)].hidden = True
    book.header(sheet, headers)

    frozen = [bool(properties[column].get("x-freezeColumn")) for column in columns]
    frozen_if_filled = [
        bool(properties[column].get("x-freezeColumnIfFilled")) for column in columns
    ]
    for row in existing_rows:
        cells = []
        for index, column in enumerate(columns):
            value = row.get(column)
            fixed = frozen[index] or (frozen_if_filled[index] and value is not None)
            cells.append(
                _styled(sheet, value, fill=_FIXED_FILL)
                if fixed
                else _styled(sheet, value, protection=_UNLOCKED)
            )
        sheet.append(cells)
    # The same empty cells serve every empty row: a write-only sheet writes a row as it is
    # appended, so the cells are free again at the next append.
    empty = [None if fixed else _styled(sheet, None, protection=_UNLOCKED) for fixed in frozen]
    for _ in range(unlocked_rows):
        sheet.append(empty)

    last_row = 1 + len(existing_rows) + unlocked_rows
    codes = [boundary.code for boundary in boundaries.selected]
    for index, column in enumerate(columns):
        if frozen[index]:
            continue
        validation = _validation(book, spec, column, properties[column], headers[index], codes)
        if validation is not None:
            letter = get_column_letter(index + 1)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.data_validations.append(validation)


def _validation(
    book: _Book,
    spec: SheetSpec,
    column: str,
    prop: Mapping[str, Any],
    header: str,
    codes: Sequence[str],
) -> DataValidation | None:
    options = {"column": header, "messages": book.messages, "locale": book.locale}
    if column == spec.boundary_column:
        if not codes:
            return None
        strict = not spec.multiple_boundaries
        return list_validation(book.lists.source(codes), strict=strict, **options)
    items = prop.get("items")
    enum = prop.get("enum") or (items.get("enum") if isinstance(items, Mapping) else None)
    if enum:
        values = [str(value) for value in enum]
        strict = prop.get("type") != "array"
        return list_validation(book.lists.source(values), strict=strict, **options)
    if prop.get("type") in _NUMERIC:
        return number_validation(prop, **options)
    return None


def _boundary_sheet(
    book: _Book, boundaries: TemplateBoundaries, paths: _Paths, *, hidden: bool
) -> None:
    levels = boundaries.levels
    headers = [_level_text(book, boundaries.hierarchy_type, level) for level in levels]
    headers.append(book.text(BOUNDARY_CODE_COLUMN))
    sheet = book.sheet(book.text(BOUNDARY_SHEET), widths=[*(_width(h) for h in headers[:-1]), 28])
    if hidden:
        sheet.sheet_state = "hidden"
    book.header(sheet, headers)
    width = len(levels)
    for boundary in boundaries.selected:
        cells: list[Any] = [None] * (width + 1)
        for column, node in paths.path(boundary):
            if column < width:
                cells[column] = node.name
        cells[width] = boundary.code
        sheet.append(safe_row(sheet, cells))


def _target_tabs(
    book: _Book, json_schema: Mapping[str, Any], boundaries: TemplateBoundaries, paths: _Paths
) -> None:
    properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
    split = _split_index(boundaries.levels)
    levels = boundaries.levels[split:]
    to_fill = [
        column
        for column in json_schema.get("x-columns") or properties
        if column != BOUNDARY_CODE_COLUMN
    ]
    headers = [_level_text(book, boundaries.hierarchy_type, level) for level in levels]
    headers += [book.text(BOUNDARY_CODE_COLUMN), *(book.text(column) for column in to_fill)]
    for split_boundary, rows in _tabs(boundaries, paths, split):
        sheet = book.sheet(split_boundary.name, widths=[_width(text) for text in headers])
        # Target columns are unlocked whole (a column style, before any row), not cell by
        # cell: a tab's rows are its boundaries, and a styled cell per target per boundary
        # would be most of the cost of a large template. The styled header stays locked.
        for index in range(len(levels) + 1, len(headers)):
            sheet.column_dimensions[get_column_letter(index + 1)].protection = _UNLOCKED
        book.header(sheet, headers)
        for boundary in rows:
            cells: list[Any] = [None] * len(levels)
            for column, node in paths.path(boundary):
                if split <= column < len(boundaries.levels):
                    cells[column - split] = node.name
            sheet.append(safe_row(sheet, [*cells, boundary.code]))
        for index, column in enumerate(to_fill, start=len(levels) + 1):
            validation = number_validation(
                properties[column],
                column=headers[index],
                messages=book.messages,
                locale=book.locale,
            )
            if validation is not None and rows:
                letter = get_column_letter(index + 1)
                validation.add(f"{letter}2:{letter}{len(rows) + 1}")
                sheet.data_validations.append(validation)


def _tabs(
    boundaries: TemplateBoundaries, paths: _Paths, split: int
) -> Iterator[tuple[Boundary, list[Boundary]]]:
    """Per boundary of the split level, the selected boundaries to set targets for below
    it: those with no selected child (targets go on the deepest selected boundaries)."""
    selected = {boundary.code for boundary in boundaries.selected}
    parents = {boundary.parent for boundary in boundaries.selected if boundary.parent in selected}
    tabs: dict[str, tuple[Boundary, list[Boundary]]] = {}
    for boundary in boundaries.selected:
        if boundary.code in parents:
            continue
        anchor = next((node for column, node in paths.path(boundary) if column == split), None)
        if anchor is not None:
            tabs.setdefault(anchor.code, (anchor, []))[1].append(boundary)
    yield from sorted(tabs.values(), key=lambda tab: paths.position[tab[0].code])


def _split_index(levels: Sequence[str]) -> int:
    """The level tabs are made for: the one above the lowest (districts over localities)."""
    return max(len(levels) - 2, 0)


def _level_text(book: _Book, hierarchy_type: str, level: str) -> str:
    code = level_column(hierarchy_type, level)
    text = book.text(code)
    # A hierarchy without localised level names shows the level as the service names it.
    return level if text == code else text


def _styled(sheet: WriteOnlyWorksheet, value: Any, **style: Any) -> Cell:
    return text_cell(sheet, value, **style)


def _width(header: str) -> float:
    return max(_MIN_WIDTH, len(header) + 2)
