"""The file store the flows use: opaque fileStoreIds under the tenant's prefix, plus scratch
objects. The port (the Protocol; the values it takes and gives are domain/files.py's);
S3FileStore (adapters/s3_file_store.py) is its implementation."""

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from project_factory.domain.files import FilePin, PresignedPost, StoredFile


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

    def read(self, tenant_id: str, file_store_id: str, pin: FilePin | None = None) -> bytes:
        """The file's bytes; with `pin`, of exactly that object: FILE_NOT_FOUND when it is
        gone, FILE_CHANGED when the key now holds another."""
        ...

    def describe(
        self, tenant_id: str, file_store_id: str, pin: FilePin | None = None
    ) -> StoredFile:
        """The file's name, size and pin; with `pin`, of exactly that object (as `read`)."""
        ...

    def exists(self, tenant_id: str, file_store_id: str) -> bool: ...

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str: ...

    def presigned_post(
        self, tenant_id: str, *, filename: str, module: str, ttl_seconds: int, max_bytes: int
    ) -> PresignedPost: ...

    def copy_in(
        self,
        tenant_id: str,
        source_key: str,
        *,
        file_store_id: str,
        module: str,
        source: FilePin | None = None,
    ) -> StoredFile:
        """Copies `source_key` (with `source`, exactly that object) in as a FileStore file;
        the copy, pinned."""
        ...

    def source_metadata(self, key: str, pin: FilePin | None = None) -> dict[str, str]: ...

    def put_json(self, key: str, value: Any) -> None: ...

    def get_json(self, key: str) -> Any | None: ...

    def put_lines(self, key: str, values: Iterable[Any]) -> None: ...

    def iter_lines(self, key: str) -> Iterator[Any]: ...


def file_key(tenant_id: str, file_store_id: str) -> str:
    return f"files/{tenant_id}/{file_store_id}"
