"""The console's handler (console/handler.py): which files it serves, how, and with which
headers, on AWS (the bucket's S3 hosts) and on the local stack (its loopback S3)."""

import base64
import importlib.util
import json

import pytest

from local.template import ROOT

CONSOLE = ROOT / "console"


@pytest.fixture(scope="module")
def console():
    spec = importlib.util.spec_from_file_location("console_handler", CONSOLE / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _get(console, path: str, **headers: str) -> dict:
    event = {"rawPath": path, "headers": headers}
    if path.startswith("/console/"):
        event["pathParameters"] = {"proxy": path.removeprefix("/console/")}
    return console.handler(event, None)


def test_it_serves_the_page_and_its_assets_and_nothing_else(console):
    # Given the files beside the handler
    served = set(console.FILES)
    # Then the page, its modules, its style and its icon are served, the handler is not
    assert {"index.html", "app.js", "api.js", "style.css", "favicon.svg"} <= served
    assert not any(name.endswith(".py") for name in served)
    assert served == {
        path.name for path in CONSOLE.iterdir() if path.suffix in console.CONTENT_TYPES
    }


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/console/index.html", "text/html; charset=utf-8"),
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/style.css", "text/css; charset=utf-8"),
        ("/console/favicon.svg", "image/svg+xml"),
    ],
)
def test_each_file_comes_with_its_content_type(console, path, content_type):
    answer = _get(console, path)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == content_type
    name = "index.html" if path == "/" else path.removeprefix("/console/")
    assert answer["body"] == (CONSOLE / name).read_text()


@pytest.mark.parametrize(
    "path", ["/console/handler.py", "/console/../template.yaml", "/console/nowhere.js"]
)
def test_anything_else_is_404_in_the_digit_envelope(console, path):
    answer = _get(console, path)
    assert answer["statusCode"] == 404
    [error] = json.loads(answer["body"])["Errors"]
    assert error["code"] == "NOT_FOUND"
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"


def test_on_aws_the_page_may_connect_to_its_own_origin_and_the_files_bucket(console):
    # Given the environment of the function on AWS (no public endpoint of our own)
    environ = {"FILES_BUCKET": "pf-files-123-eu-west-1", "AWS_REGION": "eu-west-1"}
    # When its security headers are made
    headers = console.security_headers(environ)
    # Then connect-src names the bucket's S3 hosts, and the rest is the page's own origin
    policy = dict(part.split(" ", 1) for part in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["connect-src"] == (
        "'self' https://pf-files-123-eu-west-1.s3.eu-west-1.amazonaws.com"
        " https://pf-files-123-eu-west-1.s3.amazonaws.com"
    )
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_on_the_local_stack_the_page_may_connect_to_its_loopback_s3(console):
    environ = {"FILES_PUBLIC_ENDPOINT": "http://127.0.0.1:45123/", "FILES_BUCKET": "b"}
    policy = console.security_headers(environ)["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:45123;" in policy


def test_an_unchanged_file_is_304_and_a_binary_one_base64(console):
    first = _get(console, "/console/app.js")
    again = _get(console, "/console/app.js", **{"If-None-Match": first["headers"]["ETag"]})
    assert again["statusCode"] == 304 and again["body"] == ""
    # A file that is not text (an icon) goes base64-encoded, as API Gateway expects
    console.FILES["icon.png"] = (b"\x89PNG\r\n", "image/png", '"x"')
    try:
        answer = _get(console, "/console/icon.png")
    finally:
        del console.FILES["icon.png"]
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == b"\x89PNG\r\n"
