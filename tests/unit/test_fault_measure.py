"""How `make faults` measures exactly-once (local/faults.py): from the service's records and
the processed files, never from what the flow says of itself (issue #10)."""

from local.fault_measure import Measure, Record, business_key, compare
from local.fault_table import Row

ROWS = {
    2: {"HCM_ADMIN_CONSOLE_FACILITY_NAME": "Alpha Clinic"},
    3: {"HCM_ADMIN_CONSOLE_FACILITY_NAME": "Beta Clinic"},
    4: {"HCM_ADMIN_CONSOLE_FACILITY_NAME": "Gamma Clinic"},
}


def _key(row):
    return business_key("facility", row)


def _record(ref, record_id, name):
    return Record(ref, frozenset({record_id}), business_key("facility", {"name": name}))


def _measure(reports, records):
    return compare(rows_by_number=ROWS, key_of=_key, reports=reports, records=records)


def test_every_row_created_once_and_reported_is_exactly_once():
    records = [
        _record("r:2", "F-2", "Alpha Clinic"),
        _record("r:3", "F-3", "Beta Clinic"),
        _record("r:4", "F-4", "Gamma Clinic"),
    ]
    report = {2: ("CREATED", "F-2"), 3: ("CREATED", "F-3"), 4: ("CREATED", "F-4")}
    measure = _measure({"r": report}, records)
    assert (measure.lost, measure.stored_twice, measure.phantom, measure.not_created) == (
        0,
        0,
        0,
        0,
    )


def test_a_record_reported_not_created_is_lost_and_a_missing_one_is_a_phantom():
    records = [_record("r:2", "F-2", "Alpha Clinic"), _record("r:3", "F-3", "Beta Clinic")]
    report = {2: ("NOT_CREATED", None), 3: ("CREATED", "F-3"), 4: ("CREATED", "F-4")}
    measure = _measure({"r": report}, records)
    assert measure.lost_in_service == 1  # row 2: in the service, reported NOT_CREATED
    assert measure.phantom == 1  # row 4: reported CREATED, absent from the service
    assert any("r:2 is in the service" in note for note in measure.notes)


def test_a_row_missing_from_the_processed_file_and_the_service_is_lost():
    records = [_record("r:2", "F-2", "Alpha Clinic"), _record("r:3", "F-3", "Beta Clinic")]
    report = {2: ("CREATED", "F-2"), 3: ("CREATED", "F-3")}
    measure = _measure({"r": report}, records)
    assert measure.lost_in_neither == 1


def test_an_honest_failure_is_not_created_and_a_failed_run_loses_nothing():
    records = [_record("r:2", "F-2", "Alpha Clinic")]
    report = {2: ("CREATED", "F-2"), 3: ("NOT_CREATED", None), 4: ("FAILED", None)}
    measure = _measure({"r": report}, records)
    assert (measure.lost, measure.not_created) == (0, 2)
    # A run that ended failed without a processed file, having created nothing.
    failed = _measure({"r": None}, [])
    assert (failed.lost, failed.not_created) == (0, 3)
    # ... but what it did create and never reported is lost.
    assert _measure({"r": None}, records).lost_in_service == 1


def test_records_sharing_a_business_key_or_a_reference_are_stored_twice():
    records = [
        _record("r:2", "F-2", "Alpha Clinic"),
        _record("s:2", "F-9", "alpha  clinic"),  # the same name, another upload's row
        _record("r:3", "F-3", "Beta Clinic"),
        _record("r:3", "F-7", "Beta Clinic (2)"),  # the same reference, twice
    ]
    measure = _measure({"r": {}}, records)
    assert measure.stored_twice == 2


def test_concurrent_uploads_one_created_the_others_skipped_with_its_id():
    records = [
        _record("a:2", "F-2", "Alpha Clinic"),
        _record("b:3", "F-3", "Beta Clinic"),
        _record("a:4", "F-4", "Gamma Clinic"),
    ]
    reports = {
        "a": {2: ("CREATED", "F-2"), 3: ("SKIPPED", "F-3"), 4: ("CREATED", "F-4")},
        "b": {2: ("SKIPPED", "F-2"), 3: ("CREATED", "F-3"), 4: ("INVALID", None)},
    }
    measure = _measure(reports, records)
    assert (measure.lost, measure.stored_twice, measure.phantom) == (0, 0, 0)
    # A SKIPPED row naming an id the service lacks is a phantom too.
    reports["b"][4] = ("SKIPPED", "F-404")
    assert _measure(reports, records).phantom == 1


def test_sent_twice_is_bounded_by_lost_answers_for_that_kind_only():
    measure = Measure(runs=2, final=2, sent_twice=1, lost_answers=3)
    assert Row("answer_lost", 0.3, ["digit"], measure).violations() == []
    assert Row("timeout", 0.3, ["digit"], measure).violations() == ["sent_twice = 1 > 0"]
    unfinished = Measure(runs=2, final=1)
    assert Row("crash", 0.3, ["builtin"], unfinished).violations() == [
        "1 runs never reached a final status"
    ]


def test_business_keys_ignore_case_spacing_and_a_leading_zero():
    assert business_key("facility", {"name": " Alpha  CLINIC "}) == "alpha clinic"
    assert business_key("user", {"phone": "09000000001"}) == "9000000001"
    assert business_key("user", {"HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9000000001}) == (
        "9000000001"
    )
