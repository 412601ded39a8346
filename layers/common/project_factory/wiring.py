"""What the flows are given: adapters chosen by configuration, built lazily once per container."""

from functools import cached_property
from typing import TYPE_CHECKING, Literal, overload

from project_factory.adapters.file_store import FileStore
from project_factory.adapters.resource_store import DynamoResourceStore, ResourceStore
from project_factory.adapters.s3_file_store import S3FileStore
from project_factory.adapters.targets.base import Target
from project_factory.adapters.workflow import StepFunctionsStarter, WorkflowStarter
from project_factory.settings import Settings, load_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_stepfunctions.client import SFNClient

    # Imported when used: the DIGIT source pulls in `requests`, slow on a cold start.
    from project_factory.adapters.boundary_source import BoundarySource
    from project_factory.adapters.campaign_store import CampaignStore
    from project_factory.adapters.credentials_store import CredentialsStore
    from project_factory.adapters.data_keys import DataKeys
    from project_factory.adapters.events import EventPublisher
    from project_factory.adapters.generated_store import GeneratedStore
    from project_factory.adapters.schema_source import SchemaSource
    from project_factory.adapters.usernames import UsernameAllocator


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._targets: dict[tuple[str, str], Target] = {}

    @overload
    def _client(
        self,
        service: Literal["s3"],
        endpoint_url: str | None = None,
        *,
        signature_version: str | None = None,
    ) -> "S3Client": ...
    @overload
    def _client(self, service: Literal["stepfunctions"]) -> "SFNClient": ...
    @overload
    def _client(self, service: Literal["events"]) -> "EventBridgeClient": ...
    @overload
    def _client(self, service: Literal["kms"]) -> "KMSClient": ...
    def _client(
        self,
        service: Literal["s3", "stepfunctions", "events", "kms"],
        endpoint_url: str | None = None,
        *,
        signature_version: str | None = None,
    ) -> "S3Client | SFNClient | EventBridgeClient | KMSClient":
        import boto3
        from botocore.config import Config

        # Only a version asked for is set: a Config given None would record it as chosen.
        config = Config(signature_version=signature_version) if signature_version else Config()
        return boto3.client(
            service,
            region_name=self.settings.region,
            endpoint_url=endpoint_url or None,
            config=config,
        )

    def _table(self, name: str) -> "Table":
        """A DynamoDB table of the stack, as boto3's resource."""
        import boto3

        return boto3.resource("dynamodb", region_name=self.settings.region).Table(name)

    @cached_property
    def resources(self) -> ResourceStore:
        return DynamoResourceStore(self._table(self.settings.resources_table))

    @cached_property
    def files(self) -> FileStore:
        # SigV4: presigned URLs say how long they live (X-Amz-Expires) and work in every region.
        client = self._client("s3", signature_version="s3v4")
        public = self.settings.files_public_endpoint
        # Signing is local work: a client of the public endpoint only writes the URLs.
        signer = self._client("s3", public, signature_version="s3v4") if public else client
        return S3FileStore(client, self.settings.files_bucket, signer=signer)

    @cached_property
    def usernames(self) -> "UsernameAllocator":
        from project_factory.adapters.usernames import UsernameAllocator

        table = self._table(self.settings.registry_table)
        return UsernameAllocator(table, self.settings.username_pattern)

    @cached_property
    def workflow(self) -> WorkflowStarter:
        return StepFunctionsStarter(self._client("stepfunctions"))

    @cached_property
    def schemas(self) -> "SchemaSource":
        from project_factory.adapters.schema_source import schema_source

        return schema_source(self.settings)

    @cached_property
    def boundaries(self) -> "BoundarySource":
        from project_factory.adapters.boundary_source import boundary_source

        return boundary_source(self.settings)

    @cached_property
    def generated(self) -> "GeneratedStore":
        from project_factory.adapters.generated_store import DynamoGeneratedStore

        return DynamoGeneratedStore(
            self._table(self.settings.generated_table),
            expiry_seconds=self.settings.generated_expiry_days * 86_400,
        )

    @cached_property
    def campaigns(self) -> "CampaignStore":
        from project_factory.adapters.campaign_store import DynamoCampaignStore

        return DynamoCampaignStore(self._table(self.settings.campaigns_table))

    @cached_property
    def events(self) -> "EventPublisher":
        from project_factory.adapters.events import EventBridgePublisher

        return EventBridgePublisher(self._client("events"), self.settings.campaign_bus_name)

    @cached_property
    def data_keys(self) -> "DataKeys":
        """Each resource run's data key, from the secrets key (KMS)."""
        from project_factory.adapters.data_keys import KmsDataKeys

        return KmsDataKeys(self._client("kms"), self._secrets_key_id())

    @cached_property
    def credentials(self) -> "CredentialsStore":
        """The users' credentials files (S3, SSE-KMS with the secrets key)."""
        from project_factory.adapters.credentials_store import S3CredentialsStore

        client = self._client("s3", signature_version="s3v4")
        public = self.settings.files_public_endpoint
        signer = self._client("s3", public, signature_version="s3v4") if public else client
        # Reading and signing links need no key id (the FileStore API has none).
        key_id = self.settings.secrets_key_id
        return S3CredentialsStore(client, self.settings.files_bucket, key_id, signer=signer)

    def _secrets_key_id(self) -> str:
        if not self.settings.secrets_key_id:
            from project_factory.errors import DomainError

            raise DomainError(
                "SECRETS_KEY_ID is not set: users' passwords are sealed with that KMS key",
                code="SECRETS_KEY_NOT_CONFIGURED",
            )
        return self.settings.secrets_key_id

    def target(self, resource_type: str, hierarchy_type: str) -> Target:
        key = (resource_type, hierarchy_type)
        if key not in self._targets:
            setting = _TARGET_SETTINGS.get(resource_type, resource_type)
            kind = getattr(self.settings, f"{setting}_target", "builtin")
            if kind == "digit":
                from project_factory.adapters.targets.digit import digit_target

                self._targets[key] = digit_target(resource_type, self.settings, hierarchy_type)
            elif resource_type == "boundaryWithTarget":
                from project_factory.adapters.targets.injected_faults import (
                    with_injected_faults,
                )
                from project_factory.adapters.targets.registry_targets import (
                    RegistryBoundaryTargets,
                )

                table = self._table(self.settings.registry_table)
                self._targets[key] = with_injected_faults(
                    RegistryBoundaryTargets(table),
                    table,
                    self.settings.registry_transient_failure_rate,
                )
            else:
                from project_factory.adapters.targets.registry import registry_target

                self._targets[key] = registry_target(
                    resource_type, self.settings, self._table(self.settings.registry_table)
                )
        return self._targets[key]


#: The setting naming where a type's rows go, when it is not the type's own name.
_TARGET_SETTINGS = {"boundaryWithTarget": "project"}


def load_services() -> Services:
    return Services(load_settings())
