"""S3 ObjectCreated under uploads/: each object starts a create."""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source

from project_factory.errors import InvalidRequestError
from project_factory.flows.upload import accept_upload
from project_factory.observability import logger, metrics, tracer
from project_factory.wiring import load_services

services = load_services()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def handler(event: S3Event, context: Any) -> dict[str, Any]:
    accepted, rejected = [], []
    for record in event.records:
        announced = record.s3.get_object
        key = unquote_plus(announced.key)  # S3 events carry keys URL-encoded
        try:
            # The object the event names, not whatever the key holds by now.
            row = accept_upload(
                key, services, etag=announced.etag or None, version_id=announced.version_id
            )
        except InvalidRequestError as refused:
            # A retry cannot fix a bad key or missing metadata: say so and move on.
            logger.error(
                "upload refused",
                extra={"key": key, "code": refused.code, "reason": refused.message},
            )
            rejected.append(key)
            continue
        logger.info("upload accepted", extra={"key": key, "resource_id": row.id})
        accepted.append(row.id)
    return {"accepted": accepted, "rejected": rejected}
