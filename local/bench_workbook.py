"""The workbook path against its physical floor: read, validate and write a facility file.

    .venv/bin/python -m local.bench_workbook [--rows 100000]

Ours is what an upload goes through: `iter_sheet_rows` (the streaming scan, under the
upload limits), `RowValidator.validate_all` over the rows read (every rule, no lookups
in the target; its verdicts counted as they come and not kept, as Validate streams them
to its scratch parts) and `write_processed` (a result on every row, the results made
before it is timed: merging them is Finalize's work, not the writer's). The floor is the least
any reader, validator and writer could do with the same file, with maintained native
libraries: the data sheet's values read by python-calamine (Rust), the same schema
checked by jsonschema-rs on the same row dicts our validator checks, and a plain copy of
the package (every entry read and written again to a new zip, deflated).

Everything runs in one process, on one workbook (5% invalid rows, see
`local.bench_sheets.build_workbook`); each step is timed as the best of `REPEATS` runs,
garbage collected before each. Compare the ratios, not the seconds: the machine and its
load set those. python-calamine is a bench-only dependency (requirements/bench.txt),
imported by the floor's read alone.
"""

import argparse
import gc
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable
from typing import Any

import jsonschema_rs

from local.bench_sheets import build_workbook, results
from project_factory.sheets.coercion import row_coercer
from project_factory.sheets.limits import DEFAULT_LIMITS
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.reader import SheetRow, iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY
from project_factory.sheets.validation import RowValidator

REPEATS = 3
STEPS = ("read", "validate", "write")


def best_of(work: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """(the fastest of `repeats` runs of `work`, in seconds, and what the last returned)."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def _validator(schema: dict[str, Any]) -> RowValidator:
    return RowValidator(schema, FACILITY, phone_length=10, allowed_boundary_codes=None)


def ours(data: bytes, rows: int, repeats: int = REPEATS) -> tuple[dict[str, float], list[SheetRow]]:
    """Seconds of our read, validate and write, and the rows read."""
    messages = load_bundled_messages()
    schema = bundled_json_schema(FACILITY.schema_identifier)

    def read() -> list[SheetRow]:
        return list(
            iter_sheet_rows(data, FACILITY, messages, json_schema=schema, limits=DEFAULT_LIMITS)
        )

    # The writer's input, made once: what Finalize merges from the verdicts and outcomes
    # is its own work, not the writer's, and the floor is given nothing like it.
    row_results = list(results(rows))

    def write() -> int:
        target = io.BytesIO()
        write_processed(data, FACILITY, iter(row_results), messages, None, target)
        return target.tell()

    seconds: dict[str, float] = {}
    seconds["read"], sheet_rows = best_of(read, repeats)
    assert len(sheet_rows) == rows, (len(sheet_rows), rows)
    # Counted as they come, none kept: Validate streams them to its scratch parts.
    seconds["validate"], verdicts = best_of(
        lambda: sum(1 for _ in _validator(schema).validate_all(sheet_rows)), repeats
    )
    assert verdicts == rows, (verdicts, rows)
    seconds["write"], _ = best_of(write, repeats)
    return seconds, sheet_rows


def floor(data: bytes, sheet_rows: list[SheetRow], repeats: int = REPEATS) -> dict[str, float]:
    """Seconds of the floor's read, validate and write of the same file."""
    from python_calamine import CalamineWorkbook

    messages = load_bundled_messages()
    schema = bundled_json_schema(FACILITY.schema_identifier)
    title = messages.text(FACILITY.data_sheet)

    def read() -> list[list[Any]]:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = workbook.get_sheet_by_name(title).to_python()
        workbook.close()
        return values

    # The same dicts our schema check sees: the rows as our validator coerces them.
    coerce = row_coercer(schema["properties"])
    instances = [coerce(row.values) for row in sheet_rows]

    def validate() -> int:
        validator = jsonschema_rs.Draft202012Validator(schema)
        return sum(1 for instance in instances for _ in validator.iter_errors(instance))

    def write() -> int:
        target = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(data)) as source,
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
        ):
            for info in source.infolist():
                out.writestr(info.filename, source.read(info))
        return target.tell()

    seconds: dict[str, float] = {}
    seconds["read"], values = best_of(read, repeats)
    assert len(values) == len(sheet_rows) + 1, (len(values), len(sheet_rows))
    seconds["validate"], _ = best_of(validate, repeats)
    seconds["write"], _ = best_of(write, repeats)
    return seconds


def workbook_figures(rows: int, repeats: int = REPEATS) -> dict[str, Any]:
    """Our read, validate and write of a `rows`-row facility file against the floor's,
    in seconds (best of `repeats`), with each ratio (ours / floor) and the total's."""
    data = build_workbook(rows)
    mine, sheet_rows = ours(data, rows, repeats)
    least = floor(data, sheet_rows, repeats)
    del sheet_rows
    mine["total"] = sum(mine[step] for step in STEPS)
    least["total"] = sum(least[step] for step in STEPS)
    ratios = {step: mine[step] / least[step] for step in (*STEPS, "total")}
    return {
        "rows": rows,
        "repeats": repeats,
        "ours": {step: round(value, 4) for step, value in mine.items()},
        "floor": {step: round(value, 4) for step, value in least.items()},
        "ratio_to_floor": round(ratios["total"], 3),
        "ratios": {step: round(value, 3) for step, value in ratios.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    options = parser.parse_args(argv)
    print(json.dumps(workbook_figures(options.rows, options.repeats), indent=2))


if __name__ == "__main__":
    sys.exit(main())
