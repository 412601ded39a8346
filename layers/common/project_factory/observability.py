"""The one Logger, Tracer and Metrics of the application (Powertools).

The Tracer is built on the first traced invocation, not at import: Powertools' Tracer
loads the X-Ray SDK, which imports botocore (about 200 ms). Functions pay that when they
first run (boto3 needs botocore then anyway), and an import stays small.
"""

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from aws_lambda_powertools import Logger, Metrics

Handler = Callable[[Any, Any], Any]

logger = Logger()
metrics = Metrics()


class LazyTracer:
    @cached_property
    def tracer(self) -> Any:
        from aws_lambda_powertools import Tracer

        return Tracer()

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        traced: Handler | None = None

        @wraps(handler)
        def run(event: Any, context: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.tracer.capture_lambda_handler(handler)
            return traced(event, context)

        return run


tracer = LazyTracer()
