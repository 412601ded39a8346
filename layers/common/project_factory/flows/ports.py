"""What the flows are given: the ports they talk to the outside world through.

Every flow takes one `Ports`, never the wiring that builds it (wiring.Services, which
chooses and builds the adapters from the settings): a test, or another deployment, hands
a flow anything that has these ports. Each port is a Protocol of the adapter module that
implements it; the flows see only that Protocol.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from project_factory.adapters.boundary_source import BoundarySource
    from project_factory.adapters.campaign_store import CampaignStore
    from project_factory.adapters.credentials_store import CredentialsStore
    from project_factory.adapters.data_keys import DataKeys
    from project_factory.adapters.events import EventPublisher
    from project_factory.adapters.file_store import FileStore
    from project_factory.adapters.generated_store import GeneratedStore
    from project_factory.adapters.resource_store import ResourceStore
    from project_factory.adapters.schema_source import SchemaSource
    from project_factory.adapters.targets.base import Target
    from project_factory.adapters.workflow import WorkflowStarter
    from project_factory.settings import Settings


class Usernames(Protocol):
    def stream(self, tenant_id: str) -> Iterator[str]:
        """New usernames of the tenant, one by one, for a file of unknown length."""
        ...


class Ports(Protocol):
    @property
    def settings(self) -> "Settings": ...

    @property
    def resources(self) -> "ResourceStore": ...

    @property
    def files(self) -> "FileStore": ...

    @property
    def usernames(self) -> Usernames: ...

    @property
    def workflow(self) -> "WorkflowStarter": ...

    @property
    def schemas(self) -> "SchemaSource": ...

    @property
    def boundaries(self) -> "BoundarySource": ...

    @property
    def generated(self) -> "GeneratedStore": ...

    @property
    def campaigns(self) -> "CampaignStore": ...

    @property
    def events(self) -> "EventPublisher": ...

    @property
    def data_keys(self) -> "DataKeys": ...

    @property
    def credentials(self) -> "CredentialsStore": ...

    def target(self, resource_type: str, hierarchy_type: str) -> "Target":
        """The target rows of this type are created in (one per type and hierarchy)."""
        ...
