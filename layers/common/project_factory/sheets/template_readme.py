"""A template's first sheet: how to fill the template, in the administrator's language.

It comes first so that it is what Excel opens on; it is locked like every sheet. Its
lines depend on the template type: a boundary template is filled on its target tabs, a
data template on its data sheet with the boundary sheet beside it.
"""

from openpyxl.styles import Font

from project_factory.sheets.spec import BOUNDARY_SHEET, README_SHEET, SheetSpec
from project_factory.sheets.template_book import TemplateBook
from project_factory.sheets.template_boundaries import TemplateBoundaries, split_level_index
from project_factory.sheets.written import safe_row, text_cell

_TITLE_FONT = Font(bold=True, size=14)
#: The readme is one column of text lines.
_WIDTH = 120


def write_readme(
    book: TemplateBook, template_type: str, spec: SheetSpec, boundaries: TemplateBoundaries
) -> None:
    """The readme sheet, which must be the workbook's first."""
    sheet = book.sheet(book.text(README_SHEET), widths=[_WIDTH])
    sheet.append([text_cell(sheet, book.text("HCM_README_TITLE"), font=_TITLE_FONT)])
    if template_type == "boundary":
        lines = _target_lines(book, boundaries)
    else:
        lines = _data_lines(book, template_type, spec)
    lines += [book.text("HCM_README_LOCKED"), book.text("HCM_README_RESULT")]
    for line in lines:
        sheet.append(safe_row(sheet, [line]))


def _target_lines(book: TemplateBook, boundaries: TemplateBoundaries) -> list[str]:
    split = boundaries.levels[split_level_index(boundaries.levels)]
    level = book.level_text(boundaries.hierarchy_type, split)
    return [book.text("HCM_README_TARGETS", level=level)]


def _data_lines(book: TemplateBook, template_type: str, spec: SheetSpec) -> list[str]:
    lines = [
        book.text("HCM_README_FILL", sheet=book.text(spec.data_sheet)),
        book.text("HCM_README_BOUNDARY_CODES"),
        book.text("HCM_README_BOUNDARY_SHEET", sheet=book.text(BOUNDARY_SHEET)),
        book.text("HCM_README_DROPDOWNS"),
        book.text("HCM_README_USAGE"),
    ]
    if template_type == "facilityWithBoundary":
        lines.append(book.text("HCM_README_PREFILLED"))
    return lines
