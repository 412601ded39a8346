"""The HTTP API's `$default` route (what no other route takes, in the DIGIT envelope), and
its one open route, `GET /health`.

API Gateway answers an unmatched request with its own `{"message":"Not Found"}` unless
the API has a `$default` route; with this one, clients of the DIGIT API get `Errors[]`
there too: 404 NOT_FOUND for a path the API does not have, 405 METHOD_NOT_ALLOWED (with
`Allow`) for one of its paths under another method.

A function of its own rather than one of the API functions: it needs no AWS access at
all (no policies), reads no settings and builds no clients (about 170 ms of import, the
layer's HTTP helpers), and whatever probes the API for paths lands here, not in the cold
starts, concurrency and logs of a function that does work. The answer itself is the layer's
(`project_factory.http_api.unmatched_route`): the resolver gives it to every event of no
route of its own, and is what every API function answers for a route it does not serve.

`$default` takes the API's JWT authorizer like every route but one, so an anonymous caller
gets API Gateway's 401 for any path, and only a caller with a token learns 404 from 405.
`GET /health` is open (no authorizer in template.yaml): load balancers and uptime checks
carry no token. It answers that the API and this function run, and touches nothing else.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from project_factory.api_contract import Health
from project_factory.http_api import digit_resolver, resolve
from project_factory.observability import logger

app = digit_resolver()


@app.get(
    "/health",
    summary="The API and its functions run",
    tags=["health"],
    # open: load balancers and uptime checks carry no token
    openapi_extensions={"security": []},
)
def health() -> Health:
    return Health()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return resolve(app, event, context)
