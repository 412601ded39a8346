"""answered_in_order: slow answers asked in a pool, handed back in the batches' order."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from project_factory.lookahead import answered_in_order


def test_answers_come_back_in_the_batches_order_even_when_they_end_out_of_order():
    # Given batches whose earlier answers take longer
    def ask(batch: int) -> int:
        time.sleep(0.01 * (5 - batch))
        return batch * 10

    # When five batches are asked about in a pool
    with ThreadPoolExecutor(5) as pool:
        answered = list(answered_in_order(range(5), ask, pool, ahead=4))

    # Then each batch comes with its own answer, in order
    assert answered == [(n, n * 10) for n in range(5)]


def test_no_more_than_ahead_batches_are_made_beyond_the_one_handed_back():
    # Given a source of batches that counts how many were made
    made = 0

    def batches():
        nonlocal made
        for n in range(10):
            made += 1
            yield n

    # When the first answer is taken with two batches ahead
    with ThreadPoolExecutor(4) as pool:
        answers = answered_in_order(batches(), lambda batch: batch, pool, ahead=2)
        first = next(answers)

        # Then three batches were made: the one handed back and two ahead
        assert first == (0, 0)
        assert made == 3
        assert [batch for batch, _ in answers] == list(range(1, 10))


def test_questions_are_asked_at_once():
    # Given answers that come only once two questions wait together
    together = threading.Barrier(2, timeout=10)

    def ask(batch: int) -> int:
        together.wait()
        return batch

    # When four batches are asked about in a pool of two
    with ThreadPoolExecutor(2) as pool:
        answered = list(answered_in_order(range(4), ask, pool, ahead=1))

    # Then all four were answered (one question alone would have broken the barrier)
    assert [batch for batch, _ in answered] == [0, 1, 2, 3]


def test_a_failed_question_is_raised_when_its_batch_is_due():
    # Given a question that fails for the second batch
    def ask(batch: int) -> int:
        if batch == 1:
            raise TimeoutError("no answer")
        return batch

    # When the answers are taken
    with ThreadPoolExecutor(2) as pool:
        answers = answered_in_order(range(3), ask, pool, ahead=2)

        # Then the first batch comes back, then the failure
        assert next(answers) == (0, 0)
        with pytest.raises(TimeoutError, match="no answer"):
            next(answers)


def test_without_a_pool_each_batch_is_asked_in_turn():
    # Given a source that records when batches are made and asked about
    events = []

    def batches():
        for n in range(3):
            events.append(f"made {n}")
            yield n

    def ask(batch: int) -> int:
        events.append(f"asked {batch}")
        return batch

    # When the answers are taken without a pool
    answered = list(answered_in_order(batches(), ask, None, ahead=4))

    # Then each batch is asked about as soon as it is made
    assert answered == [(0, 0), (1, 1), (2, 2)]
    assert events == ["made 0", "asked 0", "made 1", "asked 1", "made 2", "asked 2"]
