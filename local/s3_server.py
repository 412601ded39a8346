"""The local stack's S3 on loopback: moto's own S3 server, in the stack's process.

Presigned URLs (FileStore downloads, large uploads) must work for any client on the
machine: curl, a browser, another process. moto's server is the S3 wire protocol already
(path-style keys, presigned GET/PUT/POST, `x-amz-meta-*`, `response-content-disposition`,
error XML), and run in this process it answers from the same in-memory backends that
`mock_aws` gives the handlers, so what a client PUTs is what `_create` reads.

What it serves is narrowed to what a presigned URL of this stack can reach on AWS:

- S3 only: the app is moto's S3 app, not its domain dispatcher, so no other service (and
  not `/moto-api`, which would reset or dump every backend) is reachable;
- the stack's buckets only: a path outside them (the service root, `/moto-api/...`,
  another bucket) is 403 AccessDenied;
- signed requests only, as for a bucket that blocks public access: a presigned URL
  (`X-Amz-Signature`), an `Authorization` header, or a presigned POST (a form with a
  policy and a signature). moto verifies no signature and no expiry of a URL, so for
  those "signed" means "carries a signature", nothing more.

A presigned POST is checked here against its policy, because moto checks none of it. This
is a stand-in for S3's own policy check, written from S3's documentation, not S3's code:
the form is read as it streams and refused, with S3's codes and XML, when the policy is
not base64 JSON (400 InvalidPolicyDocument), has expired, names a field the form lacks or
holds otherwise (the bucket, the exact `key`, each `x-amz-meta-*`; `eq` and
`starts-with`), or the form has a field the policy does not name (403 AccessDenied), or
when the file is outside the policy's `content-length-range` (400 EntityTooLarge /
EntityTooSmall). At most 20 KiB of fields may precede the file
(MaxPostPreDataLengthExceeded), and a body larger than the range allows (from its
Content-Length) is refused before its file is read; the file itself is held only up to
the range's maximum. What S3 then stores is what moto is given: the fields before the
file and the file (S3 ignores anything after it). The signature over the policy is not
verified (moto's credentials are fake): a client that forges a policy gets past this
check, never past S3's.

Every request is answered under `local.lambdas._moto_lock` (moto's backends are not
thread-safe); its body is read before the lock is taken, so a slow upload holds up no one.
"""

import base64
import binascii
import io
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from local.lambdas import _moto_lock

type StartResponse = Callable[..., Any]
type WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _s3_error(
    start_response: StartResponse,
    status: str,
    code: str,
    message: str,
    details: Mapping[str, object] | None = None,
) -> list[bytes]:
    extra = "".join(
        f"<{name}>{escape(str(value))}</{name}>" for name, value in (details or {}).items()
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{extra}</Error>"
    ).encode()
    start_response(
        status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _is_signed(environ: dict[str, Any], is_bucket_path: bool) -> bool:
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "X-Amz-Signature" in query or "Signature" in query:
        return True
    if environ.get("HTTP_AUTHORIZATION"):
        return True
    # A presigned POST carries its policy and signature in the form: PresignedPostForm
    # refuses one without them.
    return _is_form_post(environ, is_bucket_path)


def _is_form_post(environ: dict[str, Any], is_bucket_path: bool) -> bool:
    """A form POST to the bucket: S3's browser-based upload (a presigned POST)."""
    return (
        is_bucket_path
        and environ.get("REQUEST_METHOD") == "POST"
        and environ.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")
        and not environ.get("HTTP_AUTHORIZATION")
    )


class S3Gate:
    """A WSGI app: the stack's buckets, signed requests only, one request at a time in moto."""

    def __init__(self, moto_s3: WsgiApp, buckets: Collection[str]) -> None:
        self._moto_s3 = moto_s3
        self._buckets = frozenset(buckets)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        bucket, _, key = path.removeprefix("/").partition("/")
        if bucket not in self._buckets:
            return _s3_error(
                start_response, "403 Forbidden", "AccessDenied", "not a bucket of this stack"
            )
        start_response = _with_cors(start_response, bucket, environ)
        if not _is_signed(environ, is_bucket_path=not key):
            return _s3_error(
                start_response,
                "403 Forbidden",
                "AccessDenied",
                "the bucket blocks public access; use a presigned URL",
            )
        if _is_form_post(environ, is_bucket_path=not key):
            try:
                body = PresignedPostForm.read(environ, bucket)
            except PostRefused as refused:
                return _s3_error(
                    start_response, refused.status, refused.code, refused.message, refused.details
                )
            environ["CONTENT_TYPE"] = f"multipart/form-data; boundary={_BOUNDARY.decode()}"
            environ["CONTENT_LENGTH"] = str(len(body))
        else:
            body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        with _moto_lock:
            answer = self._moto_s3(environ, start_response)
            try:
                # Drained under the lock: moto may build the body lazily from its backend.
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


def _with_cors(
    start_response: StartResponse, bucket: str, environ: dict[str, Any]
) -> StartResponse:
    """S3 answers a browser (a request with an Origin) with the CORS headers of the bucket's
    first rule for its origin and method, errors included; moto adds them to some answers
    only (not to a presigned POST's, nor to errors), so they are added here where missing.
    Preflights (OPTIONS) are moto's own."""
    origin = environ.get("HTTP_ORIGIN")
    method = environ.get("REQUEST_METHOD", "")
    if not origin or method == "OPTIONS":
        return start_response
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.s3.utils import cors_matches_origin

    with _moto_lock:
        rules = list(s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(bucket).cors)
    extra: list[tuple[str, str]] = []
    for rule in rules:
        if method in (rule.allowed_methods or []) and cors_matches_origin(
            origin, rule.allowed_origins or []
        ):
            extra = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            if rule.exposed_headers:
                extra.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
            break
    if not extra:
        return start_response

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        if not any(name.lower() == "access-control-allow-origin" for name, _ in headers):
            headers = [*headers, *extra]
        return start_response(status, headers, *exc_info)

    return start


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("wsgi.input_terminated"):
        # Chunked: werkzeug has dechunked the stream and ends it at the last chunk.
        return stream.read()
    return b""


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
_BOUNDARY = b"local-s3-presigned-post"


class PostRefused(Exception):
    """A presigned POST S3 would refuse: the HTTP status, S3's code and message."""

    def __init__(
        self, status: str, code: str, message: str, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})


