"""The resources table: one row per uploaded file and what became of it."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from project_factory.adapters.dynamo import batch_get, plain, query_all, to_dynamo
from project_factory.domain.audit import now_ms
from project_factory.domain.resources import (
    FINAL_RESOURCE_STATUSES,
    ResourceRow,
    ResourceStatus,
    SearchCriteria,
)
from project_factory.errors import NotFoundError
from project_factory.progress import CHUNK_STATES, summary

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class ResourceStore(Protocol):
    def put_new(self, row: ResourceRow) -> tuple[ResourceRow, bool]:
        """Stores the row unless its id exists; returns the stored row and whether it was new."""
        ...

    def get(self, resource_id: str) -> ResourceRow: ...

    def finish(
        self,
        resource_id: str,
        status: ResourceStatus,
        *,
        details: dict[str, Any],
        processed_file_store_id: str | None = None,
    ) -> ResourceRow:
        """Sets a final status (unless one is already set) and merges additionalDetails."""
        ...

    def reopen(self, row: ResourceRow, details: dict[str, Any]) -> ResourceRow | None:
        """Back to data-accepted from the final status `row` has, with `details` merged;
        None when the row is no longer in that status (someone reopened it first)."""
        ...

    def search(self, criteria: SearchCriteria) -> list[ResourceRow]: ...

    def start_progress(self, resource_id: str, progress: dict[str, Any]) -> None:
        """Replaces the row's progress (project_factory/progress.py) while it runs."""
        ...

    def report_progress(
        self,
        resource_id: str,
        fields: dict[str, Any],
        chunk: tuple[int, dict[str, Any]] | None = None,
    ) -> None:
        """Sets these progress fields (and one chunk's state) of a running row; a row that
        is final, or has no progress, is left as it is."""
        ...


