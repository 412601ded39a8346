"""The one Logger, Tracer and Metrics of the application (Powertools)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