def _denied(message: str) -> PostRefused:
    return PostRefused("403 Forbidden", "AccessDenied", f"Invalid according to Policy: {message}")


def _malformed(message: str = "") -> PostRefused:
    return PostRefused(
        "400 Bad Request",
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data." + message,
    )


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
            raise _malformed()
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
                        raise _malformed() from error
                    name = None

    def _read_file(self, fields: list[tuple[str, str]], filename: str, content_type: str) -> bytes:
        from werkzeug.sansio.multipart import Data, NeedData

        low, high = self._check_policy(dict(fields))
        if self._remaining > high + _FORM_SLACK_BYTES:
            # The body alone says the file is too large: refused before it is read.
            raise _too_large(high)
        body = bytearray(_encoded_head(fields, filename, content_type))
        size = 0
        while True:
            event = self._next_event()
            if isinstance(event, NeedData):
                continue
            if not isinstance(event, Data):
                raise _malformed()
            size += len(event.data)
            if size > high:
                raise _too_large(high)
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
        body += b"\r\n--" + _BOUNDARY + b"--\r\n"
        return bytes(body)

    def _next_event(self) -> Any:
        from werkzeug.sansio.multipart import NeedData

        try:
            event = self._decoder.next_event()
        except ValueError as error:
            raise _malformed() from error
        if isinstance(event, NeedData):
            self._feed()
        return event

    def _feed(self) -> None:
        if self._remaining <= 0:
            self._decoder.receive_data(None)
            return
        chunk = self._stream.read(min(_READ_BYTES, self._remaining))
        if not chunk:
            raise _malformed(" (the body ended before its Content-Length)")
        self._remaining -= len(chunk)
        self._read_so_far += len(chunk)
        if self._read_so_far > _MAX_POST_FILE_BYTES + MAX_POST_PRE_DATA_BYTES:
            raise _too_large(_MAX_POST_FILE_BYTES)
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
        policy = _decoded_policy(fields["policy"])
        if _expiration(policy) <= datetime.now(UTC):
            raise _denied("Policy expired.")
        values = {**fields, "bucket": self._bucket}  # the bucket posted to, not a field
        conditioned: set[str] = set()
        low, high = 0, _MAX_POST_FILE_BYTES
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                for field, expected in condition.items():
                    conditioned.add(field.lower())
                    _check(["eq", f"${field}", expected], values)
            elif (
                isinstance(condition, list) and condition and condition[0] == "content-length-range"
            ):
                low, high = _size_range(condition)
            elif isinstance(condition, list) and len(condition) == 3:
                conditioned.add(str(condition[1]).removeprefix("$").lower())
                _check(condition, values)
            else:
                raise _invalid_policy(f"Invalid condition: {json.dumps(condition)}")
        extra = [
            field
            for field in fields
            if field not in _UNCONDITIONED
            and not field.startswith("x-ignore-")
            and field not in conditioned
        ]
        if extra:
            raise _denied(f"Extra input fields: {', '.join(extra)}")
        return low, high


