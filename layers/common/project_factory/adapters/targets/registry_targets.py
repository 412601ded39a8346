"""The built-in store of campaign targets: one item per campaign and boundary, in the
registry table.

Items (keys `pk`/`sk`):
  TARGET#{tenant}#{campaign} / {boundary code}   targets (column -> number), createdBy (the
                                                 client reference that created it), setBy (the
                                                 one that set the values it holds), setters
                                                 (every reference that ever set them), times
  REF#{tenant}#boundaryWithTarget#{clientRef} / REF   what that row did: outcome, id

Targets are values, not records: a row sets its boundary's targets for the campaign. The
first row for a boundary creates them; a later upload with other values updates them in
place (UPDATED), one with the same values changes nothing (SKIPPED). Setting absolute
values is idempotent by nature, and each write is conditional on what was read, so two
uploads racing for a boundary never lose a write silently: the one that lost is pending
and compares again on its next attempt. The REF claim is written last: `find` (a retry's
confirmation, Finalize's last look) reads it, and a row written without it is recognised
by `setters` when it comes back: it is done, and never writes its values over a later
upload's.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import (
    batch_get,
    conditional_write,
    plain,
    query_all,
    to_dynamo,
)
from project_factory.domain.audit import now_ms
from project_factory.domain.target_calls import Outcome, PendingRow, TargetResult
from project_factory.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

RESOURCE_TYPE = "boundaryWithTarget"


class RegistryBoundaryTargets:
    """A campaign's targets per boundary and column, in DynamoDB."""

    resource_type = RESOURCE_TYPE
    confirms_by_search = False
    # Each write is conditional on what was read: a row sent again is compared again.
    resend_after_seconds = 0.0

    def __init__(self, table: "Table") -> None:
        self._table = table

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        held = self._held(tenant_id, rows)
        results = {row.client_ref: self._try_set(tenant_id, row, held) for row in rows}
        self._put_claims(_ref_claims(tenant_id, results))
        return [results[row.client_ref] for row in rows]

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """What these rows did, from their REF claims."""
        pk_to_ref = {_ref_pk(tenant_id, ref): ref for ref in client_refs}
        with outage_is_transient("registry"):
            claims = batch_get(self._table, [{"pk": pk, "sk": "REF"} for pk in pk_to_ref])
        return {
            (ref := pk_to_ref[claim["pk"]]): TargetResult(ref, claim["outcome"], id=claim["id"])
            for claim in claims
        }

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        # No business key of a target is unique in a file's sense: a boundary's targets are
        # set again, never refused as taken.
        return set()

    def targets_of(self, tenant_id: str, campaign_id: str) -> dict[str, dict[str, Any]]:
        """The campaign's targets: boundary code -> column -> value (one Query)."""
        arguments = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _target_pk(tenant_id, campaign_id)},
        }
        with outage_is_transient("registry"):
            return {
                str(item["sk"]): plain(item["targets"])
                for item in query_all(self._table, arguments)
            }

    # -- writes ---------------------------------------------------------------------------

    def _put_claims(self, claims: Sequence[dict[str, Any]]) -> None:
        """The REF claims written last; one lost to an outage is not an error."""
        try:
            with outage_is_transient("registry"), self._table.batch_writer() as batch:
                for claim in claims:
                    batch.put_item(Item=claim)
        except TransientError:
            # The targets are set: a row sent again is recognised by `setters`, so
            # a claim lost here costs a resend, never a second write.
            pass

    def _held(
        self, tenant_id: str, rows: Sequence[PendingRow]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        keys = {_key(row) for row in rows}
        with outage_is_transient("registry"):
            items = batch_get(
                self._table,
                [{"pk": _target_pk(tenant_id, campaign), "sk": code} for campaign, code in keys],
            )
        return {(str(item["campaignId"]), str(item["sk"])): item for item in items}

    def _try_set(
        self, tenant_id: str, row: PendingRow, held: Mapping[tuple[str, str], Mapping[str, Any]]
    ) -> TargetResult:
        """One row's outcome; a write refused for now (throttled) leaves it pending, sent:
        the others of the batch go on."""
        try:
            return self._set(tenant_id, row, held.get(_key(row)))
        except TransientError as failure:
            return TargetResult(
                row.client_ref, "pending", code=failure.code, reason=failure.message, sent=True
            )

    def _set(self, tenant_id: str, row: PendingRow, held: Mapping[str, Any] | None) -> TargetResult:
        campaign, code = _key(row)
        target_id = f"{campaign}:{code}"
        targets = dict(row.data["targets"])
        if held is None:
            if self._put_new(tenant_id, row, targets):
                return TargetResult(row.client_ref, "created", id=target_id)
            return _raced(row)
        ref = row.client_ref
        if ref in (held.get("setters") or ()):
            # This row's values were written before (a lost answer, a lost claim), perhaps
            # since replaced by a later upload's: done, never written again.
            outcome: Outcome = "created" if held.get("createdBy") == ref else "updated"
            return TargetResult(ref, outcome, id=target_id)
        if plain(held.get("targets")) == plain(to_dynamo(targets)):
            return TargetResult(ref, "existing", id=target_id)
        if self._replace(tenant_id, row, targets, seen=str(held.get("setBy"))):
            return TargetResult(ref, "updated", id=target_id)
        return _raced(row)

    def _put_new(self, tenant_id: str, row: PendingRow, targets: dict[str, Any]) -> bool:
        campaign, code = _key(row)
        now = now_ms()
        item = {
            "pk": _target_pk(tenant_id, campaign),
            "sk": code,
            "campaignId": campaign,
            "targets": to_dynamo(targets),
            "createdBy": row.client_ref,
            "setBy": row.client_ref,
            "setters": {row.client_ref},
            "createdTime": now,
            "lastModifiedTime": now,
        }
        return conditional_write(
            lambda: self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)"),
            "registry",
        )

    def _replace(
        self, tenant_id: str, row: PendingRow, targets: dict[str, Any], *, seen: str
    ) -> bool:
        campaign, code = _key(row)
        return conditional_write(
            lambda: self._table.update_item(
                Key={"pk": _target_pk(tenant_id, campaign), "sk": code},
                UpdateExpression=(
                    "SET targets = :targets, setBy = :ref, lastModifiedTime = :now"
                    " ADD setters :refs"
                ),
                ConditionExpression="setBy = :seen",
                ExpressionAttributeValues={
                    ":targets": to_dynamo(targets),
                    ":ref": row.client_ref,
                    ":refs": {row.client_ref},
                    ":now": now_ms(),
                    ":seen": seen,
                },
            ),
            "registry",
        )


def _raced(row: PendingRow) -> TargetResult:
    # Another upload set this boundary's targets between our read and our write.
    return TargetResult(
        row.client_ref,
        "pending",
        code="TARGETS_CHANGED",
        reason="another upload set this boundary's targets at the same time; compared again",
    )


def _key(row: PendingRow) -> tuple[str, str]:
    return str(row.data["campaignId"]), str(row.data["boundaryCode"]).strip()


def _target_pk(tenant_id: str, campaign_id: str) -> str:
    return f"TARGET#{tenant_id}#{campaign_id}"


def _ref_pk(tenant_id: str, client_ref: str) -> str:
    return f"REF#{tenant_id}#{RESOURCE_TYPE}#{client_ref}"


def _ref_claims(tenant_id: str, results: Mapping[str, TargetResult]) -> list[dict[str, Any]]:
    """The REF claims of the rows whose targets are set: what `find` answers for them.
    A pending or rejected row gets none, so it is compared again when sent again."""
    return [
        {
            "pk": _ref_pk(tenant_id, ref),
            "sk": "REF",
            "outcome": result.outcome,
            "id": result.id,
        }
        for ref, result in results.items()
        if result.outcome in ("created", "updated", "existing")
    ]
