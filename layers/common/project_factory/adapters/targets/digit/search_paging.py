"""Searching DIGIT for many records: references split across calls, results read page by page.

A retry confirms a whole chunk's rows, and a change reads a whole batch's records, at once:
more references than one call carries, and more records than one page holds.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from project_factory.adapters.http import QueryValue
from project_factory.errors import UpstreamError

# References per search call (they travel in a query string or a body), and records per
# page: a page larger than the references leaves room for duplicates made by other clients.
# A search for 100 references that runs past _MAX_PAGES pages ignores its filter: better to
# stop than to scan a tenant (what the original did).
_REFS_PER_SEARCH = 100
PAGE_SIZE = 200
_MAX_PAGES = 20


def chunks(values: Sequence[str]) -> Iterator[list[str]]:
    """The distinct values, in order, in lists small enough for one search call."""
    unique = list(dict.fromkeys(str(value) for value in values))
    for start in range(0, len(unique), _REFS_PER_SEARCH):
        yield unique[start : start + _REFS_PER_SEARCH]


def pages(
    fetch: Callable[[dict[str, QueryValue]], list[dict[str, Any]] | None],
) -> Iterator[dict[str, Any]]:
    """Every record of a DIGIT search, page by page (limit/offset in the query string)."""
    for number in range(_MAX_PAGES):
        page = fetch({"limit": PAGE_SIZE, "offset": number * PAGE_SIZE}) or []
        yield from page
        if len(page) < PAGE_SIZE:
            return
    raise UpstreamError(
        f"a search returned more than {_MAX_PAGES * PAGE_SIZE} records: it ignores its criteria"
    )
