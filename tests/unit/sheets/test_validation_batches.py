"""A batch of alike rows told at once gives what each row's own path gives: the values
coerced by columns, the plain rows, the schema's verdict on the whole batch, the unique
columns checked down the batch."""

import random

import jsonschema_rs

from local.samples import facility_rows, user_rows
from project_factory.sheets.checked_row import CheckedRow, RowErrors, columns_in_order
from project_factory.sheets.coercion import column_coercer, row_coercer
from project_factory.sheets.file_rules import FileRules
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.plain_batches import invalid_rows
from project_factory.sheets.reader import IllegalCell, SheetRow
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import facility, user, validator

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
KIND = "HCM_ADMIN_CONSOLE_FACILITY_TYPE"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
USAGE = "HCM_ADMIN_CONSOLE_FACILITY_USAGE"
PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


def _row_by_row(checker):
    """The same validator, every batch taken row by row."""
    checker._batches = None
    return checker


def _alike(spec, rows, seed):
    """`rows` with the same columns filled, some cells respelled, padded or wrong."""
    rng = random.Random(seed)
    odd = [" x ", "LOC_A", "LOC_A, LOC_B", "MARS", "inactive", "ACTIVE", "0987654321"]
    odd += ["98765", 12, "12", 0, 10**9, "warehouse ", "PERMANENT", "Registrar, Supervisor"]
    columns = list(rows[0])
    changed = []
    for row in rows:
        row = dict(row)
        if rng.random() < 0.3:
            row[rng.choice(columns)] = rng.choice(odd)
        changed.append(row)
    return [SheetRow(number, row) for number, row in enumerate(changed, start=2)]


def test_alike_rows_told_by_batch_get_the_verdicts_of_each_rows_own_path():
    # Given files of alike facility and user rows, valid and not, repeated names and phones
    files = [
        (FACILITY, _alike(FACILITY, facility_rows(300, 30) + [facility()] * 3, seed=1)),
        (USER, _alike(USER, user_rows(300, 30) + [user()] * 3, seed=2)),
    ]
    for spec, rows in files:
        for allowed in (None, {"LOC_A", "LOC_B"}):
            for size in (1, 7, 500):
                # When they are validated by batches, and row by row
                batches = validator(spec, allowed_boundary_codes=allowed)
                by_row = _row_by_row(validator(spec, allowed_boundary_codes=allowed))

                # Then the verdicts are the same, errors and all
                quick = list(batches.validate_all(rows, batch_size=size))
                assert quick == list(by_row.validate_all(rows, batch_size=size))
                assert any(verdict.errors for verdict in quick)


def test_a_batch_of_alike_rows_is_told_at_once_and_one_unlike_row_sends_it_row_by_row():
    # Given a batch of alike rows, and the same batch with one row unlike the others
    checker = validator(FACILITY)
    alike = [SheetRow(number, facility(name=f"Post {number}")) for number in range(2, 12)]
    unlike = [
        [*alike[:5], SheetRow(7, facility(name="Post 7", usage=None)), *alike[6:]],
        [*alike[:5], SheetRow(7, {**facility(name="Post 7"), "EXTRA": 1}), *alike[6:]],
        [*alike[:5], SheetRow(7, facility(name="Post 7", type=" ")), *alike[6:]],
        [*alike[:5], SheetRow(7, facility(), (IllegalCell(NAME, "B7", "U+0001"),)), *alike[6:]],
        [*alike[:5], SheetRow(7, facility(), sheet="Kabul"), *alike[6:]],
        [*alike[:5], SheetRow(7, dict(reversed(facility().items()))), *alike[6:]],
    ]

    # When each batch is told
    told = checker._batches.coerced(alike)

    # Then the alike one is, every row plain, and none of the others is (row by row)
    assert told is not None
    assert told == ([row.values for row in alike], [True] * len(alike))
    assert [checker._batches.coerced(batch) for batch in unlike] == [None] * len(unlike)


def test_a_column_is_coerced_as_each_of_its_cells_is_and_said_unchanged_only_when_it_is():
    # Given columns of texts, padded and respelled or not, numbers as text and numbers
    properties = bundled_json_schema(FACILITY.schema_identifier)["properties"]
    by_column, by_row = column_coercer(properties), row_coercer(properties)
    unchanged = {
        NAME: ["Post", "x"],
        KIND: ["Warehouse", "Health Facility"],
        CAPACITY: [12, 7],
    }
    changed = {
        NAME: [" Post ", "Post", "x"],
        KIND: ["warehouse", " Health   facility", "Hospital"],
        CAPACITY: [12, "12", " 7.0 ", 12.5, True],
        "HCM_ADMIN_CONSOLE_FACILITY_STATUS": [12.0, 13.0],
        BOUNDARY: ["LOC_A", " LOC_A,LOC_B "],
        USAGE: ["Active", "inactive", 1],
    }
    blanks = {NAME: ["Post", "  "], KIND: ["Warehouse", ""], USAGE: ["Active", " "]}

    for same, columns in ((True, unchanged), (False, changed)):
        for column, cells in columns.items():
            # When a column is coerced at once
            told = by_column(column, cells)

            # Then each value is what the row's coercer makes of its cell, of its type,
            # and the column is said unchanged only when every value is its cell
            expected = [by_row({column: cell})[column] for cell in cells]
            assert told is not None
            assert [(type(value), value) for value in told[0]] == [
                (type(value), value) for value in expected
            ]
            assert told[1] is same
    # and a column with a cell empty once coerced is left to the rows
    assert [by_column(column, cells) for column, cells in blanks.items()] == [None] * 3


