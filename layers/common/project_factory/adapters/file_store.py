"""FileStore on S3: opaque fileStoreIds under the tenant's prefix, plus scratch objects."""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import orjson

from project_factory.errors import NotFoundError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class StoredFile:
    file_store_id: str
    tenant_id: str
    filename: str
    size: int


class FileStore(Protocol):
    bucket: str

    def put(
        self,
        tenant_id: str,
        data: bytes,
        *,
        filename: str,
        module: str,
        content_type: str,
        file_store_id: str | None = None,
    ) -> StoredFile: ...

    def read(self, tenant_id: str, file_store_id: str) -> bytes: ...

    def describe(self, tenant_id: str, file_store_id: str) -> StoredFile: ...

    def exists(self, tenant_id: str, file_store_id: str) -> bool: ...

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str: ...

    def upload_url(
        self, tenant_id: str, *, filename: str, module: str, ttl_seconds: int
    ) -> tuple[str, str, dict[str, str]]: ...

    def copy_in(
        self, tenant_id: str, source_key: str, *, file_store_id: str, module: str
    ) -> StoredFile: ...

    def source_metadata(self, key: str) -> dict[str, str]: ...

    def put_json(self, key: str, value: Any) -> None: ...

    def get_json(self, key: str) -> Any | None: ...

    def put_lines(self, key: str, values: Iterable[Any]) -> None: ...

    def iter_lines(self, key: str) -> Iterator[Any]: ...


def file_key(tenant_id: str, file_store_id: str) -> str:
    return f"files/{tenant_id}/{file_store_id}"


class S3FileStore:
    """`signer` writes the presigned URLs: the same client on AWS, a client of the
    address clients use where that differs (the local stack's loopback S3)."""

    def __init__(self, client: Any, bucket: str, *, signer: Any | None = None) -> None:
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
            self._s3.put_object(
                Bucket=self.bucket,
                Key=file_key(tenant_id, file_store_id),
                Body=data,
                ContentType=content_type,
                Metadata={"filename": quote(filename), "module": module, "tenantid": tenant_id},
            )
        return StoredFile(file_store_id, tenant_id, filename, len(data))

    def read(self, tenant_id: str, file_store_id: str) -> bytes:
        try:
            with _outage_is_transient():
                answer = self._s3.get_object(
                    Bucket=self.bucket, Key=file_key(tenant_id, file_store_id)
                )
                return answer["Body"].read()
        except self._s3.exceptions.NoSuchKey as missing:
            raise _missing(file_store_id) from missing

    def describe(self, tenant_id: str, file_store_id: str) -> StoredFile:
        from urllib.parse import unquote

        from botocore.exceptions import ClientError

        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=file_key(tenant_id, file_store_id))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise _missing(file_store_id) from error
            raise
        filename = unquote(head.get("Metadata", {}).get("filename", file_store_id))
        return StoredFile(file_store_id, tenant_id, filename, head["ContentLength"])

    def exists(self, tenant_id: str, file_store_id: str) -> bool:
        try:
            self.describe(tenant_id, file_store_id)
        except NotFoundError:
            return False
        return True

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str:
        filename = quote(self.describe(tenant_id, file_store_id).filename)
        return self._signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": file_key(tenant_id, file_store_id),
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{filename}",
            },
            ExpiresIn=ttl_seconds,
        )

    def upload_url(
        self, tenant_id: str, *, filename: str, module: str, ttl_seconds: int
    ) -> tuple[str, str, dict[str, str]]:
        """A presigned PUT for files larger than API Gateway takes; the headers must be sent."""
        file_store_id = str(uuid.uuid4())
        metadata = {"filename": quote(filename), "module": module, "tenantid": tenant_id}
        url = self._signer.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": file_key(tenant_id, file_store_id),
                "Metadata": metadata,
            },
            ExpiresIn=ttl_seconds,
        )
        headers = {f"x-amz-meta-{key}": value for key, value in metadata.items()}
        return file_store_id, url, headers

    def copy_in(
        self, tenant_id: str, source_key: str, *, file_store_id: str, module: str
    ) -> StoredFile:
        """Adopts an object uploaded elsewhere in the bucket as a FileStore file."""
        filename = source_key.rsplit("/", 1)[-1]
        self._s3.copy_object(
            Bucket=self.bucket,
            Key=file_key(tenant_id, file_store_id),
            CopySource={"Bucket": self.bucket, "Key": source_key},
            MetadataDirective="REPLACE",
            Metadata={"filename": quote(filename), "module": module, "tenantid": tenant_id},
        )
        return self.describe(tenant_id, file_store_id)

    def source_metadata(self, key: str) -> dict[str, str]:
        head = self._s3.head_object(Bucket=self.bucket, Key=key)
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
            lines = answer["Body"].iter_lines()
            for line in lines:
                if line:
                    yield orjson.loads(line)


def _outage_is_transient() -> AbstractContextManager[None]:
    # Imported when used: botocore is slow to import, and the API's cold start pays for it.
    from project_factory.adapters.aws_errors import outage_is_transient

    return outage_is_transient("files")


def _missing(file_store_id: str) -> NotFoundError:
    return NotFoundError(
        f"file {file_store_id} does not exist", code="FILE_NOT_FOUND", fileStoreId=file_store_id
    )