class DynamoResourceStore:
    """Table keyed by id, with indexes byTenant, byTenantType and byCampaign (newest first)."""

    def __init__(self, table: "Table") -> None:
        self._table = table

    def put_new(self, row: ResourceRow) -> tuple[ResourceRow, bool]:
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(Item=_to_item(row), ConditionExpression="attribute_not_exists(id)")
            return row, True
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return self.get(row.id), False

    def get(self, resource_id: str) -> ResourceRow:
        item = self._table.get_item(Key={"id": resource_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFoundError(f"resource {resource_id} does not exist", code="RESOURCE_NOT_FOUND")
        return _from_item(item)

    def finish(
        self,
        resource_id: str,
        status: ResourceStatus,
        *,
        details: dict[str, Any],
        processed_file_store_id: str | None = None,
    ) -> ResourceRow:
        row = self.get(resource_id)
        if row.status in FINAL_RESOURCE_STATUSES:
            return row
        updated = _moved(row, status, details, processed_file_store_id)
        # Only from the status we read: two finishers never overwrite each other.
        return updated if self._put_from(row.status, updated) else self.get(resource_id)

    def reopen(self, row: ResourceRow, details: dict[str, Any]) -> ResourceRow | None:
        reopened = _moved(row, ResourceStatus.DATA_ACCEPTED, details, None)
        return reopened if self._put_from(row.status, reopened) else None

    def _put_from(self, previous: ResourceStatus, updated: ResourceRow) -> bool:
        """Writes `updated` if the stored row still has status `previous`."""
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(
                Item=_to_item(updated),
                ConditionExpression="#s = :previous",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":previous": previous.value},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def start_progress(self, resource_id: str, progress: dict[str, Any]) -> None:
        self._update_running(
            resource_id, "SET #p = :progress", {"#p": "progress"}, {":progress": progress}
        )

    def report_progress(
        self,
        resource_id: str,
        fields: dict[str, Any],
        chunk: tuple[int, dict[str, Any]] | None = None,
    ) -> None:
        names: dict[str, str] = {"#p": "progress"}
        values: dict[str, Any] = {}
        sets = []
        for number, (name, value) in enumerate(fields.items()):
            names[f"#f{number}"], values[f":f{number}"] = name, value
            sets.append(f"#p.#f{number} = :f{number}")
        if chunk is not None:
            names |= {"#c": CHUNK_STATES, "#i": str(chunk[0])}
            values[":chunk"] = chunk[1]
            sets.append("#p.#c.#i = :chunk")
        if sets:
            self._update_running(resource_id, "SET " + ", ".join(sets), names, values)

    def _update_running(
        self, resource_id: str, update: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        """An update of a row that is not final. Progress only informs: a row finished
        meanwhile, or without progress (started before it existed), is not an error."""
        from botocore.exceptions import ClientError

        finals = {f":final{n}": status.value for n, status in enumerate(FINAL_RESOURCE_STATUSES)}
        try:
            self._table.update_item(
                Key={"id": resource_id},
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(id) AND NOT (#s IN ({', '.join(finals)}))",
                ExpressionAttributeNames=names | {"#s": "status"},
                ExpressionAttributeValues=to_dynamo(values | finals),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] not in (
                "ConditionalCheckFailedException",
                "ValidationException",
            ):
                raise

    def search(self, criteria: SearchCriteria) -> list[ResourceRow]:
        matches = (row for row in self._candidates(criteria) if _matches(row, criteria))
        page: list[ResourceRow] = []
        for index, row in enumerate(matches):
            if index >= criteria.offset + criteria.limit:
                break
            if index >= criteria.offset:
                page.append(row)
        return page

    def _candidates(self, criteria: SearchCriteria) -> Iterator[ResourceRow]:
        if criteria.id:
            yield from sorted(self._by_ids(criteria.id), key=_newest_first)
            return
        if criteria.type:
            index, key, value = "byTenantType", "tenantType", f"{criteria.tenantId}#{criteria.type}"
        elif criteria.campaignId:
            index, key, value = (
                "byCampaign",
                "campaignKey",
                _campaign_key(criteria.tenantId, criteria.campaignId),
            )
        else:
            index, key, value = "byTenant", "tenantId", criteria.tenantId
        arguments: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":v": value},
            "ScanIndexForward": False,
        }
        for item in query_all(self._table, arguments):
            yield _from_item(item)

    def _by_ids(self, ids: list[str]) -> list[ResourceRow]:
        return [_from_item(item) for item in batch_get(self._table, [{"id": i} for i in ids])]


def _moved(
    row: ResourceRow,
    status: ResourceStatus,
    details: dict[str, Any],
    processed_file_store_id: str | None,
) -> ResourceRow:
    return row.model_copy(
        update={
            "status": status,
            "processedFileStoreId": processed_file_store_id or row.processedFileStoreId,
            # A row that moves (finished, reopened) has no progress: its counts replace it.
            "additionalDetails": {
                **{k: v for k, v in row.additionalDetails.items() if k != "progress"},
                **details,
            },
            "auditDetails": row.auditDetails.model_copy(
                update={"lastModifiedBy": "project-factory", "lastModifiedTime": now_ms()}
            ),
        }
    )


def _newest_first(row: ResourceRow) -> tuple[int, str]:
    return (-row.auditDetails.createdTime, row.id)


def _matches(row: ResourceRow, criteria: SearchCriteria) -> bool:
    return (
        row.tenantId == criteria.tenantId
        and (criteria.type is None or row.type == criteria.type)
        and (criteria.status is None or row.status == criteria.status)
        and (criteria.hierarchyType is None or row.hierarchyType == criteria.hierarchyType)
        and (criteria.campaignId is None or row.campaignId == criteria.campaignId)
    )


def _campaign_key(tenant_id: str, campaign_id: str) -> str:
    return f"{tenant_id}#{campaign_id}"


def _to_item(row: ResourceRow) -> dict[str, Any]:
    item = to_dynamo(row.model_dump(mode="json"))
    item["tenantType"] = f"{row.tenantId}#{row.type}"
    item["createdKey"] = f"{row.auditDetails.createdTime:015d}#{row.id}"
    if row.campaignId:
        item["campaignKey"] = _campaign_key(row.tenantId, row.campaignId)
    return {key: value for key, value in item.items() if value is not None}


def _from_item(item: dict[str, Any]) -> ResourceRow:
    row = ResourceRow.model_validate(plain(item))
    if (stored := item.get("progress")) is not None:
        # Derived on reading: what is stored is per chunk (see progress.py).
        row.additionalDetails["progress"] = summary(plain(stored))
    return row
