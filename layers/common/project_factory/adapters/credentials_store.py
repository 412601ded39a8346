"""Credentials files on S3: apart from every other file, encrypted with the secrets key.

A credentials file (the usernames and one-time passwords of the users a resource created)
lives at `credentials/<tenantId>/<fileStoreId>`, never under `files/`: the bucket's
lifecycle deletes everything under `credentials/` after `CredentialsRetentionDays`, and
no other route (uploads, `_create`, templates) looks there. It is written with SSE-KMS
under the secrets key, so reading it needs kms:Decrypt on that key as well as the object,
and every read is in CloudTrail. Its fileStoreId is an opaque id like any other; the
FileStore API hands out a short-lived link to it to a tenant's admins only.
"""

from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from project_factory.adapters.s3_file_store import download_link
from project_factory.domain.files import XLSX, StoredFile
from project_factory.errors import DomainError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

#: The bucket's lifecycle rule for credentials files names the same prefix (template.yaml).
CREDENTIALS_PREFIX = "credentials/"


def credentials_key(tenant_id: str, file_store_id: str) -> str:
    return f"{CREDENTIALS_PREFIX}{tenant_id}/{file_store_id}"


class CredentialsStore(Protocol):
    def put(self, tenant_id: str, file_store_id: str, data: bytes, *, filename: str) -> StoredFile:
        """Stores (or replaces) a credentials workbook under `file_store_id`."""
        ...

    def exists(self, tenant_id: str, file_store_id: str) -> bool: ...

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str: ...


class S3CredentialsStore:
    """`kms_key_id` encrypts what is put (reading needs no key id: S3 names it)."""

    def __init__(
        self, client: "S3Client", bucket: str, kms_key_id: str, *, signer: "S3Client | None" = None
    ) -> None:
        self._s3 = client
        self._signer = signer or client
        self.bucket = bucket
        self._kms_key_id = kms_key_id

    def put(self, tenant_id: str, file_store_id: str, data: bytes, *, filename: str) -> StoredFile:
        from project_factory.adapters.aws_errors import outage_is_transient

        if not self._kms_key_id:
            raise DomainError(
                "SECRETS_KEY_ID is not set: credentials files are written only with that key",
                code="SECRETS_KEY_NOT_CONFIGURED",
            )
        with outage_is_transient("files"):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=credentials_key(tenant_id, file_store_id),
                Body=data,
                ContentType=XLSX,
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=self._kms_key_id,
                # One data key per object: never an S3 Bucket Key shared with other objects.
                BucketKeyEnabled=False,
                Metadata={"filename": quote(filename), "tenantid": tenant_id},
            )
        return StoredFile(file_store_id, tenant_id, filename, len(data))

    def exists(self, tenant_id: str, file_store_id: str) -> bool:
        return self._head(tenant_id, file_store_id) is not None

    def download_url(self, tenant_id: str, file_store_id: str, ttl_seconds: int) -> str:
        from urllib.parse import unquote

        head = self._head(tenant_id, file_store_id)
        metadata = head.get("Metadata", {}) if head else {}
        filename = unquote(metadata.get("filename", file_store_id))
        key = credentials_key(tenant_id, file_store_id)
        # Never kept by a browser or a proxy.
        return download_link(
            self._signer, self.bucket, key, filename, ttl_seconds, ResponseCacheControl="no-store"
        )

    def _head(self, tenant_id: str, file_store_id: str) -> "HeadObjectOutputTypeDef | None":
        from botocore.exceptions import ClientError

        from project_factory.adapters.aws_errors import outage_is_transient

        try:
            with outage_is_transient("files"):
                return self._s3.head_object(
                    Bucket=self.bucket, Key=credentials_key(tenant_id, file_store_id)
                )
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
