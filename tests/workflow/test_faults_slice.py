"""A seeded slice of `make faults` (issue #10): the create flow stays exactly-once with 30%
of the calls failing: lost answers and timeouts of DIGIT, throttling of the built-in
registry, the Create task crashing in the middle of a chunk.

Each case creates a facility file and a user file (30 rows, chunks of 10, batches of 5) at
once under one seeded fault plan, then measures the ground truth (the service's records,
the processed files, the create requests the service received); see local/faults.py.
"""

from collections.abc import Callable, Iterator

import pytest

from local.fault_injection import CRASH, THROTTLE
from local.fault_lab import BUILTIN, DIGIT, FaultLab, Group
from local.fault_measure import Measure
from local.fault_table import Row
from tests.fakes.digit_server import ANSWER_LOST, TIMEOUT

RATE = 0.3
SEED = 10


@pytest.fixture(scope="module")
def lab() -> Iterator[Callable[[str], FaultLab]]:
    """The lab of a target: one local stack at a time, the previous one torn down first."""
    current: list[FaultLab] = []

    def of(target: str) -> FaultLab:
        if current and current[0].target == target:
            return current[0]
        while current:
            current.pop().__exit__(None, None, None)
        current.append(FaultLab(target).__enter__())
        return current[0]

    yield of
    while current:
        current.pop().__exit__(None, None, None)


def _assert_exactly_once(kind: str, groups: list[Group]) -> Measure:
    measure = Measure()
    for group in groups:
        measure.add(group.measure)
    details = [
        (group.resource_type, group.resource_ids, group.statuses, group.measure.notes[:5])
        for group in groups
    ]
    assert measure.runs == measure.final == 2, details
    assert (measure.lost, measure.stored_twice, measure.phantom) == (0, 0, 0), details
    bound = measure.lost_answers if kind == ANSWER_LOST else 0
    assert measure.sent_twice <= bound, details
    assert Row(kind, RATE, [], measure).violations() == []
    return measure


@pytest.mark.parametrize("kind", [ANSWER_LOST, TIMEOUT])
def test_digit_faults_create_every_row_once(lab, kind: str):
    measure = _assert_exactly_once(kind, lab(DIGIT).run_group(kind, RATE, SEED))
    assert measure.injected > 0


@pytest.mark.parametrize("kind", [THROTTLE, CRASH])
def test_builtin_faults_create_every_row_once(lab, kind: str):
    measure = _assert_exactly_once(kind, lab(BUILTIN).run_group(kind, RATE, SEED))
    assert measure.injected > 0
