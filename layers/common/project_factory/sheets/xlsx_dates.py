"""Excel's dates: which cell styles are dates, and serial numbers as Python dates.

Excel stores a date as a number (days since an epoch) in a cell whose number format
looks like a date. These rules are openpyxl's (3.1), so a workbook read by our own
parser gives the values openpyxl gave: a format is a date when, once quoted text and
bracketed locale/colour parts are removed, its first section has a d, m, y, h or s
(not after `_` or `\\`); built-in formats count only when openpyxl lists them.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)
_SECONDS_PER_DAY = 86400

#: The built-in number formats openpyxl knows that are dates or times (id -> code).
BUILTIN_DATE_FORMATS: Mapping[int, str] = {
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
}
_STRIPPED = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_DURATION = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)


@dataclass(frozen=True)
class DateStyles:
    """The cell styles (indexes of `cellXfs`) whose numbers are dates or durations."""

    dates: frozenset[int] = frozenset()
    durations: frozenset[int] = frozenset()
    epoch: datetime = WINDOWS_EPOCH

    @classmethod
    def of(
        cls, style_formats: Sequence[int], custom: Mapping[int, str], *, date1904: bool
    ) -> "DateStyles":
        """From each style's number format id and the workbook's custom format codes."""
        dates, durations = set(), set()
        for style, format_id in enumerate(style_formats):
            code = custom[format_id] if format_id in custom else BUILTIN_DATE_FORMATS.get(format_id)
            if code is None:
                continue
            section = code.split(";")[0]
            if _DATE_LETTER.search(_STRIPPED.sub("", section)):
                dates.add(style)
            if _DURATION.search(section):
                durations.add(style)
        return cls(frozenset(dates), frozenset(durations), MAC_EPOCH if date1904 else WINDOWS_EPOCH)

    def value(self, style: int, number: float) -> Any:
        """A number in a cell of `style`: a date, time or duration when the style says so."""
        if style not in self.dates:
            return number
        try:
            return from_excel(number, self.epoch, duration=style in self.durations)
        except (OverflowError, ValueError):
            # openpyxl's value for a date outside Python's range
            return "#VALUE!"


def from_excel(value: float, epoch: datetime = WINDOWS_EPOCH, *, duration: bool = False) -> Any:
    """An Excel serial number as datetime, time (below one day) or timedelta."""
    if duration:
        delta = timedelta(days=value)
        if delta.microseconds:
            # milliseconds are Excel's precision
            delta = timedelta(
                seconds=delta.total_seconds() // 1, microseconds=round(delta.microseconds, -3)
            )
        return delta
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return time(hours, minutes, seconds, diff.microseconds)
    # Excel's 1900 calendar has a 29 February 1900 that never was: serials below 60 shift.
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + timedelta(days=day) + diff


def from_iso(text: str) -> Any:
    """A `t="d"` cell (ISO 8601 text) as date, time or datetime; the text when it is none."""
    value = text.removesuffix("Z")
    try:
        if "T" in value:
            return datetime.fromisoformat(value)
        if ":" in value:
            return time.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        return text
