"""Writing a data sheet's XML to its zip entry in another thread, so that deflating it
overlaps making it.

Deflating the processed sheet is about a third of writing it, and zlib (its `compress`,
and the entry's `crc32`) lets go of the interpreter lock while it works: with the
entry's writes made by a second thread, the rows of one batch are made while the
previous batch is deflated, on a second core. The bytes handed to the entry are the
same, in the same order and the same writes, so the file is byte for byte what writing
in line gives.

Memory stays bounded: at most `_DEPTH` batches wait for the writing thread, and a full
queue makes the next write wait. A write that fails in that thread (the target's) is
raised by the next `write`, or by `close`.
"""

import queue
import threading
from contextlib import suppress
from types import TracebackType
from typing import IO

#: Batches that may wait to be written: enough to keep the writing thread busy while
#: the next is made, few enough that memory stays at a few batches.
_DEPTH = 2


class WriteBehind:
    """A sink whose writes are made, in order, by a thread of its own; `close` (or the
    end of a `with`) waits for every write, the last one's data included."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self._waiting: queue.Queue[bytes | None] = queue.Queue(_DEPTH)
        self._failed: BaseException | None = None
        self._closed = self._dropping = False
        self._thread = threading.Thread(target=self._drain, name="processed-deflate", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> int:
        if self._failed is not None:
            raise self._failed
        if data:
            self._waiting.put(data)
        return len(data)

    def close(self) -> None:
        """Waits for every write; raises the one that failed, if one did."""
        if self._closed:
            return
        self._closed = True
        self._waiting.put(None)
        self._thread.join()
        if self._failed is not None:
            raise self._failed

    def __enter__(self) -> "WriteBehind":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
            return
        # Failing already: what waits is dropped, the thread stopped, its own failure (if
        # any) left unsaid.
        self._dropping = True
        with suppress(BaseException):
            self.close()

    def _drain(self) -> None:
        while (data := self._waiting.get()) is not None:
            if self._failed is None and not self._dropping:
                try:
                    self._sink.write(data)
                except BaseException as failure:  # (raised in the writing thread's stead)
                    self._failed = failure
