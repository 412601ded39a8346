"""The validator's quick cases give what its general ones give: remembered cells, one
boundary code, the facility's canonical fields, the verdict made without `__init__`."""

import dataclasses
import datetime

from project_factory.sheets.canonical import _facility, to_canonical
from project_factory.sheets.cells import cell_number, cell_text, split_codes
from project_factory.sheets.coercion import row_coercer
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.remembered import REMEMBERED, Remembered
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER
from project_factory.sheets.validation import RowVerdict, verdict_of
from tests.unit.sheets.support import facility, validator

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
KIND = "HCM_ADMIN_CONSOLE_FACILITY_TYPE"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


def _coercer():
    return row_coercer(bundled_json_schema(FACILITY.schema_identifier)["properties"])


def test_a_verdict_made_without_init_is_the_one_init_makes():
    # Given the fields of a verdict
    fields = (7, {"name": "x"}, ["bad"], True, "F-1", "Kabul")

    # When it is made by verdict_of and by RowVerdict itself
    fast, made = verdict_of(*fields), RowVerdict(*fields)

    # Then they are equal, field for field, and verdict_of sets every field there is
    assert fast == made
    assert vars(fast) == vars(made)
    assert list(vars(fast)) == [field.name for field in dataclasses.fields(RowVerdict)]
    assert repr(fast) == repr(made)


def test_cells_equal_to_a_dict_but_of_other_types_are_coerced_each_as_itself():
    # Given cells 1, 1.0, True and "1" in the same columns, one after another
    coerce = _coercer()
    cells = [1, 1.0, True, "1", " 1 "]

    # When each is coerced after the others were remembered
    coerced = [coerce({CAPACITY: cell, NAME: cell})[CAPACITY] for cell in cells]
    names = [coerce({CAPACITY: cell, NAME: cell})[NAME] for cell in cells]

    # Then each is what the cell functions make of it
    assert [(type(value), value) for value in coerced] == [
        (type(cell_number(cell)), cell_number(cell)) for cell in cells
    ]
    assert names == [cell_text(cell) for cell in cells]


def test_a_column_of_more_texts_than_remembered_coerces_every_text_alike():
    # Given more distinct enum spellings and numbers typed as text than a column remembers
    coerce = _coercer()
    texts = [f" {index} " for index in range(REMEMBERED + 50)]
    kinds = ["warehouse", " Health   facility", "STORING RESOURCE", "Hospital", "  "]

    # When they are coerced twice, past the limit
    first = [coerce({CAPACITY: text}) for text in texts]
    again = [coerce({CAPACITY: text}) for text in texts]
    spelled = [coerce({KIND: kind}).get(KIND) for kind in kinds * 2]

    # Then remembered or not, the values are the same
    assert first == again
    assert [row[CAPACITY] for row in first] == [int(text) for text in texts]
    assert spelled == ["Warehouse", "Health Facility", "Storing Resource", "Hospital", None] * 2


def test_blank_cells_are_left_out_whatever_their_column():
    # Given blank text, spaces and a date in every kind of column
    coerce = _coercer()
    row = {NAME: "   ", KIND: "", CAPACITY: " ", BOUNDARY: datetime.date(2024, 1, 2)}

    # When the row is coerced
    # Then the blank cells are left out and the date is its text
    assert coerce(row) == {BOUNDARY: "2024-01-02"}


def test_a_memo_remembers_only_its_first_texts_and_answers_every_one():
    # Given a memo of at most two texts
    memo = Remembered(str.upper, limit=2)

    # When it is asked about three texts
    answers = [memo[text] for text in ("a", "b", "c", "c")]

    # Then every answer is computed, and only the first two are kept
    assert answers == ["A", "B", "C", "C"]
    assert dict(memo) == {"a": "A", "b": "B"}


