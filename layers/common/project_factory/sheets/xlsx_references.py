"""Where a cell is: column letters and row numbers as worksheets write them.

Every cell of a sheet names its column (`r="AB12"`) and every row its number; these are
turned into numbers once per cell, so the conversion is cached and kept cheap. A column
past XFD or a row past Excel's last comes back as one past the last, for the scanner to
refuse, never as an error of its own or a huge number to allocate for.
"""

from project_factory.sheets.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS

#: Column letters already converted (at most three letters, in either case): the sheet
#: scanner looks them up itself before calling `column_index`, a call per cell saved.
KNOWN_COLUMNS: dict[bytes, int] = {}
#: A row number of this many digits or more is past Excel's last row.
_ROW_DIGITS = len(str(EXCEL_MAX_ROWS)) + 1
#: Column letters longer than this name no column (XFD is the last).
_MAX_LETTERS = 3


def column_index(letters: bytes) -> int:
    """`b"A"` -> 1, `b"AB"` -> 28; anything longer than `XFD`'s three letters is past
    the last column (EXCEL_MAX_COLUMNS + 1)."""
    index = KNOWN_COLUMNS.get(letters)
    if index is None:
        if len(letters) > _MAX_LETTERS:
            return EXCEL_MAX_COLUMNS + 1
        index = 0
        for letter in letters.upper():
            index = index * 26 + letter - 64
        # Three letters at most, in either case: a cache that stays small.
        KNOWN_COLUMNS[letters] = index
    return index


def column_letters(index: int) -> str:
    """1 -> `A`, 28 -> `AB`."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_number(raw: bytes) -> int:
    """A row's `r` as written (`12`, or `12.0` by some writers); past Excel's last row
    when it has more digits than any row number."""
    if len(raw) < _ROW_DIGITS and raw.isdigit():
        # The usual `12`: what the general path below gives it, without the split.
        return int(raw)
    whole = raw.split(b".", 1)[0]
    if not whole.isdigit():
        raise ValueError(f"the row number {raw[:20]!r} is not a number")
    if len(whole) >= _ROW_DIGITS:
        return EXCEL_MAX_ROWS + 1
    return int(whole)
