"""The one Logger, Tracer and Metrics of the application (Powertools).

The Tracer is built on the first traced invocation, not at import: Powertools' Tracer
loads the X-Ray SDK, which imports botocore (about 200 ms). Functions pay that when they
first run (boto3 needs botocore then anyway), and an import stays small.
"""

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

Handler = Callable[[Any, Any], Any]


class _EmfProvider(AmazonCloudWatchEMFProvider):
    """Powertools' CloudWatch EMF provider, emptied after every invocation even when off.

    With POWERTOOLS_METRICS_DISABLED, Powertools' flush keeps what it does not publish, so a
    long-lived process (the local stack, a test run) gathers values until the 100th of one
    name makes it serialise them, and without a namespace that raises inside a handler.
    """

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
        if is_metrics_disabled():
            self.clear_metrics()


logger = Logger()
metrics = Metrics()
# The same shared sets Metrics() gives its own provider, so add_metric anywhere lands here.
metrics.provider = _EmfProvider(
    metric_set=metrics.metric_set,
    dimension_set=metrics.dimension_set,
    metadata_set=metrics.metadata_set,
    default_dimensions=metrics.default_dimensions,
)


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
