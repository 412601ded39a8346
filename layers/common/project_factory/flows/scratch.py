"""Where a resource's intermediate files live in S3 (under the scratch prefix, which expires)."""

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from project_factory.adapters.file_store import FileStore
from project_factory.lookahead import answered_in_order


@dataclass(frozen=True)
class ScratchKeys:
    prefix: str
    resource_id: str

    @property
    def base(self) -> str:
        return f"{self.prefix}{self.resource_id}/"

    @property
    def manifest(self) -> str:
        """The chunk list the Distributed Map reads."""
        return f"{self.base}manifest.json"

    @property
    def summary(self) -> str:
        return f"{self.base}summary.json"

    @property
    def data_key(self) -> str:
        """The run's data key, encrypted by KMS: what the chunks' sealed passwords open with."""
        return f"{self.base}data-key.json"

    @property
    def finalize_runs(self) -> str:
        """How many times Finalize has started for this resource (across its retries)."""
        return f"{self.base}finalize-runs.json"

    def verdicts(self, index: int) -> str:
        """Every sheet row in order, with its validation verdict, in numbered parts."""
        return f"{self.base}verdicts/{index:06d}.jsonl"

    def chunk(self, index: int) -> str:
        return f"{self.base}chunks/{index:06d}.jsonl"

    def outcomes(self, index: int) -> str:
        return f"{self.base}outcomes/{index:06d}.json"


@dataclass
class PartWriter:
    """JSON Lines written in numbered parts of at most `size` lines: no step holds them all.

    With `writes`, each full part is put there while the caller goes on; at most `ahead`
    parts wait to be written (the memory held stays bounded), and `close` waits for every
    write and raises the first that failed. A part's key is fixed when it is full, so the
    parts keep their order whichever write ends first.
    """

    files: FileStore
    key_of: Callable[[int], str]
    size: int
    writes: Executor | None = None
    ahead: int = 4
    parts: list[tuple[str, int]] = field(default_factory=list)
    _lines: list[Any] = field(default_factory=list)
    _pending: deque[Future[None]] = field(default_factory=deque)

    def add(self, line: Any) -> None:
        self._lines.append(line)
        if len(self._lines) >= self.size:
            self._flush()

    def close(self) -> None:
        if self._lines:
            self._flush()
        while self._pending:
            self._pending.popleft().result()

    @property
    def lines(self) -> int:
        return sum(count for _, count in self.parts) + len(self._lines)

    def _flush(self) -> None:
        key = self.key_of(len(self.parts))
        lines, self._lines = self._lines, []
        self.parts.append((key, len(lines)))
        if self.writes is None:
            self.files.put_lines(key, lines)
            return
        self._pending.append(self.writes.submit(self.files.put_lines, key, lines))
        while len(self._pending) > self.ahead:
            self._pending.popleft().result()


class PartReader:
    """Scratch parts read ahead in a pool while the caller works through earlier ones, and
    handed back in order (project_factory/lookahead.py): on S3 each is a round trip."""

    def __init__(self, files: FileStore, pool: Executor, ahead: int) -> None:
        self._files = files
        self._pool = pool
        self._ahead = ahead

    def lines(self, key: str) -> list[Any]:
        """One part's JSON Lines (called in the pool by `parts`' readers)."""
        return list(self._files.iter_lines(key))

    def parts[P, A](self, parts: Iterable[P], read: Callable[[P], A]) -> Iterator[tuple[P, A]]:
        """Each of `parts` with `read(part)`, in order, read up to `ahead` parts early."""
        return answered_in_order(parts, read, self._pool, self._ahead)