def test_the_schemas_verdict_on_a_batch_names_the_rows_each_rows_verdict_finds_invalid():
    # Given a schema, one that refers to a part of itself, and rows valid and not
    schema = bundled_json_schema(FACILITY.schema_identifier)
    referring = {
        **schema,
        "$defs": {"count": {"type": "number", "minimum": 1}},
        "properties": {**schema["properties"], CAPACITY: {"$ref": "#/$defs/count"}},
    }
    coerce = row_coercer(schema["properties"])
    rows = [coerce(facility(capacity=capacity)) for capacity in (12, 0, "x", 5, -1, 7)]

    for json_schema in (schema, referring):
        # When the rows are checked as a batch
        is_valid = jsonschema_rs.Draft202012Validator(json_schema).is_valid
        invalid = invalid_rows(json_schema, is_valid)(rows)

        # Then the invalid ones are those each row's own check finds invalid
        assert invalid == {place for place, row in enumerate(rows) if not is_valid(row)}
        assert invalid == {1, 2, 4}


def _file_rules():
    schema = bundled_json_schema(FACILITY.schema_identifier)
    messages = load_bundled_messages()
    errors = RowErrors(messages, messages.default_locale, columns_in_order(schema))
    return FileRules([NAME, CAPACITY], errors, allowed=None)


def test_unique_columns_checked_down_a_batch_report_what_each_row_checked_in_turn_does():
    # Given rows repeating names (in other cases and spacing) and capacities, some missing
    names = ["A", "b", " a ", "B", "c", "A  b", "a b", 7, "7", "C"]
    batches = [
        [
            CheckedRow(number, {NAME: name, CAPACITY: number % 3} if number % 4 else {NAME: name})
            for number, name in enumerate(names, start=start)
        ]
        for start in (2, 20)
    ]

    # When they are checked a batch at once, and row by row
    at_once, in_turn = _file_rules(), _file_rules()
    for batch in batches:
        assert at_once.check_all(batch)
    copies = [[CheckedRow(item.row_number, item.values) for item in batch] for batch in batches]
    for batch in copies:
        for item in batch:
            in_turn.check(item)

    # Then every row has the same errors, in the same order
    found = [item.errors for batch in batches for item in batch]
    assert found == [item.errors for batch in copies for item in batch]
    assert sum(bool(errors) for errors in found) > 10


def test_unique_texts_oddly_spaced_are_keyed_down_a_batch_as_normalise_text_keys_them():
    # Given names differing only by spacing: tabs, no-break and other Unicode spaces,
    # separators str.split splits on, doubled, leading and trailing spaces, and NULs
    spaces = [" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x1f", "\x85"]
    names = ["Post A", "post a", "PostA", "Post\x00A", " Post A", "Post A "]
    names += [f"Post{space}A" for space in spaces] + [f"{space}Post A" for space in spaces]
    for batch_names in ([name] for name in names), [names], [names[:3], names[3:]]:
        batches = [
            [CheckedRow(number, {NAME: name}) for number, name in enumerate(batch, start=2)]
            for batch in batch_names
        ]

        # When they are checked a batch at once, and row by row
        at_once, in_turn = _file_rules(), _file_rules()
        for batch in batches:
            assert at_once.check_all(batch)
        copies = [[CheckedRow(item.row_number, item.values) for item in b] for b in batches]
        for item in (item for batch in copies for item in batch):
            in_turn.check(item)

        # Then each row is found repeated, or not, alike
        found = [item.errors for batch in batches for item in batch]
        assert found == [item.errors for batch in copies for item in batch]


def test_the_spacing_a_batch_looks_for_is_the_whitespace_str_split_splits_on():
    # Given every character
    from project_factory.sheets.file_rules import _spaced

    for code in range(0x110000):
        character = chr(code)
        # When a text holds it between two words, among ASCII texts or not
        # Then it is taken for spacing exactly when str.split splits there (a space alone
        # is the spacing normalise_text keeps)
        splits = len(f"a{character}b".split()) == 2 and character != " "
        assert _spaced([f"a{character}b"]) is splits
        assert _spaced(["é", f"a{character}b"]) is splits
