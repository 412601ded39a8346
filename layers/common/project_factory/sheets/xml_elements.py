"""Repeated XML elements found in bytes: their patterns, and a stream cut into whole ones.

The large parts of a workbook (a sheet's rows, the shared strings) are a container of
one element repeated, read from the zip in chunks. They are searched as bytes with
regular expressions rather than parsed into a tree, so that no object is made per XML
node and every element's bytes are at hand to copy unchanged.

This relies on what the format guarantees: `<` never appears in text or attribute
values, and the repeated elements do not nest. The patterns cannot backtrack
(possessive and atomic groups; an element's content never crosses the start of another
of its kind), and the cutter only searches bytes it has not seen: hostile input is read
in time linear in its size.
"""

import re
from collections.abc import Iterator
from typing import Any

#: An element's attributes, by XML's grammar: a `/` or `>` inside quotes ends nothing.
ANY_ATTRIBUTE = rb"""[^\s=/>]++\s*+=\s*+(?:"[^"]*+"|'[^']*+')"""
_ATTRIBUTES = rb"((?:\s++" + ANY_ATTRIBUTE + rb")*+)\s*+"


def element_content(tag: bytes) -> bytes:
    """What is inside `<tag>...</tag>`: runs of non-`<` up to the end tag, never across
    the start of another `tag` (an element left open fails where the next one starts)."""
    return rb"([^<]*+(?:<(?!/%s>|%s[\s/>])[^<]*+)*+)" % (tag, tag)


def element_pattern(tag: bytes) -> re.Pattern[bytes]:
    """`<tag ...>...</tag>` or `<tag .../>`: groups (whole, attributes, content)."""
    tag = re.escape(tag)
    return re.compile(rb"(<%s%s(?:/>|>%s</%s>))" % (tag, _ATTRIBUTES, element_content(tag), tag))


def start_tag_pattern(tag: bytes) -> re.Pattern[bytes]:
    """The start tag `<tag ...>` or `<tag .../>`: groups (attributes, `/` or empty)."""
    return re.compile(rb"<%s%s(/?)>" % (re.escape(tag), _ATTRIBUTES))


class ElementCutter:
    """Cuts a stream of XML, chunk by chunk, into pieces holding only whole elements.

    For a container of repeated elements (`<sheetData>` of `<row>`s, `<sst>` of `<si>`s):
    each piece yielded ends after a whole element; text between elements (whitespace)
    is dropped rather than carried; `tail` is set to the bytes from the container's end
    (`stop`) on once it is reached. Only bytes not seen before are searched (with a few
    bytes of overlap, for a tag cut between two chunks), pending bytes are joined once,
    and an element longer than `limit` raises `too_large()`: linear in the input.
    """

    def __init__(
        self,
        *,
        start: bytes,
        end: bytes,
        stop: bytes,
        opening: re.Pattern[bytes],
        limit: int,
        too_large: Any,
    ) -> None:
        self._start, self._end, self._stop = start, end, stop
        self._opening, self._limit, self._too_large = opening, limit, too_large
        self._overlap = max(len(start), len(end), len(stop))
        self._pending: list[bytes] = []
        self._size = 0
        #: absolute offset (in the stream fed) of the first pending byte
        self._base = 0
        #: absolute offsets of the last element start and of the end of the last end tag
        self._last_start = -1
        self._last_end = -1
        #: whether the start tag at `_last_start` was read: None not yet, else its end
        #: (negative: an element that stays open until its end tag)
        self._opened: int | None = None
        self._has_markup = False
        self._seen = b""
        self.tail: bytes | None = None
        #: bytes searched since the caller last reset it
        self.searched = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        region = self._seen + data
        origin = self._base + self._size - len(self._seen)
        self.searched += len(region)
        self._pending.append(data)
        self._size += len(data)
        stop = region.find(self._stop)
        if stop >= 0:
            joined = self._joined()
            cut = max(origin + stop - self._base, 0)
            self._pending, self.tail = [], joined[cut:]
            if cut > 0:
                yield joined[:cut]
            return
        start = region.rfind(self._start)
        if start >= 0 and origin + start > self._last_start:
            self._last_start, self._opened = origin + start, None
        end = region.rfind(self._end)
        if end >= 0:
            self._last_end = max(self._last_end, origin + end + len(self._end))
        self._has_markup = self._has_markup or data.find(b"<") >= 0
        self._seen = region[-self._overlap :]
        whole = self._whole()
        if whole > self._base:
            joined = self._joined()
            cut = whole - self._base
            yield joined[:cut]
            self._restart(joined[cut:], whole)
        elif not self._has_markup:
            # Only text between elements (whitespace): nothing to keep.
            self._restart(b"", self._base + self._size)
        open_since = max(self._last_start, self._base)
        if self._base + self._size - open_since > self._limit:
            raise self._too_large()

    def _joined(self) -> bytes:
        """The pending bytes as one (joined once: later calls get the same bytes)."""
        if len(self._pending) != 1:
            self._pending = [b"".join(self._pending)]
        return self._pending[0]

    def _whole(self) -> int:
        """Where the pending bytes stop holding whole elements only (absolute)."""
        if self._last_start < self._base:
            return self._base
        if self._last_end > self._last_start:
            # Elements do not nest: an end tag after the last start closes it.
            return self._last_end
        if self._opened is None:
            joined = self._joined()
            at = self._last_start - self._base
            found = self._opening.match(joined, at)
            if found is not None:
                self._opened = self._base + found.end() if found.group(2) else -1
            elif len(joined) - at > self._limit or joined.find(b">", at) >= 0:
                # Not a start tag we know (or a broken one): it stays open.
                self._opened = -1
        if self._opened is not None and self._opened > 0:
            return self._opened
        return self._last_start

    def _restart(self, rest: bytes, at: int) -> None:
        """Pending bytes are now `rest`, starting at `at`; text without markup is dropped."""
        if rest and rest.find(b"<") < 0:
            at, rest = at + len(rest), b""
        self._pending = [rest] if rest else []
        self._size = len(rest)
        self._base = at
        self._has_markup = bool(rest)
        if self._last_start < at:
            self._last_start, self._opened = -1, None
