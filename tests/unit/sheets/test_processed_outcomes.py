import random

import pytest

from project_factory.domain.resources import RowStatus
from project_factory.sheets.processed_results import Outcomes, ResultsMismatch, RowResult


def _results(numbers):
    return [(number, RowResult(RowStatus.CREATED, id=f"F-{number}")) for number in numbers]


def _one_by_one(outcomes: Outcomes, places) -> list[RowResult]:
    """What `waiting` then `taken` give, place by place, up to the first not waiting."""
    taken = []
    for place in places:
        result = outcomes.waiting(place)
        if result is None:
            break
        taken.append(result)
        outcomes.taken()
    return taken


def test_a_run_takes_what_waiting_and_taken_take_place_by_place():
    # Given streams of results with gaps, and places asked for from a start
    generator = random.Random(3)
    for _ in range(300):
        numbers = sorted(generator.sample(range(1, 60), generator.randint(0, 40)))
        places = sorted(generator.sample(range(1, 60), generator.randint(0, 40)))
        start = generator.randint(0, len(places))
        run, apart = Outcomes(_results(numbers)), Outcomes(_results(numbers))

        # When a run takes them, and they are taken one by one
        together = run.run(places, start)
        one_by_one = _one_by_one(apart, places[start:])

        # Then the same results are taken, and the same one waits next
        assert together == one_by_one
        assert [run.waiting(place) for place in range(60)] == [
            apart.waiting(place) for place in range(60)
        ]


def test_a_result_out_of_order_is_raised_by_settle_once_the_run_is_taken():
    # Given results whose third comes before the second
    outcomes = Outcomes(_results([2, 3, 1]))

    # When a run takes them
    taken = outcomes.run([2, 3, 4])

    # Then the two before it are taken, and settling raises the disorder
    assert [result.id for result in taken] == ["F-2", "F-3"]
    with pytest.raises(ResultsMismatch, match="row 1 came after 3"):
        outcomes.settle()
    outcomes.settle()  # (raised once)


def test_the_streams_own_error_is_raised_by_settle():
    # Given a stream of results that fails after its first
    def failing():
        yield 2, RowResult(RowStatus.CREATED)
        raise OSError("the scratch part is gone")

    outcomes = Outcomes(failing())

    # When a run takes what it can
    taken = outcomes.run([2, 3])

    # Then the first is taken, and settling raises the stream's error
    assert len(taken) == 1
    with pytest.raises(OSError, match="scratch part"):
        outcomes.settle()


def test_a_row_that_takes_no_result_ends_the_run_whatever_the_stream_holds():
    # Given a stream whose next result is numbered as no row is (a caller's mistake)
    outcomes = Outcomes(_results([-1, 2]))

    # When a run starts at a row that takes no result (the header)
    taken = outcomes.run([None, 2])

    # Then nothing is taken, and the result waits
    assert taken == []
    assert outcomes.waiting(-1) is not None
