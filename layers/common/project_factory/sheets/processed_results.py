"""The results `processed.write_processed` is given: each data row's outcome, and the
one sorted stream they come in, taken as the sheet's rows go by.

Results are consumed once, in order, so a 100k-row file never holds them all; a result
out of order is the caller's mistake (ResultsMismatch), not the file's.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from project_factory.domain.resources import RowStatus
from project_factory.errors import DomainError


class ResultsMismatch(DomainError, ValueError):
    """The results do not fit (out of order, an output the type lacks): the caller's
    mistake, not the file's; a DomainError, so its code (not its name) is what a failed
    step reports."""

    code = "RESULTS_MISMATCH"


@dataclass(frozen=True)
class RowResult:
    status: RowStatus
    id: str | None = None
    #: output key (see SheetSpec.output_columns) -> value
    output: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: a validation's plan for the row (`#plan#`, written when asked for): create, update:
    #: <columns>, deactivate, skip, invalid
    plan: str | None = None


class Outcomes:
    """The results, taken in row order as the sheet's rows go by."""

    def __init__(self, results: Iterable[tuple[int, RowResult]]) -> None:
        self._results: Iterator[tuple[int, RowResult]] = iter(results)
        self._next = next(self._results, None)
        #: what taking the last of a `run` raised, raised by `settle`
        self._unsettled: Exception | None = None

    def run(self, places: Sequence[int | None], start: int = 0) -> list[RowResult]:
        """The results of the longest start of `places[start:]` whose results are next in the
        stream, one after another, taken (as `waiting` then `taken`, place by place).

        What taking the last of them raised (a result out of order, or the stream's own
        error) is kept for `settle`, so that it is raised where `taken` raises it: once
        the rows of the results before it are written. A place None (a row that takes
        no result) ends the run.
        """
        taken: list[RowResult] = []
        following, results = self._next, self._results
        for place in islice(places, start, None):
            if following is None or following[0] != place:
                break
            taken.append(following[1])
            try:
                following = next(results, None)
            except Exception as error:  # (raised by `settle`, in its turn)
                self._next, self._unsettled = None, error
                return taken
            if following is not None and following[0] <= place:
                self._next, self._unsettled = following, _out_of_order(following[0], place)
                return taken
        self._next = following
        return taken

    def settle(self) -> None:
        """Raises what taking the last result of a `run` raised, if anything did."""
        if self._unsettled is not None:
            error, self._unsettled = self._unsettled, None
            raise error

    def waiting(self, row_number: int) -> RowResult | None:
        """The result of `row_number` when it is the next one in the stream, else None;
        nothing is taken (the stream is not read further than `take` would read it)."""
        following = self._next
        return following[1] if following is not None and following[0] == row_number else None

    def taken(self) -> None:
        """Takes the result `waiting` gave (`_advance`, a call less on the usual row)."""
        assert self._next is not None
        number = self._next[0]
        self._next = following = next(self._results, None)
        if following is not None and following[0] <= number:
            raise _out_of_order(following[0], number)

    def take(self, row_number: int) -> RowResult | None:
        """The result of `row_number`, skipping those of earlier rows that are not data."""
        while self._next is not None and self._next[0] < row_number:
            self._advance()
        if self._next is None or self._next[0] != row_number:
            return None
        result = self._next[1]
        self._advance()
        return result

    def _advance(self) -> None:
        assert self._next is not None
        number = self._next[0]
        self._next = next(self._results, None)
        if self._next is not None and self._next[0] <= number:
            raise _out_of_order(self._next[0], number)


def _out_of_order(following: int, number: int) -> ResultsMismatch:
    return ResultsMismatch(
        f"results must come in ascending row order; row {following} came after {number}"
    )
