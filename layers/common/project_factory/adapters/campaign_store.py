"""The campaigns table: one item per campaign, keyed by id."""

from typing import Any, Protocol

from project_factory.errors import NotFoundError
from project_factory.models import Campaign


class CampaignStore(Protocol):
    def put(self, campaign: Campaign) -> None: ...

    def get(self, campaign_id: str) -> Campaign: ...

    def get_many(self, campaign_ids: list[str]) -> list[Campaign]: ...


class DynamoCampaignStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, campaign: Campaign) -> None:
        self._table.put_item(Item=campaign.model_dump(mode="json", exclude_none=True))

    def get(self, campaign_id: str) -> Campaign:
        item = self._table.get_item(Key={"id": campaign_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFoundError(f"campaign {campaign_id} does not exist", code="CAMPAIGN_NOT_FOUND")
        return Campaign.model_validate(item)

    def get_many(self, campaign_ids: list[str]) -> list[Campaign]:
        keys = [{"id": campaign_id} for campaign_id in dict.fromkeys(campaign_ids)]
        found: list[Campaign] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self._table.name: {"Keys": keys[start : start + 100]}}
            while request:
                answer = self._table.meta.client.batch_get_item(RequestItems=request)
                found += [
                    Campaign.model_validate(item) for item in answer["Responses"][self._table.name]
                ]
                request = answer.get("UnprocessedKeys") or {}
        return found
