"""FileStore on S3: opaque fileStoreIds under the tenant's prefix, plus scratch objects."""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import quote

import orjson

from project_factory.adapters.file_store import file_key
from project_factory.adapters.json_lines import READ_BYTES, json_lines
from project_factory.domain.files import FilePin, PresignedPost, StoredFile
from project_factory.errors import DomainError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import (
        CopySourceTypeDef,
        HeadObjectOutputTypeDef,
        PutObjectOutputTypeDef,
    )


class S3FileStore:
    """`signer` writes the presigned URLs: the same client on AWS, a client of the
    address clients use where that differs (the local stack's loopback S3)."""

    def __init__(
        self, client: "S3Client", bucket: str, *, signer: "S3Client | None" = None
    ) -> None:
        self._s3 = client
        self._signer = signer or client
        self.bucket = bucket

    # ----------------------------------------------------------------- FileStore API
    def put(
        self,
        tenant_id: str,
        data: bytes,
        *,
        filename: str,
        module: str,
        content_type: str,
        file_store_id: str | None = None,
    ) -> StoredFile:
        file_store_id = file_store_id or str(uuid.uuid4())
        with _outage_is_transient():
            answer = self._s3.put_object(
                Bucket=self.bucket,
                Key=file_key(tenant_id, file_store_id),
                Body=data,
                ContentType=content_type,
                Metadata={"filename": quote(filename), "module": module, "tenantid": tenant_id},
            )
        return StoredFile(file_store_id, tenant_id, filename, len(data), _pin_of(answer))

    def read(self, tenant_id: str, file_store_id: str, pin: FilePin | None = None) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with _outage_is_transient():
                answer = self._s3.get_object(
                    Bucket=self.bucket, Key=file_key(tenant_id, file_store_id), **_exactly(pin)
                )
                data: bytes = answer["Body"].read()
                return data
        except ClientError as error:
            if refusal := _refusal(error, file_store_id, pin):
                raise refusal from error
            raise

    def describe(
        self, tenant_id: str, file_store_id: str, pin: FilePin | None = None
    ) -> StoredFile:
        from urllib.parse import unquote

        from botocore.exceptions import ClientError

        try:
            with _outage_is_transient():
                head = self._s3.head_object(
                    Bucket=self.bucket, Key=file_key(tenant_id, file_store_id), **_exactly(pin)
                )
        except ClientError as error:
            if refusal := _refusal(error, file_store_id, pin):
                raise refusal from error
            raise
        filename = unquote(head.get("Metadata", {}).get("filename", file_store_id))
        return StoredFile(file_store_id, tenant_id, filename, head["ContentLength"], _pin_of(head))

    def exists(self, tenant_id: str, file_store_id: str) -> bool:
        try:
            self.describe(tenant_id, file_store_id)
        except NotFoundError:
            return False
        return True

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str:
        filename = self.describe(tenant_id, file_store_id).filename
        key = file_key(tenant_id, file_store_id)
        return download_link(self._signer, self.bucket, key, filename, ttl_seconds)

    def presigned_post(
        self, tenant_id: str, *, filename: str, module: str, ttl_seconds: int, max_bytes: int
    ) -> PresignedPost:
        """A presigned POST for files larger than API Gateway takes. Its policy, signed, names
        the exact key, the metadata fields (each must be sent as given) and the size range
        [1, `max_bytes`]: S3 refuses anything else (403 AccessDenied; 400 EntityTooLarge or
        EntityTooSmall for the size), so no upload past the limit is ever stored."""
        file_store_id = str(uuid.uuid4())
        metadata = {
            f"x-amz-meta-{key}": value
            for key, value in {
                "filename": quote(filename),
                "module": module,
                "tenantid": tenant_id,
            }.items()
        }
        answer = self._signer.generate_presigned_post(
            self.bucket,
            file_key(tenant_id, file_store_id),
            Fields=metadata,
            Conditions=[
                *({name: value} for name, value in metadata.items()),
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=ttl_seconds,
        )
        return PresignedPost(file_store_id, answer["url"], dict(answer["fields"]), max_bytes)

    def copy_in(
        self,
        tenant_id: str,
        source_key: str,
        *,
        file_store_id: str,
        module: str,
        source: FilePin | None = None,
    ) -> StoredFile:
        """Adopts an object uploaded elsewhere in the bucket as a FileStore file: with
        `source`, exactly that version (and only while its ETag matches)."""
        from botocore.exceptions import ClientError

        filename = source_key.rsplit("/", 1)[-1]
        copy_source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": source_key}
        conditions: _CopyConditions = {}
        if source is not None:
            conditions["CopySourceIfMatch"] = source.etag
            if source.version_id:
                copy_source["VersionId"] = source.version_id
        try:
            with _outage_is_transient():
                answer = self._s3.copy_object(
                    Bucket=self.bucket,
                    Key=file_key(tenant_id, file_store_id),
                    CopySource=copy_source,
                    MetadataDirective="REPLACE",
                    Metadata={
                        "filename": quote(filename),
                        "module": module,
                        "tenantid": tenant_id,
                    },
                    # The upload's tags stay behind: copying them would need tagging
                    # permissions the upload trigger is not given (template.yaml).
                    TaggingDirective="REPLACE",
                    **conditions,
                )
        except ClientError as error:
            if refusal := _refusal(error, source_key, source):
                raise refusal from error
            raise
        copied = FilePin(answer["CopyObjectResult"]["ETag"], answer.get("VersionId"))
        return self.describe(tenant_id, file_store_id, copied)

    def source_metadata(self, key: str, pin: FilePin | None = None) -> dict[str, str]:
        from botocore.exceptions import ClientError

        try:
            with _outage_is_transient():
                head = self._s3.head_object(Bucket=self.bucket, Key=key, **_exactly(pin))
        except ClientError as error:
            if refusal := _refusal(error, key, pin):
                raise refusal from error
            raise
        return {k.lower(): v for k, v in head.get("Metadata", {}).items()} | {
            "etag": head.get("ETag", "").strip('"')
        }

    # ----------------------------------------------------------------- scratch objects
    def put_json(self, key: str, value: Any) -> None:
        with _outage_is_transient():
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=orjson.dumps(value),
                ContentType="application/json",
            )

    def get_json(self, key: str) -> Any | None:
        try:
            with _outage_is_transient():
                answer = self._s3.get_object(Bucket=self.bucket, Key=key)
                body = answer["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None
        return orjson.loads(body)

    def put_lines(self, key: str, values: Iterable[Any]) -> None:
        # orjson: scratch rows are serialised on the hot path of every step (about 11x json).
        body = b"".join(orjson.dumps(value) + b"\n" for value in values)
        with _outage_is_transient():
            self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/x-ndjson"
            )

    def iter_lines(self, key: str) -> Iterator[Any]:
        with _outage_is_transient():
            answer = self._s3.get_object(Bucket=self.bucket, Key=key)
            yield from json_lines(answer["Body"].iter_chunks(READ_BYTES))


