"""The web console's static files through the HTTP API: `GET /` and `GET /console/{proxy+}`.

The console (index.html and its ES modules, beside this file) is served from the API's own
origin, so the page calls the API with relative URLs and needs no CORS for it; the same
code serves it on AWS and on the local stack, which routes these two open routes to this
function as API Gateway does. The routes take no authorizer (like /health): the files hold
no data, and every call the page makes carries the user's token.

Only the files listed at import are served (a dictionary lookup, so no path can reach
outside this folder, and this module is never among them); each answer carries the
headers a browser needs to keep the page to itself:

- Content-Security-Policy: everything from the page's own origin, plus `connect-src` for
  the files bucket, which the page fetches and uploads to through presigned URLs (on AWS
  the bucket's S3 hosts; on the local stack its loopback S3, FILES_PUBLIC_ENDPOINT);
  no inline script or style, no framing, no plugins, forms post only to the page's origin;
- X-Content-Type-Options nosniff, Referrer-Policy no-referrer (presigned URLs never leak
  through a Referer), X-Frame-Options DENY, HSTS;
- an ETag, so a browser revalidates instead of fetching again (Cache-Control no-cache).

Standard library only, and nothing of the layer: a cold start is the import of this file.
"""

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_TEXT = frozenset({".html", ".js", ".css", ".svg"})
INDEX = "index.html"


def _files() -> dict[str, tuple[bytes, str, str]]:
    """Every servable file under ROOT: relative path -> (bytes, content type, ETag)."""
    files = {}
    for path in sorted(ROOT.rglob("*")):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            data = path.read_bytes()
            etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
            files[path.relative_to(ROOT).as_posix()] = (data, CONTENT_TYPES[path.suffix], etag)
    return files


FILES = _files()


def s3_origins(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The origins the page's presigned URLs point at: what connect-src must allow."""
    public = environ.get("FILES_PUBLIC_ENDPOINT", "")
    if public:
        parts = urlsplit(public)
        return [f"{parts.scheme}://{parts.netloc}"]
    bucket = environ.get("FILES_BUCKET", "")
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    if not bucket:
        return []
    # Virtual-hosted URLs, as boto3 signs them: the regional host, and the global one
    # that us-east-1 URLs use.
    return [f"https://{bucket}.s3.{region}.amazonaws.com", f"https://{bucket}.s3.amazonaws.com"]


def security_headers(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    connect = " ".join(["'self'", *s3_origins(environ)])
    policy = "; ".join(
        [
            "default-src 'self'",
            f"connect-src {connect}",
            "img-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "Cache-Control": "no-cache",
    }


def _not_found(path: str) -> dict[str, Any]:
    """404 in the DIGIT envelope, as every other answer of the API."""
    body = {
        "ResponseInfo": None,
        "Errors": [
            {
                "code": "NOT_FOUND",
                "message": f"the console has no file {path}",
                "description": "not a file of the web console",
                "params": ["GET", path],
            }
        ],
    }
    return {
        "statusCode": 404,
        "headers": {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"},
        "body": json.dumps(body),
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = event.get("rawPath") or "/"
    if path == "/":
        name = INDEX
    else:
        name = (event.get("pathParameters") or {}).get("proxy") or path.removeprefix("/console/")
    found = FILES.get(name)
    if found is None:
        return _not_found(path)
    data, content_type, etag = found
    headers = {"Content-Type": content_type, "ETag": etag, **security_headers()}
    request_headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if etag in {tag.strip() for tag in request_headers.get("if-none-match", "").split(",")}:
        return {"statusCode": 304, "headers": headers, "body": ""}
    if Path(name).suffix in _TEXT:
        return {"statusCode": 200, "headers": headers, "body": data.decode("utf-8")}
    return {
        "statusCode": 200,
        "headers": headers,
        "body": base64.b64encode(data).decode(),
        "isBase64Encoded": True,
    }
