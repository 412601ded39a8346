"""The FileStore reads exactly the object it pinned (issue #11, item 5): by VersionId where
the bucket keeps versions, and always with If-Match on the ETag, so a bucket without
versions still refuses an object that changed under the same key."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from project_factory.adapters.file_store import file_key
from project_factory.adapters.s3_file_store import S3FileStore
from project_factory.domain.files import XLSX, FilePin
from project_factory.errors import InvalidRequestError, NotFoundError

BUCKET = "pf-files-test"
TENANT = "mz"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def versioned(s3: Any) -> Any:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def _store(s3: Any) -> S3FileStore:
    return S3FileStore(s3, BUCKET)


def _put(store: S3FileStore, data: bytes, file_store_id: str | None = None) -> str:
    stored = store.put(
        TENANT,
        data,
        filename="plan.xlsx",
        module="m",
        content_type=XLSX,
        file_store_id=file_store_id,
    )
    return stored.file_store_id


def _overwrite(s3: Any, file_store_id: str, data: bytes) -> None:
    """What re-sending a presigned upload does: another object under the same key."""
    s3.put_object(Bucket=BUCKET, Key=file_key(TENANT, file_store_id), Body=data)


def _calls(s3: Any, operation: str) -> list[dict[str, Any]]:
    """The parameters of every `operation` the client sends from now on."""
    seen: list[dict[str, Any]] = []
    s3.meta.events.register(
        f"provide-client-params.s3.{operation}", lambda params, **_: seen.append(dict(params))
    )
    return seen


def test_describe_pins_the_object_by_its_version_and_etag(versioned):
    # Given a file in a bucket that keeps versions
    store = _store(versioned)
    file_store_id = _put(store, b"accepted")
    # When it is described
    described = store.describe(TENANT, file_store_id)
    # Then the pin is the object's own VersionId and ETag
    head = versioned.head_object(Bucket=BUCKET, Key=file_key(TENANT, file_store_id))
    assert described.pin == FilePin(head["ETag"], head["VersionId"])
    assert described.pin.version_id and described.pin.etag.startswith('"')


def test_a_pinned_read_asks_s3_for_that_version_and_that_etag(versioned):
    # Given a pinned file
    store = _store(versioned)
    file_store_id = _put(store, b"accepted")
    pin = store.describe(TENANT, file_store_id).pin
    gets, heads = _calls(versioned, "GetObject"), _calls(versioned, "HeadObject")
    # When it is described and read with its pin
    store.describe(TENANT, file_store_id, pin)
    store.read(TENANT, file_store_id, pin)
    # Then both requests name the version and are conditional on the ETag
    assert pin is not None
    for params in (*heads, *gets):
        assert params["VersionId"] == pin.version_id
        assert params["IfMatch"] == pin.etag


def test_a_pinned_read_gives_the_accepted_bytes_after_the_key_is_overwritten(versioned):
    # Given a pinned file, then another upload under the same fileStoreId
    store = _store(versioned)
    file_store_id = _put(store, b"accepted")
    pin = store.describe(TENANT, file_store_id).pin
    _overwrite(versioned, file_store_id, b"swapped in later")
    # When it is read and described with the pin
    data = store.read(TENANT, file_store_id, pin)
    described = store.describe(TENANT, file_store_id, pin)
    # Then it is the object accepted, not the later one
    assert data == b"accepted"
    assert described.size == len(b"accepted") and described.pin == pin
    assert store.read(TENANT, file_store_id) == b"swapped in later"


def test_a_pinned_read_of_a_changed_object_is_file_changed_without_versions(s3):
    # Given a pinned file in a bucket that keeps no versions, then overwritten
    store = _store(s3)
    file_store_id = _put(store, b"accepted")
    pin = store.describe(TENANT, file_store_id).pin
    assert pin is not None and pin.version_id is None
    _overwrite(s3, file_store_id, b"swapped in later")
    # When it is read or described with the pin
    # Then both refuse with FILE_CHANGED, naming the file, rather than give the new bytes
    for attempt in (store.read, store.describe):
        with pytest.raises(InvalidRequestError) as refused:
            attempt(TENANT, file_store_id, pin)
        assert refused.value.code == "FILE_CHANGED"
        assert file_store_id in refused.value.message


def test_a_pinned_version_that_is_gone_is_file_not_found(versioned):
    # Given a pinned file whose accepted version was deleted after a newer upload
    store = _store(versioned)
    file_store_id = _put(store, b"accepted")
    pin = store.describe(TENANT, file_store_id).pin
    assert pin is not None
    _overwrite(versioned, file_store_id, b"swapped in later")
    versioned.delete_object(
        Bucket=BUCKET, Key=file_key(TENANT, file_store_id), VersionId=pin.version_id
    )
    # When it is read or described with the pin
    # Then both say the file as accepted no longer exists
    for attempt in (store.read, store.describe):
        with pytest.raises(NotFoundError) as missing:
            attempt(TENANT, file_store_id, pin)
        assert missing.value.code == "FILE_NOT_FOUND"
        assert "no longer exists as it was accepted" in missing.value.message


def test_an_unpinned_read_gives_what_the_key_holds(versioned):
    # Given a file overwritten under the same fileStoreId (a row stored before pinning)
    store = _store(versioned)
    file_store_id = _put(store, b"first")
    _overwrite(versioned, file_store_id, b"second")
    # When it is read without a pin
    # Then it is the current object, as before pins existed
    assert store.read(TENANT, file_store_id) == b"second"
    assert store.describe(TENANT, file_store_id).size == len(b"second")


def test_a_copy_in_takes_the_notified_version_even_after_the_upload_is_replaced(versioned):
    # Given an upload under uploads/, notified with its version, then replaced
    store = _store(versioned)
    source = f"uploads/{TENANT}/facility/march.xlsx"
    first = versioned.put_object(Bucket=BUCKET, Key=source, Body=b"notified")
    versioned.put_object(Bucket=BUCKET, Key=source, Body=b"replaced")
    notified = FilePin(first["ETag"], first["VersionId"])
    # When the notified object is copied in as a FileStore file
    copied = store.copy_in(TENANT, source, file_store_id="f-1", module="uploads", source=notified)
    # Then the copy is the notified bytes, pinned to the copy's own version
    assert store.read(TENANT, "f-1", copied.pin) == b"notified"
    assert copied.pin is not None and copied.pin.version_id
    assert store.source_metadata(source, notified)["etag"] == first["ETag"].strip('"')


def test_a_copy_in_of_a_changed_upload_is_file_changed_without_versions(s3):
    # Given an upload notified by its ETag, replaced before the trigger ran (no versions)
    store = _store(s3)
    source = f"uploads/{TENANT}/facility/march.xlsx"
    first = s3.put_object(Bucket=BUCKET, Key=source, Body=b"notified")
    s3.put_object(Bucket=BUCKET, Key=source, Body=b"replaced")
    # When its metadata is read for the notified object
    with pytest.raises(InvalidRequestError) as refused:
        store.source_metadata(source, FilePin(first["ETag"]))
    # Then it is refused as changed: the trigger never copies in the replacement
    assert refused.value.code == "FILE_CHANGED"
