"""The generated table: one row per template generation (see project_factory.domain.templates).

Table design:
  key        id (S)
  byTemplate GSI: templateKey (S) = "{tenantId}#{type}#{hierarchyType}#{campaignId or '-'}",
             createdKey (S) = f"{createdTime:015d}#{id}", projection ALL. The generations
             of one template, newest first: `latest` and `expire_all_active` are Queries on
             it, never Scans.
  expiresAt  (N, epoch seconds) the table's TTL attribute, set when a row is expired, so
             superseded generations disappear by themselves.

Status changes are conditional updates (only from `inprogress` for complete and fail), so
a retried or late step never overwrites what another one decided. The index is eventually
consistent: a row changed a moment ago may still show its previous status there for a
short while; `get` reads the row itself, consistently.
"""

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from project_factory.adapters.dynamo import error_code, plain, query_all, to_dynamo
from project_factory.domain.templates import GeneratedResource, GeneratedStatus
from project_factory.errors import NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

BY_TEMPLATE = "byTemplate"
SYSTEM_USER = "project-factory"


class GeneratedStore(Protocol):
    def put_new(self, row: GeneratedResource) -> GeneratedResource:
        """Stores the row unless its id exists; returns the stored row."""
        ...

    def get(self, generated_id: str) -> GeneratedResource: ...

    def latest(
        self, template_key: str, statuses: Collection[GeneratedStatus] | None = None
    ) -> GeneratedResource | None:
        """The newest row of a template (with one of `statuses` when given)."""
        ...

    def expire_all_active(self, template_key: str, *, user: str = SYSTEM_USER) -> list[str]:
        """Marks every row of the template that is not expired yet `expired`; their ids."""
        ...

    def complete(self, generated_id: str, file_store_id: str, count: int) -> GeneratedResource: ...

    def fail(self, generated_id: str, code: str, message: str) -> GeneratedResource: ...


class DynamoGeneratedStore:
    def __init__(
        self, table: "Table", *, expiry_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._table = table
        self._expiry_seconds = expiry_seconds
        self._clock = clock

    def put_new(self, row: GeneratedResource) -> GeneratedResource:
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(Item=_to_item(row), ConditionExpression="attribute_not_exists(id)")
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return self.get(row.id)
        return row

    def get(self, generated_id: str) -> GeneratedResource:
        item = self._table.get_item(Key={"id": generated_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFoundError(
                f"generated resource {generated_id} does not exist", code="GENERATED_NOT_FOUND"
            )
        return _from_item(item)

    def latest(
        self, template_key: str, statuses: Collection[GeneratedStatus] | None = None
    ) -> GeneratedResource | None:
        if statuses is None:
            return next(self._newest_first(template_key), None)
        wanted = {f":s{index}": str(status) for index, status in enumerate(statuses)}
        if not wanted:
            return None
        return next(self._newest_first(template_key, f"#s IN ({', '.join(wanted)})", wanted), None)

    def expire_all_active(self, template_key: str, *, user: str = SYSTEM_USER) -> list[str]:
        from botocore.exceptions import ClientError

        # Every earlier generation, not only the newest: the original expired just the
        # latest row and left older ones looking current.
        now = self._clock()
        expired: list[str] = []
        not_expired = {":expired": str(GeneratedStatus.EXPIRED)}
        for row in list(self._newest_first(template_key, "#s <> :expired", not_expired)):
            try:
                self._table.update_item(
                    Key={"id": row.id},
                    UpdateExpression=(
                        "SET #s = :expired, expiresAt = :at, "
                        "auditDetails.lastModifiedBy = :by, auditDetails.lastModifiedTime = :now"
                    ),
                    ConditionExpression="attribute_exists(id) AND #s <> :expired",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={
                        ":expired": str(GeneratedStatus.EXPIRED),
                        ":at": int(now) + self._expiry_seconds,
                        ":by": user,
                        ":now": int(now * 1000),
                    },
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                continue  # expired meanwhile by a concurrent request: nothing left to do
            expired.append(row.id)
        return expired

    def complete(self, generated_id: str, file_store_id: str, count: int) -> GeneratedResource:
        return self._finish(
            generated_id,
            "SET #s = :status, fileStoreId = :file, #count = :count",
            {"#count": "count"},
            {
                ":status": str(GeneratedStatus.COMPLETED),
                ":file": file_store_id,
                ":count": count,
            },
        )

    def fail(self, generated_id: str, code: str, message: str) -> GeneratedResource:
        return self._finish(
            generated_id,
            "SET #s = :status, additionalDetails.#error = :error",
            {"#error": "error"},
            {":status": str(GeneratedStatus.FAILED), ":error": {"code": code, "message": message}},
        )

    def _finish(
        self,
        generated_id: str,
        update: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> GeneratedResource:
        """Applies a final status, only to a row still in progress; returns the row as stored.

        A row expired while it was being generated stays expired, and a retried step that
        finds its row already finished changes nothing.
        """
        from botocore.exceptions import ClientError

        try:
            answer = self._table.update_item(
                Key={"id": generated_id},
                UpdateExpression=(
                    f"{update}, auditDetails.lastModifiedBy = :by, "
                    "auditDetails.lastModifiedTime = :now"
                ),
                ConditionExpression="#s = :inprogress",
                ExpressionAttributeNames={"#s": "status", **names},
                ExpressionAttributeValues={
                    **values,
                    ":inprogress": str(GeneratedStatus.IN_PROGRESS),
                    ":by": SYSTEM_USER,
                    ":now": int(self._clock() * 1000),
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return self.get(generated_id)
        return _from_item(answer["Attributes"])

    def _newest_first(
        self,
        template_key: str,
        status_filter: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> Iterator[GeneratedResource]:
        """The template's rows, newest first, page by page; `status_filter` names status `#s`."""
        arguments: dict[str, Any] = {
            "IndexName": BY_TEMPLATE,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": "templateKey"},
            "ExpressionAttributeValues": {":k": template_key, **(values or {})},
            "ScanIndexForward": False,
        }
        if status_filter:
            arguments["FilterExpression"] = status_filter
            arguments["ExpressionAttributeNames"]["#s"] = "status"
        for item in query_all(self._table, arguments):
            yield _from_item(item)


def _to_item(row: GeneratedResource) -> dict[str, Any]:
    item = to_dynamo(row.model_dump(mode="json"))
    item["templateKey"] = row.template_key
    item["createdKey"] = f"{row.auditDetails.createdTime:015d}#{row.id}"
    return {key: value for key, value in item.items() if value is not None}


def _from_item(item: dict[str, Any]) -> GeneratedResource:
    return GeneratedResource.model_validate(plain(item))
