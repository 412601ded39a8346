"""The local S3's presigned POST: the form read as it streams, checked against its policy
and encoded again for moto.

moto checks none of a presigned POST's policy, so the local S3 (`local.s3_server`) does
it here. This is a stand-in for S3's own policy check, written from S3's documentation,
not S3's code: the form is read as it streams and refused, with S3's codes and XML, when
the policy is not base64 JSON (400 InvalidPolicyDocument), has expired, names a field
the form lacks or holds otherwise (the bucket, the exact `key`, each `x-amz-meta-*`;
`eq` and `starts-with`), or the form has a field the policy does not name (403
AccessDenied), or when the file is outside the policy's `content-length-range` (400
EntityTooLarge / EntityTooSmall). At most 20 KiB of fields may precede the file
(MaxPostPreDataLengthExceeded), and a body larger than the range allows (from its
Content-Length) is refused before its file is read; the file itself is held only up to
the range's maximum. What S3 then stores is what moto is given: the fields before the
file and the file (S3 ignores anything after it). The signature over the policy is not
verified (moto's credentials are fake): a client that forges a policy gets past this
check, never past S3's.
"""

import json
from datetime import UTC, datetime
from typing import Any

from local.s3_post_conditions import (
    PostRefused,
    check,
    decoded_policy,
    denied,
    expiration,
    invalid_policy,
    malformed,
    size_range,
    too_large,
)

#: S3 takes at most this much form data before the file (MaxPostPreDataLengthExceeded).
MAX_POST_PRE_DATA_BYTES = 20 * 1024
#: what a form may hold beyond its fields and its file: boundaries and part headers
_FORM_SLACK_BYTES = 16 * 1024
#: S3's largest POST upload, for a policy without content-length-range
_MAX_POST_FILE_BYTES = 5 << 30
#: a refused body is read (and dropped) up to this much, so the client hears the answer
_DRAIN_BYTES = 256 << 20
_READ_BYTES = 64 * 1024
#: form fields no policy condition has to name (SigV4 and SigV2 forms)
_UNCONDITIONED = frozenset({"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"})
#: the boundary of the form handed to moto
FORM_BOUNDARY = b"local-s3-presigned-post"


