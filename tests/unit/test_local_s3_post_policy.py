"""The local S3 holds a presigned POST to its policy, as S3 does (moto checks none of it):
expiry, the key, the metadata fields, no field outside the policy, and the size range,
read without holding more than the range allows."""

import base64
import http.client
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from moto import mock_aws

from local.s3_post_form import MAX_POST_PRE_DATA_BYTES
from local.s3_server import LoopbackS3

BUCKET = "pf-local-files"
KEY = "files/mz/3f1c"
META = {"x-amz-meta-filename": "plan.xlsx", "x-amz-meta-tenantid": "mz"}
MAX_BYTES = 1024


class Loopback:
    def __init__(self, s3: Any, url: str) -> None:
        self.s3 = s3
        self.signer = boto3.client(
            "s3", region_name="us-east-1", endpoint_url=url, config=Config(signature_version="s3v4")
        )

    def grant(self, *, expires_in: int = 300, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
        return self.signer.generate_presigned_post(
            BUCKET,
            KEY,
            Fields=dict(META),
            Conditions=[*({k: v} for k, v in META.items()), ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )

    def stored(self) -> bool:
        return "Contents" in self.s3.list_objects_v2(Bucket=BUCKET, Prefix=KEY)


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        with LoopbackS3({BUCKET}) as server:
            yield Loopback(s3, server.url)


def _post(grant: dict[str, Any], data: bytes, **fields: str | None) -> requests.Response:
    form = {
        name: value for name, value in {**grant["fields"], **fields}.items() if value is not None
    }
    return requests.post(grant["url"], data=form, files={"file": ("plan.xlsx", data)}, timeout=30)


def _error(answer: requests.Response) -> str:
    return answer.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def test_a_form_within_its_policy_is_stored_with_its_metadata(loopback):
    # Given a presigned POST
    grant = loopback.grant()
    # When the file is posted with the grant's fields
    answer = _post(grant, b"x" * MAX_BYTES)
    # Then S3 answers 204 and the object holds the file and its metadata
    assert answer.status_code == 204, answer.text
    head = loopback.s3.head_object(Bucket=BUCKET, Key=KEY)
    assert head["ContentLength"] == MAX_BYTES
    assert head["Metadata"] == {"filename": "plan.xlsx", "tenantid": "mz"}


def test_an_expired_policy_is_access_denied(loopback):
    # Given a presigned POST whose policy expired a minute ago
    grant = loopback.grant(expires_in=-60)
    # When the file is posted
    answer = _post(grant, b"data")
    # Then it is refused as S3 refuses it, and nothing is stored
    assert answer.status_code == 403 and _error(answer) == "AccessDenied"
    assert "Policy expired" in answer.text
    assert not loopback.stored()


def test_a_key_the_policy_does_not_allow_is_access_denied(loopback):
    # Given a presigned POST for one key
    grant = loopback.grant()
    # When the form names another key
    answer = _post(grant, b"data", key="files/mz/someone-elses")
    # Then the key condition fails, and neither key is written
    assert answer.status_code == 403 and _error(answer) == "AccessDenied"
    assert '["eq", "$key", "files/mz/3f1c"]' in answer.text
    assert not loopback.stored()
    assert "Contents" not in loopback.s3.list_objects_v2(Bucket=BUCKET, Prefix="files/mz/some")


@pytest.mark.parametrize(
    "changed",
    [{"x-amz-meta-tenantid": "ke"}, {"x-amz-meta-filename": None}],
    ids=["changed", "missing"],
)
def test_a_metadata_field_the_policy_fixes_must_be_sent_as_given(loopback, changed):
    # Given a presigned POST fixing the file's metadata
    grant = loopback.grant()
    # When a metadata field is changed or left out
    answer = _post(grant, b"data", **changed)
    # Then the condition fails and nothing is stored
    assert answer.status_code == 403 and _error(answer) == "AccessDenied"
    assert "Policy Condition failed" in answer.text
    assert not loopback.stored()


def test_a_field_outside_the_policy_is_access_denied(loopback):
    # Given a presigned POST
    grant = loopback.grant()
    # When the form adds metadata the policy does not name
    answer = _post(grant, b"data", **{"x-amz-meta-module": "other"})
    # Then S3 refuses the extra field
    assert answer.status_code == 403 and "Extra input fields: x-amz-meta-module" in answer.text
    assert not loopback.stored()


def test_a_form_without_a_policy_is_access_denied(loopback):
    # Given a presigned POST's fields without the policy and signature
    grant = loopback.grant()
    # When the file is posted with them
    answer = _post(grant, b"data", policy=None, **{"x-amz-signature": None})
    # Then it is an anonymous upload, which the bucket refuses
    assert answer.status_code == 403 and _error(answer) == "AccessDenied"
    assert not loopback.stored()


def test_a_file_one_byte_above_the_range_is_entity_too_large(loopback):
    # Given a presigned POST of at most 1 KiB
    grant = loopback.grant()
    # When a file of 1 KiB and one byte is posted
    answer = _post(grant, b"x" * (MAX_BYTES + 1))
    # Then S3's 400 EntityTooLarge says the maximum, and nothing is stored
    assert answer.status_code == 400 and _error(answer) == "EntityTooLarge"
    assert f"<MaxSizeAllowed>{MAX_BYTES}</MaxSizeAllowed>" in answer.text
    assert not loopback.stored()


def test_an_empty_file_is_entity_too_small(loopback):
    # Given a presigned POST of at least one byte
    grant = loopback.grant()
    # When an empty file is posted
    answer = _post(grant, b"")
    # Then it is refused as too small
    assert answer.status_code == 400 and _error(answer) == "EntityTooSmall"
    assert not loopback.stored()


def test_fields_above_20_kib_before_the_file_are_refused(loopback):
    # Given a presigned POST
    grant = loopback.grant()
    # When more than S3's 20 KiB of fields precede the file
    answer = _post(grant, b"data", **{"x-ignore-padding": "p" * (MAX_POST_PRE_DATA_BYTES + 1)})
    # Then S3's MaxPostPreDataLengthExceeded
    assert answer.status_code == 400 and _error(answer) == "MaxPostPreDataLengthExceeded"


def test_a_form_without_a_file_is_invalid(loopback):
    # Given a presigned POST's fields
    grant = loopback.grant()
    # When they are posted without a file
    answer = requests.post(grant["url"], files={k: (None, v) for k, v in grant["fields"].items()})
    # Then S3 asks for exactly one file
    assert answer.status_code == 400 and _error(answer) == "InvalidArgument"


def test_a_body_far_above_the_range_is_refused_without_holding_it(loopback):
    # Given a presigned POST of at most 1 KiB, and a 64 MiB file streamed at it
    grant = loopback.grant()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        # When it is sent
        status, body = _stream(grant, 64 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Then it is refused as too large, and the server never held more than a fraction of it
    # (werkzeug's own read buffer after an answer is 10 MB, whatever the body)
    assert status == 400 and b"<Code>EntityTooLarge</Code>" in body
    assert peak < 16 << 20, f"peak {peak:,} bytes"
    assert not loopback.stored()


def _stream(grant: dict[str, Any], size: int) -> tuple[int, bytes]:
    """A multipart POST of `size` bytes of file, sent in blocks (never held whole)."""
    boundary = "pf-test-boundary"
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in grant["fields"].items()
    )
    disposition = 'Content-Disposition: form-data; name="file"; filename="big.xlsx"'
    head += f"--{boundary}\r\n{disposition}\r\n\r\n".encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    url = urlsplit(grant["url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.putrequest("POST", url.path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + size + len(tail)))
        connection.endheaders()
        block = b"x" * (64 << 10)
        try:
            connection.send(head)
            for start in range(0, size, len(block)):
                connection.send(block[: min(len(block), size - start)])
            connection.send(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the end: the answer is still read
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_a_policy_that_is_not_base64_json_is_an_invalid_policy_document(loopback):
    # Given a presigned POST whose policy field was mangled
    grant = loopback.grant()
    mangled = base64.b64encode(b"{not json").decode()
    # When the file is posted with it
    answer = _post(grant, b"data", policy=mangled)
    # Then the policy itself is refused
    assert answer.status_code == 400 and _error(answer) == "InvalidPolicyDocument"
    assert not loopback.stored()
