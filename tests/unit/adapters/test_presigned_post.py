"""The presigned upload is a POST whose signed policy S3 enforces: the exact key, the
metadata the FileStore reads back, and a size of 1 to upload_max_bytes."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from project_factory.adapters.file_store import file_key
from project_factory.adapters.s3_file_store import S3FileStore

BUCKET = "pf-files-test"


def _grant(**options: Any) -> tuple[Any, dict[str, Any]]:
    with mock_aws():
        client = boto3.client(
            "s3", region_name="us-east-1", config=Config(signature_version="s3v4")
        )
        store = S3FileStore(client, BUCKET)
        grant = store.presigned_post(
            "mz.chimoio",
            filename=options.get("filename", "march plan é.xlsx"),
            module="HCM-ADMIN-CONSOLE",
            ttl_seconds=options.get("ttl", 900),
            max_bytes=options.get("max_bytes", 64 << 20),
        )
    policy = json.loads(base64.b64decode(grant.fields["policy"]))
    return grant, policy


def test_the_policy_fixes_the_key_the_bucket_and_every_metadata_field():
    # When a presigned upload is made
    grant, policy = _grant()
    conditions = policy["conditions"]
    # Then the policy names the bucket and exactly the new file's key
    assert {"bucket": BUCKET} in conditions
    assert {"key": file_key("mz.chimoio", grant.file_store_id)} in conditions
    # and each metadata field the FileStore reads, with the value the form carries
    metadata = {
        "x-amz-meta-filename": "march%20plan%20%C3%A9.xlsx",
        "x-amz-meta-module": "HCM-ADMIN-CONSOLE",
        "x-amz-meta-tenantid": "mz.chimoio",
    }
    for field, value in metadata.items():
        assert {field: value} in conditions
        assert grant.fields[field] == value
    assert grant.fields["key"] == file_key("mz.chimoio", grant.file_store_id)


def test_the_policy_limits_the_size_to_one_byte_up_to_the_upload_limit():
    # When a presigned upload is made with an upload limit of 5 MiB
    grant, policy = _grant(max_bytes=5 << 20)
    # Then the policy's size range is [1, 5 MiB], and the grant says the maximum
    assert ["content-length-range", 1, 5 << 20] in policy["conditions"]
    assert grant.max_bytes == 5 << 20


def test_the_policy_expires_with_the_url_ttl_and_is_signed():
    # When a presigned upload of 300 seconds is made
    before = datetime.now(UTC).replace(microsecond=0)
    grant, policy = _grant(ttl=300)
    # Then the policy expires 300 seconds from now, and the form carries its signature
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=299) <= expires <= before + timedelta(seconds=302)
    assert grant.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert len(grant.fields["x-amz-signature"]) == 64


def test_no_form_field_is_left_outside_the_policy():
    # When a presigned upload is made
    grant, policy = _grant()
    # Then every field the client must send is one a condition names (S3 refuses others)
    named = {
        name
        for condition in policy["conditions"]
        if isinstance(condition, dict)
        for name in condition
    }
    assert set(grant.fields) - {"policy", "x-amz-signature"} <= named