def test_one_code_is_split_as_several_are():
    # Given cells of one code, padded or blank, and of several
    cells = ["LOC_A", "  LOC_A ", "", "   ", "LOC_A,", " LOC_A , LOC_B ,LOC_A"]

    # When they are split
    # Then one code is a list of it, blank is none, as the general split makes them
    assert [split_codes(cell) for cell in cells] == [
        ["LOC_A"],
        ["LOC_A"],
        [],
        [],
        ["LOC_A"],
        ["LOC_A", "LOC_B"],
    ]


def test_boundary_codes_of_one_code_or_several_give_the_same_verdicts():
    # Given rows naming allowed and unknown codes, alone or in a list
    cells = ["LOC_A", " LOC_A ", "LOC_A,", "MARS", "MARS,", "LOC_A, MARS", " , "]
    rows = [
        SheetRow(number, facility(name=f"Post {number}", boundary_code=cell))
        for number, cell in enumerate(cells * 2, start=2)
    ]

    # When they are validated
    verdicts = list(validator(FACILITY).validate_all(rows))

    # Then a code alone is judged as the same code in a list
    assert [verdict.errors for verdict in verdicts[:7]] == [
        verdict.errors for verdict in verdicts[7:]
    ]
    assert [not verdict.errors for verdict in verdicts[:7]] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_the_facilitys_canonical_fields_are_those_of_the_general_case():
    # Given validated facility values, Inactive and not, of one code, several, none
    rows = [
        {
            NAME: "Post",
            KIND: "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": status,
            CAPACITY: 12,
            BOUNDARY: codes,
            "HCM_ADMIN_CONSOLE_FACILITY_USAGE": usage,
        }
        for status, codes, usage in [
            ("Permanent", "LOC_A", "Active"),
            ("Temporary", "LOC_A, LOC_B,LOC_A", "Inactive"),
            ("Temporary", " LOC_A ", "Active"),
            ("Temporary", "   ", "Active"),
            ("Temporary", 7, "Active"),
        ]
    ]

    # When their canonical fields are made
    # Then they are those the general case makes
    assert [to_canonical(FACILITY, row) for row in rows] == [
        _facility(FACILITY, row) for row in rows
    ]


def _every_check(checker):
    """A validator whose rows all take every check (none is plain, no batch told at once)."""
    checker._plain = lambda values: False
    checker._batches = None
    return checker


def _variants(spec, good, unique):
    """Rows of `spec` around a valid one: each column blank, padded, respelled, wrong;
    the `unique` column distinct on every row but where it is the one changed."""
    schema = bundled_json_schema(spec.schema_identifier)
    odd = ["", "  ", " x ", "LOC_A", "LOC_A, LOC_B", "MARS", "LOC_A,MARS", " , ", 0, 1.0, True]
    odd += ["inactive", "Inactive", "ACTIVE", "0987654321", "98765", "98765x4321", 9876543210]
    rows = [good()]
    for column in [*schema["properties"], "HCM_ADMIN_CONSOLE_FACILITY_CODE"]:
        for value in odd:
            row = good(**{column: value})
            if column != unique:
                row[unique] = f"{9876500000 + len(rows)}"
            rows.append(row)
    return rows


def test_a_plain_row_gets_the_verdict_every_check_gives():
    # Given facility and user rows, valid and not, in every column, allowed codes or any
    from tests.unit.sheets.support import user

    for spec, good, unique in ((FACILITY, facility, NAME), (USER, user, PHONE)):
        rows = [SheetRow(n, row) for n, row in enumerate(_variants(spec, good, unique), 2)]
        for allowed in (None, {"LOC_A", "LOC_B"}):
            # When they are judged with the plain rows' quick case, and with every check
            quick = list(validator(spec, allowed_boundary_codes=allowed).validate_all(rows))
            checked = _every_check(validator(spec, allowed_boundary_codes=allowed))

            # Then the verdicts are the same, and the quick case was taken
            assert quick == list(checked.validate_all(rows))
            assert sum(not verdict.errors for verdict in quick) > 10
