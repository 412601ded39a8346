"""The campaigns table: one item per campaign, keyed by id."""

from typing import TYPE_CHECKING, Protocol

from project_factory.adapters.dynamo import batch_get, plain, to_dynamo
from project_factory.domain.campaigns import Campaign
from project_factory.errors import NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class CampaignStore(Protocol):
    def put(self, campaign: Campaign) -> None: ...

    def get(self, campaign_id: str) -> Campaign: ...

    def get_many(self, campaign_ids: list[str]) -> list[Campaign]: ...


class DynamoCampaignStore:
    def __init__(self, table: "Table") -> None:
        self._table = table

    def put(self, campaign: Campaign) -> None:
        self._table.put_item(Item=to_dynamo(campaign.model_dump(mode="json", exclude_none=True)))

    def get(self, campaign_id: str) -> Campaign:
        item = self._table.get_item(Key={"id": campaign_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFoundError(f"campaign {campaign_id} does not exist", code="CAMPAIGN_NOT_FOUND")
        return Campaign.model_validate(plain(item))

    def get_many(self, campaign_ids: list[str]) -> list[Campaign]:
        keys = [{"id": campaign_id} for campaign_id in campaign_ids]
        return [Campaign.model_validate(plain(item)) for item in batch_get(self._table, keys)]
