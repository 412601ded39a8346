"""The processed copy of an upload: the same workbook, each data row with its outcome.

Only the data sheet's XML (in a file read across tabs, each data tab's: see below) is
rewritten, in a streaming pass over the zip: every other part (other sheets, styles,
shared strings, workbook) is copied as it is, and in the data sheet only the written
cells, the header cells added, the `<dimension>` and the `<cols>` entries of the
written columns change; views, data validations, protection and every other cell keep
their bytes. Each data row stays where it is and gets the created id, the output
columns (e.g. username), `#status#` and `#errorDetails#`; a secret output's column (a
user's password, handed out in the credentials file) is empty. Missing columns are
appended after the last used one; columns already there (a processed file uploaded
again) are reused, and shown if hidden.

A file read across tabs (SheetSpec.across_tabs: a target file, one tab per district)
has several data sheets: every sheet whose header names the boundary code and a target
column (layout.is_data_tab); the readme, the boundary sheet, the lists and the metadata
are copied like any other part. Each data tab is rewritten as the data sheet is, with
its own header and columns, and its rows' results are keyed by place (layout.place: the
tab's index among the workbook's sheets, then the Excel row). One sorted stream of
results serves every tab, so the tabs are written in workbook order, into the zip
entries the data tabs hold whatever order the upload stored them in (parts are found
by name: the order of a zip's entries is free).

Memory stays bounded whatever the size of the sheet: rows are read and written a piece
of the sheet (a few hundred kilobytes) at a time, results are consumed as a sorted
stream, and of the shared strings only those of the header rows are read, in one pass
for every sheet surveyed (the others are only checked for being blank).

The upload is read under the same limits as by the reader, and the file written is one
Excel opens: no column past XFD (TOO_MANY_COLUMNS when the written columns would need
one), and no character XML cannot carry, even where the upload had one (copied XML
parts are cleaned, see `xml_copy`). Cells written are inline strings: text, never a
formula, whatever they begin with.

This module writes the package; the data tabs and their headers are found by
`processed_tabs`, the written columns placed by `processed_columns`, the results taken
from their stream by `processed_results` and each data sheet written by `processed_rows`
(its pieces from `processed_pieces`, usual rows spliced by `processed_splice` with their
result cells from `processed_cells`, a run of them at a time by `processed_spliced_run`,
deflated in a thread of its own by `processed_write_behind`).
"""

import zipfile
from collections.abc import Iterable, Mapping
from typing import IO, Any, BinaryIO

from project_factory.domain.resources import RowStatus
from project_factory.sheets.layout import ERRORS_COLUMN, PLAN_COLUMN, STATUS_COLUMN
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.messages import Messages
from project_factory.sheets.processed_columns import plan_columns
from project_factory.sheets.processed_results import Outcomes, ResultsMismatch, RowResult
from project_factory.sheets.processed_rows import RowWriter
from project_factory.sheets.processed_tabs import data_tabs
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import CHUNK_SIZE, SheetXml
from project_factory.sheets.xlsx_xml_guard import XML_PART
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable
from project_factory.sheets.xml_copy import copy_clean

_STATUS_COLUMNS = (STATUS_COLUMN, ERRORS_COLUMN)


def write_processed(
    original: BinaryIO | bytes,
    spec: SheetSpec,
    results: Iterable[tuple[int, RowResult]],
    messages: Messages,
    locale: str | None,
    target: BinaryIO,
    *,
    json_schema: Mapping[str, Any] | None = None,
    limits: WorkbookLimits = DEFAULT_LIMITS,
    plan_column: bool = False,
) -> None:
    """Write the upload with every data row's outcome to `target` (a writable binary file).

    `plan_column` adds (or reuses) `#plan#`, each row's RowResult.plan: a validation's.

    `results` are (Excel row number, result) pairs in ascending row order, consumed
    once as the sheet is written; for a spec read across tabs (SheetSpec.across_tabs),
    (place, result) pairs in ascending place order (layout.place). A data row without a
    result is marked FAILED (it must never vanish silently); results of rows that are
    not data rows are ignored. An upload that cannot be read (or passes `limits`)
    raises WorkbookError.
    """
    schema = json_schema if json_schema is not None else bundled_json_schema(spec.schema_identifier)
    status_columns = (*_STATUS_COLUMNS, *((PLAN_COLUMN,) if plan_column else ()))
    written = (*spec.written_columns, *status_columns)
    known = [*(schema.get("x-columns") or schema["properties"]), *written]
    missing = RowResult(
        status=RowStatus.FAILED, errors=[messages.text("PF_ERR_NO_OUTCOME", locale)]
    )
    with XlsxPackage(original, limits) as package:
        try:
            tabs = data_tabs(package, spec, schema, messages, messages.lookup(known))
            plans = [plan_columns(package, tab, written, messages, locale) for tab in tabs]
            outcomes = Outcomes(results)
            writers = {
                tab.part: RowWriter(tab, plan, spec, outcomes, missing)
                for tab, plan in zip(tabs, plans, strict=True)
            }
            _write_package(package, writers, target)
        except ResultsMismatch:
            raise
        except DAMAGED as error:
            raise unreadable(error) from error


def _write_package(
    package: XlsxPackage, writers: Mapping[str, RowWriter], target: BinaryIO
) -> None:
    """Every part of the upload to `target`, the data sheets rewritten by their writers
    (part -> writer, in workbook order) and the others copied.

    The results are one stream, in workbook order: the k-th zip entry holding a data
    sheet gets the k-th data sheet of the workbook (parts are found by name, so the order
    of a zip's entries is free).
    """
    in_order = iter(writers)
    pending = set(writers)
    with zipfile.ZipFile(target, "w") as out:
        for info in package.archive.infolist():
            writer = None
            if info.filename in pending:
                pending.discard(info.filename)
                part = next(in_order)
                info, writer = package.archive.getinfo(part), writers[part]
            with package.open(info.filename) as source, out.open(_entry_like(info), "w") as sink:
                if writer is not None:
                    writer.write(SheetXml(source, package.limits), sink, package.limits)
                elif XML_PART.search(info.filename):  # cleaned; others (images) copied as they are
                    copy_clean(source, sink)
                else:
                    _copy(source, sink)


def _copy(source: BinaryIO, sink: IO[bytes]) -> None:
    while data := source.read(CHUNK_SIZE):
        sink.write(data)


def _entry_like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry with the name, date, compression and attributes of `info`."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    entry.create_system = info.create_system
    entry.comment = info.comment
    return entry
