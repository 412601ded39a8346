"""Batches answered by a slow source while later batches are made: waits that overlap work.

Validate asks the target about each batch of rows (business keys taken, records to
compare). On AWS every question is a round trip; asked one after another, they add up to
most of the step. `answered_in_order` asks them in a pool while the caller goes on reading,
and hands the answers back in the batches' order, so whatever depends on earlier rows
still runs in file order, in the caller's thread.
"""

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future


def answered_in_order[B, A](
    batches: Iterable[B], ask: Callable[[B], A], pool: Executor | None, ahead: int
) -> Iterator[tuple[B, A]]:
    """Each batch with `ask(batch)`, in order.

    With a pool, up to `ahead` batches beyond the one handed back next are made and asked
    about at once (the batches held stay bounded); without one, each is asked in turn. An
    error raised by `ask` reaches the caller when its batch is due.
    """
    if pool is None:
        for batch in batches:
            yield batch, ask(batch)
        return
    waiting: deque[tuple[B, Future[A]]] = deque()
    for batch in batches:
        waiting.append((batch, pool.submit(ask, batch)))
        if len(waiting) > ahead:
            made, answer = waiting.popleft()
            yield made, answer.result()
    while waiting:
        made, answer = waiting.popleft()
        yield made, answer.result()
