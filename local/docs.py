"""The local HTTP API's `/docs`: Swagger UI over the API's OpenAPI document.

    GET /docs                       Swagger UI ("Authorize" takes a bearer token)
    GET /docs/openapi.json          the document (also /docs?format=json, as the UI asks)
    GET /docs/swagger-ui.min.css    the UI's files, from Powertools' package: no CDN,
    GET /docs/swagger-ui-bundle.min.js  so it works with no network but loopback

The document is written from the running stack's own resolvers (local/openapi.py), the
same text `make openapi` commits to docs/openapi.json. Only the local stack serves this:
on AWS, docs/openapi.json is the contract to generate clients from.
"""

import threading
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from local.deployed import DeployedStack
from local.lambdas import InProcessRuntime
from local.openapi import document

PREFIX = "/docs"
_ASSETS = Path(swagger_ui.__file__).resolve().parent
_FILES = {
    "swagger-ui.min.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.min.js": "text/javascript; charset=utf-8",
}
_JSON = "application/json"

Answer = tuple[int, dict[str, str], bytes]


class ApiDocs:
    def __init__(self, stack: DeployedStack, runtime: InProcessRuntime) -> None:
        self._stack, self._runtime = stack, runtime
        self._document: str | None = None
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, query: str) -> Answer | None:
        """The answer to a request under /docs, or None for any other request."""
        if method not in ("GET", "HEAD") or not (path == PREFIX or path.startswith(f"{PREFIX}/")):
            return None
        name = path.removeprefix(PREFIX).strip("/")
        if name == "openapi.json" or (not name and query == "format=json"):
            return 200, {"content-type": _JSON}, self.document().encode()
        if not name:
            return 200, {"content-type": "text/html; charset=utf-8"}, self._page().encode()
        if name in _FILES:
            return 200, {"content-type": _FILES[name]}, (_ASSETS / name).read_bytes()
        return 404, {"content-type": _JSON}, b'{"message":"Not Found"}'

    def document(self) -> str:
        """Written once per stack, on first use (it imports every API function)."""
        with self._lock:
            if self._document is None:
                self._document = document(self._stack, self._runtime)
            return self._document

    def _page(self) -> str:
        return generate_swagger_html(
            self.document(),
            f"{PREFIX}/swagger-ui-bundle.min.js",
            f"{PREFIX}/swagger-ui.min.css",
            PREFIX,
            None,
            persist_authorization=True,
        )
