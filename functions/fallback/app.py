"""The HTTP API's `$default` route: what no other route takes, in the DIGIT envelope.

API Gateway answers an unmatched request with its own `{"message":"Not Found"}` unless
the API has a `$default` route; with this one, clients of the DIGIT API get `Errors[]`
there too: 404 NOT_FOUND for a path the API does not have, 405 METHOD_NOT_ALLOWED (with
`Allow`) for one of its paths under another method.

A function of its own rather than one of the API functions: it needs no AWS access at
all (no policies), reads no settings and builds no clients (about 120 ms of import, the
layer's HTTP helpers), and whatever probes the API for paths lands here, not in the cold
starts, concurrency and logs of a function that does work. The answer itself is the layer's
(`project_factory.http_api.unmatched_route`): an HttpRouter with no routes gives it to
every event, and is what every API function answers for a route it does not serve.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from project_factory.http_api import HttpRouter
from project_factory.observability import logger

app = HttpRouter()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
