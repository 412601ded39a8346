"""Rows told plain as read (one jsonschema-rs call a batch) get what the batch's path, and
so each row's own path, gives them: the schema takes only cells the coercer keeps as they
are and rows that keep every rule; a plain row gets its CheckedRow only when asked."""

import random

import jsonschema_rs

from local.samples import facility_rows
from project_factory.sheets.coercion import _TRIMMED, row_coercer, unchanged_schema
from project_factory.sheets.reader import IllegalCell, SheetRow
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import facility, user, validator

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
KIND = "HCM_ADMIN_CONSOLE_FACILITY_TYPE"
STATUS = "HCM_ADMIN_CONSOLE_FACILITY_STATUS"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
USAGE = "HCM_ADMIN_CONSOLE_FACILITY_USAGE"
CODE = "HCM_ADMIN_CONSOLE_FACILITY_CODE"


class Text(str):
    """A str subclass: jsonschema-rs takes it for a string, the coercer does not."""


#: Cells a facility column may hold: as the template asks, and not quite.
ODD = ["", " ", "x", " x", "x ", "x\u3000", "\x1cx", "a\nb", "LOC_A", "LOC_A,", "LOC_A, LOC_B"]
ODD += ["MARS", "inactive", "Inactive", "ACTIVE", "Active", "permanent", "Permanent"]
ODD += ["Warehouse", "warehouse", " Health   facility", "12", " 7 ", 0, 7, 12.0, 12.5]
ODD += [True, 10**30, Text("Active"), Text("Post"), "Post\x00A"]


def _told_as_read(checker, on):
    """The validator, its rows told plain as read (on) or only by the batch's path."""
    if not on:
        checker._batches._as_read = None
    return checker


