"""What the API functions take as request bodies, read strictly: JSON within size and
depth limits, text that is UTF-8, and multipart/form-data uploads. Each refusal is a 400
with a code (JSON_TOO_LARGE, JSON_TOO_DEEP, INVALID_JSON, INVALID_ENCODING,
INVALID_CONTENT_TYPE), never a 500."""

import base64
import binascii
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import HTTP
from typing import Any

import orjson

from project_factory.domain.files import UploadedPart
from project_factory.errors import InvalidRequestError


@dataclass(frozen=True)
class MultipartForm:
    """A multipart/form-data body: its plain fields (the last of a name wins) and its files."""

    fields: dict[str, str]
    files: list[UploadedPart]


def parse_multipart(content_type: str, body: bytes) -> MultipartForm:
    """400 INVALID_CONTENT_TYPE unless the body is multipart/form-data."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequestError(
            "files are uploaded as multipart/form-data", code="INVALID_CONTENT_TYPE"
        )
    message = message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=HTTP
    )
    fields: dict[str, str] = {}
    files: list[UploadedPart] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        decoded = part.get_payload(decode=True)  # None for a part that nests others
        payload = decoded if isinstance(decoded, bytes) else b""
        if filename:
            files.append(UploadedPart(filename, part.get_content_type(), payload))
        elif isinstance(name, str):
            fields[name] = payload.decode()
    return MultipartForm(fields, files)


#: The largest JSON body a route takes (API Gateway's own limit is 10 MB): the biggest
#: honest body, a campaign with every boundary of a country listed, is well under it.
MAX_JSON_BYTES = 4 * 1024 * 1024
#: The deepest nesting a JSON body may have. DIGIT's own bodies nest about six levels
#: (RequestInfo.userInfo.roles[].code); deeper is an attack on the parser, not a request.
MAX_JSON_DEPTH = 32


def parse_json(text: str) -> Any:
    """A request body as JSON, for the resolver: a body that is not JSON, is larger than
    MAX_JSON_BYTES or nests deeper than MAX_JSON_DEPTH is a clear 400, never a 500."""
    if len(text) > MAX_JSON_BYTES:
        # Characters, not bytes: a cheap bound that never undercounts by more than 4x, and
        # the exact byte count is checked next only when it could matter.
        size = len(text.encode())
        if size > MAX_JSON_BYTES:
            raise InvalidRequestError(
                f"the body is {size:,} bytes; JSON bodies are at most {MAX_JSON_BYTES:,} bytes",
                code="JSON_TOO_LARGE",
                size=size,
                limit=MAX_JSON_BYTES,
            )
    try:
        # orjson: linear, and it stops at 1024 levels ("depth limit exceeded") where
        # json.loads would overflow the stack (RecursionError, a 500) on "[[[[...".
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if error.msg.startswith("depth limit"):
            raise _too_deep() from error
        raise InvalidRequestError(
            f"the body is not valid JSON: {error.msg}", code="INVALID_JSON"
        ) from error
    if _depth(value) > MAX_JSON_DEPTH:
        raise _too_deep()
    return value


def _too_deep() -> InvalidRequestError:
    return InvalidRequestError(
        f"the body nests deeper than {MAX_JSON_DEPTH} levels", code="JSON_TOO_DEEP"
    )


def _depth(value: Any) -> int:
    """How deep `value` nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def text_body(
    body: str | None, is_base64_encoded: bool, content_type: str
) -> tuple[str | None, bool]:
    """The event's body as text where it is meant to be text.

    API Gateway base64-encodes a body that is not UTF-8 text. Every route but the
    multipart upload takes text, so such a body there is decoded once, strictly: bytes
    that are not UTF-8 are a 400 INVALID_ENCODING, not a parse error further down.
    """
    if not is_base64_encoded or content_type.lower().startswith("multipart/"):
        return body, is_base64_encoded
    try:
        raw = base64.b64decode(body or "", validate=True)
    except binascii.Error as error:
        raise InvalidRequestError(
            "the body is neither text nor valid base64", code="INVALID_ENCODING"
        ) from error
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError as error:
        raise InvalidRequestError(
            f"the body is not valid UTF-8 (byte {error.start:,} is {raw[error.start]:#04x})",
            code="INVALID_ENCODING",
        ) from error