def _outage_is_transient() -> AbstractContextManager[None]:
    # Imported when used: botocore is slow to import, and the API's cold start pays for it.
    from project_factory.adapters.aws_errors import outage_is_transient

    return outage_is_transient("files")


class _Exactly(TypedDict, total=False):
    """GetObject/HeadObject arguments that pin one object: absent, not None, when unpinned."""

    IfMatch: str
    VersionId: str


class _CopyConditions(TypedDict, total=False):
    CopySourceIfMatch: str


def _exactly(pin: FilePin | None) -> _Exactly:
    """The arguments of a GetObject/HeadObject of exactly `pin` (none without one)."""
    if pin is None:
        return {}
    arguments: _Exactly = {"IfMatch": pin.etag}
    if pin.version_id:
        arguments["VersionId"] = pin.version_id
    return arguments


def _pin_of(answer: "PutObjectOutputTypeDef | HeadObjectOutputTypeDef") -> FilePin | None:
    """The pin of the object a PutObject or HeadObject answered for."""
    etag = answer.get("ETag")
    return FilePin(etag, answer.get("VersionId") or None) if etag else None


def _refusal(error: Exception, name: str, pin: FilePin | None) -> DomainError | None:
    """FILE_NOT_FOUND for an object (or pinned version) that is gone, FILE_CHANGED for
    a pinned object the key no longer holds; None for any other failure."""
    from project_factory.adapters.dynamo import error_code

    code = error_code(error)
    if code in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
        return _missing(name, pin)
    if pin is not None and code in ("412", "PreconditionFailed"):
        return InvalidRequestError(
            f"file {name} changed after it was accepted: it is no longer the object "
            f"accepted (ETag {pin.etag}"
            + (f", version {pin.version_id}" if pin.version_id else "")
            + "); upload the file again and create it from its new fileStoreId",
            code="FILE_CHANGED",
            fileStoreId=name,
        )
    return None


def _missing(file_store_id: str, pin: FilePin | None = None) -> NotFoundError:
    if pin is None:
        message = f"file {file_store_id} does not exist"
    else:
        version = f"version {pin.version_id}" if pin.version_id else f"ETag {pin.etag}"
        message = f"file {file_store_id} no longer exists as it was accepted ({version})"
    return NotFoundError(message, code="FILE_NOT_FOUND", fileStoreId=file_store_id)


def download_link(
    signer: "S3Client", bucket: str, key: str, filename: str, ttl_seconds: int, **response: str
) -> str:
    """A presigned GET that saves the object as `filename` (RFC 5987, any characters),
    with S3's other Response* overrides (e.g. ResponseCacheControl)."""
    url: str = signer.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            **response,
        },
        ExpiresIn=ttl_seconds,
    )
    return url
