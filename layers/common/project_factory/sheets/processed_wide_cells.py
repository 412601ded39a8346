"""Whether any cell of a sheet could lie past a column: the quick look that spares the
processed-file writer its pass over every row to find the last used column.

Nearly every upload has no cell past its header's last column. That is seen in one
search per chunk of the sheet's XML, in C, without cutting it into rows: every cell's
start tag is written as Excel and openpyxl write it (`<c r="B7" s="1" t="s">`, its
column among those allowed). Any other start tag (a column past the header, a cell
without `r`, attributes in another order) is a cell that might matter, and the writer
then makes its full pass (`processed_columns`), which reads such rows cell by cell.

A tag cut between two chunks is searched whole with the next one; a tag longer than
`_LONGEST_TAG` is taken as one that might matter (the full pass reads it under the
limits), so memory stays at a chunk and each byte is searched at most twice.
"""

import re
from collections.abc import Iterable

from project_factory.sheets.xlsx_references import column_letters

#: A cell's start tag is never near this long as Excel writes it.
_LONGEST_TAG = 256


def letters_up_to(last: int) -> bytes:
    """A pattern of the uppercase column letters of columns 1 to `last` (>= 1), no others."""
    end = column_letters(last).encode()
    shorter = [rb"[A-Z]{%d}" % length for length in range(1, len(end))]
    return rb"(?:%s)" % b"|".join([*shorter, _not_after(end)])


def _not_after(end: bytes) -> bytes:
    """A pattern of the uppercase strings as long as `end`, not after it in order."""
    first, rest = chr(end[0]).encode(), end[1:]
    if not rest:
        # One letter: a class, which the search tests in one step.
        return b"[A-%s]" % first
    choices = []
    if first > b"A":
        below = b"A" if first == b"B" else b"A-%s" % chr(end[0] - 1).encode()
        choices.append(rb"[%s][A-Z]{%d}" % (below, len(rest)))
    choices.append(first + (_not_after(rest) if rest else b""))
    return rb"(?:%s)" % b"|".join(choices)


class WideCells:
    """Finds, in a sheet's XML, a cell start tag other than Excel's within columns 1 to
    `last`."""

    def __init__(self, prefix: bytes, last: int) -> None:
        cell = re.escape(prefix + b"c")
        letters = letters_up_to(last)
        # (` r=` with a space, as Excel writes it, not any whitespace: twice as fast a
        # search, and a tag written otherwise only costs the full pass)
        usual = rb' r="%s[0-9]*+"(?: s="[0-9]++")?+(?: t="[A-Za-z]++")?+/?>' % letters
        self._other = re.compile(rb"<%s(?!%s)[\s/>]" % (cell, usual))

    def found_in(self, chunks: Iterable[bytes]) -> bool:
        """Whether the XML in `chunks` has such a tag (or one too long to tell)."""
        carry = b""
        for chunk in chunks:
            data = carry + chunk
            cut = data.rfind(b"<")
            if cut >= 0 and data.find(b">", cut) < 0:
                data, carry = data[:cut], data[cut:]
                if len(carry) > _LONGEST_TAG:
                    return True
            else:
                carry = b""
            if self._other.search(data):
                return True
        # A tag left open at the end of the part: a broken sheet, for the full pass.
        return bool(carry)
