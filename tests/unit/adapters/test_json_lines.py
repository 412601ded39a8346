"""JSON Lines from a stream of chunks: every value once, in order, however it is cut."""

import orjson
import pytest

from project_factory.adapters.json_lines import json_lines

VALUES = [
    {"rowNumber": n, "clientRef": f"res-1:{n}", "name": "Ünïcode é " * (n % 4)} for n in range(40)
]
BODY = b"".join(orjson.dumps(value) + b"\n" for value in VALUES)


def cut(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1000, len(BODY)])
def test_every_value_comes_once_in_order_however_the_chunks_cut_the_lines(size):
    # Given a JSON Lines body cut into chunks of `size` bytes (mid-line, mid-character)
    chunks = cut(BODY, size)
    assert len(chunks) >= 1

    # When its values are read
    read = list(json_lines(chunks))

    # Then they are the values written, each once, in order
    assert read == VALUES


def test_a_last_line_without_its_newline_is_read():
    # Given a body whose last line has no newline
    body = BODY + orjson.dumps({"last": True})

    # When its values are read in chunks of 5 bytes
    read = list(json_lines(cut(body, 5)))

    # Then the last value is among them, after the others
    assert read == [*VALUES, {"last": True}]


def test_empty_lines_are_no_values():
    # Given a body with empty lines between, before and after its values
    body = b"\n" + b"\n\n".join(orjson.dumps(value) for value in VALUES[:3]) + b"\n\n"

    # When its values are read
    read = list(json_lines(cut(body, 3)))

    # Then only the values come
    assert read == VALUES[:3]


def test_nothing_is_read_from_no_bytes():
    # Given / When an empty body is read / Then it has no values
    assert list(json_lines([])) == [] and list(json_lines([b""])) == []
