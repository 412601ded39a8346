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

A presigned POST is checked against its policy first (`local.s3_post_form`), because
moto checks none of it.

Every request is answered under `local.lambdas._moto_lock` (moto's backends are not
thread-safe); its body is read before the lock is taken, so a slow upload holds up no one.
"""

import io
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from types import TracebackType
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from local.lambdas import _moto_lock
from local.s3_post_conditions import PostRefused
from local.s3_post_form import FORM_BOUNDARY, PresignedPostForm

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
            environ["CONTENT_TYPE"] = f"multipart/form-data; boundary={FORM_BOUNDARY.decode()}"
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