class PresignedPostForm:
    """Reads one presigned POST as it streams and checks it against its policy."""

    def __init__(self, environ: dict[str, Any], bucket: str) -> None:
        from werkzeug.http import parse_options_header
        from werkzeug.sansio.multipart import MultipartDecoder

        length = environ.get("CONTENT_LENGTH")
        if not length:
            raise PostRefused(
                "411 Length Required",
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            )
        self._remaining = int(length)
        self._stream = environ["wsgi.input"]
        _, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
        boundary = options.get("boundary", "")
        if not boundary:
            raise malformed()
        self._decoder = MultipartDecoder(boundary.encode())
        self._bucket = bucket
        self._read_so_far = 0

    @classmethod
    def read(cls, environ: dict[str, Any], bucket: str) -> bytes:
        """The form S3 would act on (the fields before the file, then the file), encoded
        for moto; PostRefused when S3 would refuse it."""
        form = cls(environ, bucket)
        try:
            return form._read()
        except PostRefused:
            form._drain()
            raise

    def _read(self) -> bytes:
        from werkzeug.sansio.multipart import Data, Epilogue, Field, File, NeedData

        fields: list[tuple[str, str]] = []
        pre_data = 0
        name: str | None = None
        value = bytearray()
        while True:
            event = self._next_event()
            if isinstance(event, NeedData):
                continue
            if isinstance(event, Epilogue):
                raise PostRefused(
                    "400 Bad Request",
                    "InvalidArgument",
                    "POST requires exactly one file upload per request.",
                )
            if isinstance(event, Field | File):
                name = event.name.lower()
                if name == "file":
                    filename = event.filename if isinstance(event, File) else ""
                    content_type = event.headers.get("Content-Type", "")
                    return self._read_file(fields, filename, content_type)
                value = bytearray()
            elif isinstance(event, Data) and name is not None:
                pre_data += len(event.data)
                if pre_data > MAX_POST_PRE_DATA_BYTES:
                    raise PostRefused(
                        "400 Bad Request",
                        "MaxPostPreDataLengthExceeded",
                        "Your POST request fields preceding the upload file were too large.",
                        {"MaxPostPreDataLengthBytes": MAX_POST_PRE_DATA_BYTES},
                    )
                value += event.data
                if not event.more_data:
                    try:
                        fields.append((name, value.decode()))
                    except UnicodeDecodeError as error:
                        raise malformed() from error
                    name = None

    def _read_file(self, fields: list[tuple[str, str]], filename: str, content_type: str) -> bytes:
        from werkzeug.sansio.multipart import Data, NeedData

        low, high = self._check_policy(dict(fields))
        if self._remaining > high + _FORM_SLACK_BYTES:
            # The body alone says the file is too large: refused before it is read.
            raise too_large(high)
        body = bytearray(_encoded_head(fields, filename, content_type))
        size = 0
        while True:
            event = self._next_event()
            if isinstance(event, NeedData):
                continue
            if not isinstance(event, Data):
                raise malformed()
            size += len(event.data)
            if size > high:
                raise too_large(high)
            body += event.data
            if not event.more_data:
                break
        if size < low:
            raise PostRefused(
                "400 Bad Request",
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
                {"ProposedSize": size, "MinSizeAllowed": low},
            )
        # S3 ignores what follows the file; it is read (a few boundary bytes) and dropped.
        self._drain()
        body += b"\r\n--" + FORM_BOUNDARY + b"--\r\n"
        return bytes(body)

    def _next_event(self) -> Any:
        from werkzeug.sansio.multipart import NeedData

        try:
            event = self._decoder.next_event()
        except ValueError as error:
            raise malformed() from error
        if isinstance(event, NeedData):
            self._feed()
        return event

    def _feed(self) -> None:
        if self._remaining <= 0:
            self._decoder.receive_data(None)
            return
        chunk = self._stream.read(min(_READ_BYTES, self._remaining))
        if not chunk:
            raise malformed(" (the body ended before its Content-Length)")
        self._remaining -= len(chunk)
        self._read_so_far += len(chunk)
        if self._read_so_far > _MAX_POST_FILE_BYTES + MAX_POST_PRE_DATA_BYTES:
            raise too_large(_MAX_POST_FILE_BYTES)
        self._decoder.receive_data(chunk)

    def _drain(self) -> None:
        """Reads what is left of the body, keeping none of it (and stops at _DRAIN_BYTES:
        past that, the connection closes on the client)."""
        drained = 0
        while self._remaining > 0 and drained < _DRAIN_BYTES:
            chunk = self._stream.read(min(_READ_BYTES, self._remaining))
            if not chunk:
                break
            self._remaining -= len(chunk)
            drained += len(chunk)

    def _check_policy(self, fields: dict[str, str]) -> tuple[int, int]:
        """The policy's size range, once every one of its conditions holds for the form."""
        if "policy" not in fields or not (fields.get("x-amz-signature") or fields.get("signature")):
            raise PostRefused(
                "403 Forbidden",
                "AccessDenied",
                "the bucket blocks public access; use a presigned POST (policy and signature)",
            )
        policy = decoded_policy(fields["policy"])
        if expiration(policy) <= datetime.now(UTC):
            raise denied("Policy expired.")
        values = {**fields, "bucket": self._bucket}  # the bucket posted to, not a field
        conditioned: set[str] = set()
        low, high = 0, _MAX_POST_FILE_BYTES
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                for field, expected in condition.items():
                    conditioned.add(field.lower())
                    check(["eq", f"${field}", expected], values)
            elif (
                isinstance(condition, list) and condition and condition[0] == "content-length-range"
            ):
                low, high = size_range(condition)
            elif isinstance(condition, list) and len(condition) == 3:
                conditioned.add(str(condition[1]).removeprefix("$").lower())
                check(condition, values)
            else:
                raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")
        extra = [
            field
            for field in fields
            if field not in _UNCONDITIONED
            and not field.startswith("x-ignore-")
            and field not in conditioned
        ]
        if extra:
            raise denied(f"Extra input fields: {', '.join(extra)}")
        return low, high


def _encoded_head(fields: list[tuple[str, str]], filename: str, content_type: str) -> bytes:
    """The form for moto up to the file's bytes: the fields S3 took, then the file part.
    Every name was named by the signed policy; the file name is made safe to quote."""
    head = bytearray()
    for name, value in fields:
        if name.startswith("x-ignore-"):
            continue
        head += b"--" + FORM_BOUNDARY + b"\r\n"
        head += f'Content-Disposition: form-data; name="{_quotable(name)}"\r\n\r\n'.encode()
        head += value.encode() + b"\r\n"
    head += b"--" + FORM_BOUNDARY + b"\r\n"
    head += (
        f'Content-Disposition: form-data; name="file"; filename="{_quotable(filename)}"\r\n'
    ).encode()
    if content_type:
        head += f"Content-Type: {_quotable(content_type)}\r\n".encode()
    return bytes(head + b"\r\n")


def _quotable(text: str) -> str:
    return text.replace("\r", "").replace("\n", "").replace('"', "%22")
