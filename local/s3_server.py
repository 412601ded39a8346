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
  (`X-Amz-Signature`), an `Authorization` header, or a form POST to the bucket (a
  presigned POST). moto does not verify signatures, expiry or POST policy conditions, so
  "signed" means "carries a signature", nothing more.

Every request is answered under `local.lambdas._moto_lock` (moto's backends are not
thread-safe); its body is read before the lock is taken, so a slow upload holds up no one.
"""

import io
import threading
from collections.abc import Callable, Collection, Iterable
from types import TracebackType
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from local.lambdas import _moto_lock

type StartResponse = Callable[..., Any]
type WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _s3_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
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
    # A presigned POST carries its policy and signature in the form, posted to the bucket.
    return (
        is_bucket_path
        and environ.get("REQUEST_METHOD") == "POST"
        and environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")
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
        if not _is_signed(environ, is_bucket_path=not key):
            return _s3_error(
                start_response,
                "403 Forbidden",
                "AccessDenied",
                "the bucket blocks public access; use a presigned URL",
            )
        environ["wsgi.input"] = io.BytesIO(_read_body(environ))
        with _moto_lock:
            answer = self._moto_s3(environ, start_response)
            try:
                # Drained under the lock: moto may build the body lazily from its backend.
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


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

        class QuietHandler(werkzeug_app.MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        # No blanket CORS (moto's default adds Access-Control-Allow-Origin: * to every
        # answer): the template's bucket declares no CORS rules, so a browser on another
        # origin is refused here as on AWS.
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