def _fuzzed(seed, count=400):
    """Facility rows, valid and not: odd cells, extra columns, ids, repeated names."""
    rng = random.Random(seed)
    rows = facility_rows(count, count // 10) + [facility()] * 3
    fuzzed = []
    for number, row in enumerate(rows, start=2):
        row = dict(row)
        if rng.random() < 0.3:
            row[rng.choice([*row, CODE, "EXTRA"])] = rng.choice(ODD)
        fuzzed.append(SheetRow(number, row))
    return fuzzed


def test_rows_told_plain_as_read_get_the_verdicts_of_the_batch_path():
    # Given facility rows, valid and not, odd cells in every column, repeated names
    rows = _fuzzed(seed=3)
    for allowed in (None, {"LOC_A", "LOC_B"}):
        for size in (1, 7, 500):
            # When they are validated with rows told plain as read, and without
            told = _told_as_read(validator(FACILITY, allowed_boundary_codes=allowed), True)
            batch = _told_as_read(validator(FACILITY, allowed_boundary_codes=allowed), False)

            # Then the verdicts are the same, errors and all
            quick = list(told.validate_all(rows, batch_size=size))
            assert quick == list(batch.validate_all(rows, batch_size=size))
            assert any(verdict.errors for verdict in quick)


def test_a_batch_of_rows_as_templated_is_told_plain_as_read_but_its_odd_rows():
    # Given rows as the template asks, and one row of each odd kind among them
    checker = validator(FACILITY, allowed_boundary_codes=None)
    rows = [SheetRow(n, facility(name=f"Post {n}")) for n in range(2, 12)]
    odd = [
        facility(name=" Post "),
        facility(type="warehouse"),
        facility(capacity="12"),
        facility(boundary_code="LOC_A,LOC_B"),
        facility(usage="inactive"),
        {**facility(), CODE: "F-1"},
        {**facility(), "EXTRA": "x"},
    ]
    batch = rows + [SheetRow(20 + place, row) for place, row in enumerate(odd)]

    # When the batch is told as read
    told = checker._batches._as_read.told(batch)

    # Then the rows as templated are plain as read, and none of the odd ones
    assert told is not None
    assert told[1] == [True] * len(rows) + [False] * len(odd)


def test_a_batch_with_cells_the_schema_cannot_tell_is_not_told_as_read():
    # Given batches with a whole float, a str subclass, a surrogate, an illegal character,
    # a tab
    checker = validator(FACILITY)
    good = [SheetRow(n, facility(name=f"Post {n}")) for n in range(2, 6)]
    odd = [
        SheetRow(9, facility(capacity=12.0)),
        SheetRow(9, facility(name="Post \ud800")),
        SheetRow(9, facility(name=Text("Post"))),
        SheetRow(9, facility(), (IllegalCell(NAME, "B9", "U+0001"),)),
        SheetRow(9, facility(), sheet="Kabul"),
    ]

    # When each is told as read
    # Then none is (each takes the batch's path), though the good rows alone are
    assert [checker._batches._as_read.told([*good, row]) for row in odd] == [None] * 5
    assert checker._batches._as_read.told(good) is not None


def test_the_trimmed_pattern_takes_a_text_exactly_when_str_strip_keeps_it_and_it_is_not_blank():
    # Given texts around every character (but surrogates, which jsonschema-rs refuses:
    # a batch holding one is not told as read)
    pattern = jsonschema_rs.Draft202012Validator({"items": {"type": "string", "pattern": _TRIMMED}})
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    for texts in (
        characters,
        [f"a{c}" for c in characters],
        [f"{c}a" for c in characters],
        [f"a{c}b" for c in characters],
    ):
        # When jsonschema-rs checks them against the pattern
        taken = set(range(len(texts))) - {e.instance_path[0] for e in pattern.iter_errors(texts)}

        # Then it takes those str.strip keeps that are not blank
        assert taken == {place for place, text in enumerate(texts) if text and text.strip() == text}


def test_the_cells_the_unchanged_schema_takes_are_those_the_coercer_keeps_as_they_are():
    # Given every column of the facility and user schemas and cells str and int
    for spec in (FACILITY, USER):
        properties = bundled_json_schema(spec.schema_identifier)["properties"]
        coerce = row_coercer(properties)
        for column, schema in unchanged_schema(properties).items():
            check = jsonschema_rs.Draft202012Validator(
                {"type": "object", "properties": {column: schema}}
            )
            for cell in [c for c in ODD if type(c) in (str, int)]:
                # When the schema takes a cell
                if not check.is_valid({column: cell}):
                    continue
                # Then the coercer keeps it, of its type
                value = coerce({column: cell}).get(column)
                assert (type(value), value) == (type(cell), cell), (column, cell)


def test_a_plain_row_a_file_rule_fails_gets_the_verdict_of_the_rows_own_path():
    # Given plain rows as read whose names repeat, in one batch and across batches
    rows = [SheetRow(n, facility(name=f"Post {n % 4}")) for n in range(2, 14)]
    for size in (3, 500):
        # When they are validated by batches and row by row
        batches = validator(FACILITY).validate_all(rows, batch_size=size)
        by_row = validator(FACILITY)
        by_row._batches = None

        # Then every repeat names the first row, as the row path has it
        quick = list(batches)
        assert quick == list(by_row.validate_all(rows, batch_size=size))
        assert sum(bool(verdict.errors) for verdict in quick) == 8


def test_user_rows_are_never_told_as_read_and_keep_the_batch_path():
    # Given the user sheet, whose roles are lists (never the cell as read)
    checker = validator(USER)
    rows = [SheetRow(n, user(phone_number=f"98765432{n:02d}")) for n in range(2, 8)]

    # When a batch is told as read
    # Then it is not, and its verdicts are the row path's
    assert checker._batches._as_read.told(rows) is None
    by_row = validator(USER)
    by_row._batches = None
    assert list(checker.validate_all(rows)) == list(by_row.validate_all(rows))


def test_a_column_the_schema_takes_by_pattern_is_never_told_plain_as_read():
    # Given a schema that takes more columns by pattern (the coercer leaves them out)
    schema = bundled_json_schema(FACILITY.schema_identifier)
    wider = {**schema, "patternProperties": {"^EXTRA": {"type": "string"}}}
    rows = [SheetRow(2, facility()), SheetRow(3, {**facility(name="Post 3"), "EXTRA_A": "x"})]

    # When a batch is told as read
    told = validator(FACILITY, json_schema=wider)._batches._as_read.told(rows)

    # Then the row with such a column is not plain as read, the other is
    assert told is not None
    assert told[1] == [True, False]