def _check(condition: list[Any], values: Mapping[str, str]) -> None:
    operator, field, expected = condition
    name = str(field).removeprefix("$").lower()
    actual = values.get(name)
    if operator == "eq":
        holds = actual == expected
    elif operator == "starts-with":
        holds = actual is not None and actual.startswith(str(expected))
    else:
        raise _invalid_policy(f"Invalid condition operator: {operator}")
    if not holds:
        raise _denied(f"Policy Condition failed: {json.dumps(condition)}")


def _decoded_policy(encoded: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError) as error:
        raise _invalid_policy("Invalid JSON.") from error
    if (
        not isinstance(policy, dict)
        or not isinstance(policy.get("conditions"), list)
        or "expiration" not in policy
    ):
        raise _invalid_policy("Policy needs an expiration and a list of conditions.")
    return policy


def _expiration(policy: dict[str, Any]) -> datetime:
    text = str(policy["expiration"])
    for layout in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise _invalid_policy(f"Invalid Policy: Invalid 'expiration' value: '{text}'")


def _size_range(condition: list[Any]) -> tuple[int, int]:
    if len(condition) != 3 or not all(isinstance(bound, int) for bound in condition[1:]):
        raise _invalid_policy(f"Invalid content-length-range: {json.dumps(condition)}")
    return int(condition[1]), int(condition[2])


def _invalid_policy(message: str) -> PostRefused:
    return PostRefused("400 Bad Request", "InvalidPolicyDocument", f"Invalid Policy: {message}")


def _too_large(limit: int) -> PostRefused:
    return PostRefused(
        "400 Bad Request",
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        {"MaxSizeAllowed": limit},
    )


def _encoded_head(fields: list[tuple[str, str]], filename: str, content_type: str) -> bytes:
    """The form for moto up to the file's bytes: the fields S3 took, then the file part.
    Every name was named by the signed policy; the file name is made safe to quote."""
    head = bytearray()
    for name, value in fields:
        if name.startswith("x-ignore-"):
            continue
        head += b"--" + _BOUNDARY + b"\r\n"
        head += f'Content-Disposition: form-data; name="{_quotable(name)}"\r\n\r\n'.encode()
        head += value.encode() + b"\r\n"
    head += b"--" + _BOUNDARY + b"\r\n"
    head += (
        f'Content-Disposition: form-data; name="file"; filename="{_quotable(filename)}"\r\n'
    ).encode()
    if content_type:
        head += f"Content-Type: {_quotable(content_type)}\r\n".encode()
    return bytes(head + b"\r\n")


def _quotable(text: str) -> str:
    return text.replace("\r", "").replace("\n", "").replace('"', "%22")


class LoopbackS3:
    """moto's S3 served on 127.0.0.1 (a free port by default) until stopped.

        with LoopbackS3(buckets={"my-bucket"}) as s3:
            s3.url  # http://127.0.0.1:PORT

    Start it inside an active `mock_aws`: it answers from whatever backends are current.
    """

    def __init__(self, buckets: Collection[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.buckets = frozenset(buckets)
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback S3 is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> "LoopbackS3":
        # moto's server needs its [server] extra (flask, flask-cors); requirements/dev.txt.
        from moto.moto_server import werkzeug_app
        from werkzeug.serving import make_server

        from local.moto_patches import replaced

        class QuietHandler(werkzeug_app.MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        # No blanket CORS (moto's default adds Access-Control-Allow-Origin: * to every
        # answer): the bucket's own CORS rules (template.yaml: the API's origin, which is
        # loopback here) decide, so a browser on another origin is refused here as on AWS.
        replaced(werkzeug_app, "DISABLE_GLOBAL_CORS")
        with patch.object(werkzeug_app, "DISABLE_GLOBAL_CORS", True):
            moto_s3 = werkzeug_app.create_backend_app("s3")
        app = S3Gate(moto_s3, self.buckets)
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="loopback-s3", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> "LoopbackS3":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
