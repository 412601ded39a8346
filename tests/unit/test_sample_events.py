"""The sample events in events/ are what the handlers parse (for sam local invoke, docs)."""

import json
from pathlib import Path

import jsonschema

from project_factory.domain.campaigns import BoundariesChanged
from project_factory.domain.resources import CreateResourceRequest
from project_factory.domain.tasks import ChunkTask, MarkFailedTask, ResourceTask

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name):
    return json.loads((EVENTS / name).read_text())


def test_the_boundary_change_sample_matches_the_published_schema():
    # Given the published event schema and the sample event
    schema = load("campaign_boundaries_changed.schema.json")
    event = load("campaign_boundaries_changed.json")
    # When / Then the sample's detail validates, and the handler's model reads it
    jsonschema.validate(event["detail"], schema)
    assert BoundariesChanged.model_validate(event["detail"]).campaignId


def test_the_api_sample_carries_a_valid_create_request():
    # Given / When the sample API event's body is parsed as the handler does
    request = CreateResourceRequest.model_validate_json(load("api_create.json")["body"])
    # Then it is a facility create
    assert request.ResourceDetails.type == "facility"


def test_the_task_samples_parse_as_their_handlers_read_them():
    # Given / When / Then each task input parses into its model
    assert ResourceTask.model_validate(load("task_validate.json")).resourceId
    assert ChunkTask.model_validate(load("task_create_chunk.json")).chunk.rows == 1000
    assert (
        MarkFailedTask.model_validate(load("task_mark_failed.json")).error.Error
        == "InvalidRequestError"
    )


def test_the_s3_upload_sample_names_the_object_by_etag_and_version():
    # Given / When the sample S3 event is read as the upload trigger reads it
    from aws_lambda_powertools.utilities.data_classes import S3Event

    announced = S3Event(load("s3_upload.json")).record.s3.get_object
    # Then it names the object the trigger pins: its ETag and, in a versioned bucket, version
    assert announced.etag and announced.version_id
