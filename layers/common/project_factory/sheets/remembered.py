"""Bounded memos of what a file's texts come to: a column of a few values repeated on
every row (a dropdown, a list of roles, a boundary code) is worked out a few times, not
once a row, and a column of distinct values (names) costs at most `REMEMBERED` entries,
never memory that grows with the file.

A memo is a dict whose misses are computed (`__missing__`), so a row's lookup is one
subscript, the cheapest call Python has. Keys are exact `str`: 1, 1.0 and True are one
key to a dict but three different cells, so other values are never looked up here.
"""

from collections.abc import Callable

#: How many distinct texts a memo remembers the answer for.
REMEMBERED = 1024


class Remembered[T](dict[str, T]):
    """`compute(text)` as `memo[text]`, remembered for the first `limit` texts."""

    def __init__(self, compute: Callable[[str], T], limit: int = REMEMBERED) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, text: str) -> T:
        found = self._compute(text)
        if len(self) < self._limit:
            self[text] = found
        return found


def remembered[T](compute: Callable[[str], T], limit: int = REMEMBERED) -> Callable[[str], T]:
    """`compute`, remembering its answers for the first `limit` texts it is asked about."""
    return Remembered(compute, limit).__getitem__
