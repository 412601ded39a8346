"""The built-in registry: the default target, one DynamoDB table for facilities, users, boundaries.

What each item holds is in registry_items.py, what differs between the types in
registry_kinds.py; here is the order the items are written in, which is what makes a
create safe to repeat and to race.

Each row's business key is claimed first, by one conditional PutItem (see
adapters/key_claims.py): exactly one client reference owns a key, however many uploads race
for it. Only the owners' rows are then written, in batches (BatchWriteItem), not one
transaction per row: a transaction per row costs a round trip per row (and moto copies the
whole table for each one, which is quadratic). Safety comes from the order of the writes:
- the KEY claim comes first; a row whose key another reference owns is never written. It
  answers `existing` (the owner's record has the same fields: the same file uploaded twice)
  or `conflict` (other fields), with the owner's id, or `pending` while the owner has
  claimed the key but not written its record yet (the flow asks again after its backoff);
- ids are derived from the client reference, so writing a row again overwrites the same
  record and a retried create can never make a second one;
- entities (and the KEY claim again, with its username) next, REF claims last: `find`
  (which reads REF claims) only reports rows whose record is complete, and a retry after a
  partial write finds its own KEY claim (same client reference), which lets it in to
  finish the job. A claim whose owner never wrote its record is taken over once stale
  (a day old: longer than any create flow retries a row).
Reads (`find`, `registered`) are registry_reads.py's, updates and deactivations
registry_changes.py's; the demo's injected faults wrap the target (injected_faults.py).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import batch_get
from project_factory.adapters.dynamo_key_claims import DynamoKeyClaims
from project_factory.adapters.key_claims import Claim, ClaimRequest, KeyClaims
from project_factory.adapters.targets.base import Target
from project_factory.adapters.targets.injected_faults import with_injected_faults
from project_factory.adapters.targets.registry_changes import RegistryChanges
from project_factory.adapters.targets.registry_items import (
    Item,
    entity_pk,
    key_claim_attributes,
    row_items,
    username_output,
)
from project_factory.adapters.targets.registry_kinds import KINDS
from project_factory.adapters.targets.registry_reads import RegistryReads
from project_factory.adapters.usernames import DEFAULT_USERNAME_PATTERN, UsernameAllocator
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class RegistryTarget:
    """Creates rows of one resource type in the registry table, synchronously."""

    confirms_by_search = False
    # Ids derive from the client reference: writing a row again overwrites its record.
    resend_after_seconds = 0.0

    def __init__(
        self,
        resource_type: str,
        table: "Table",
        *,
        usernames: UsernameAllocator | None = None,
        claims: KeyClaims | None = None,
    ) -> None:
        if resource_type not in KINDS:
            raise ValueError(f"the registry holds {sorted(KINDS)}, not {resource_type!r}")
        self.resource_type = resource_type
        self._kind = KINDS[resource_type]
        self._table = table
        self._usernames = usernames or UsernameAllocator(table, DEFAULT_USERNAME_PATTERN)
        self._claims = claims or DynamoKeyClaims(table)
        self.updatable_fields = self._kind.fields
        self._changes = RegistryChanges(
            resource_type,
            table,
            self._kind,
            claims=self._claims,
            batch_get=self._batch_get,
            batch_write=self._batch_write,
        )
        self._reads = RegistryReads(resource_type, self._kind, table, self._batch_get)

    # -- Target ---------------------------------------------------------------------------

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """Claims the rows' business keys, then writes the rows that own theirs.

        A row written before (its KEY claim names its client reference) is written again
        with the same id and username: the same record, never a second one. No REF lookup
        first: the flow confirms with `find` before it sends a row again. A row whose key
        another reference owns (another upload's row, or an earlier row of this batch)
        becomes no record: existing, conflict or pending (see the module's docstring).
        """
        results = self._changes.apply(tenant_id, [row for row in rows if row.operation != "create"])
        results |= self._create(tenant_id, [row for row in rows if row.operation == "create"])
        return [results[row.client_ref] for row in rows]

    def _create(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        results, claimants, followers = self._by_key(rows)
        claims = self._claims.claim(
            tenant_id,
            self.resource_type,
            [
                ClaimRequest(key, row.client_ref, self._claim_attributes(tenant_id, row))
                for key, row in claimants.items()
            ],
        )
        owned: list[tuple[PendingRow, dict[str, Any] | None]] = [
            (row, dict(claims[key].item)) for key, row in claimants.items() if claims[key].won
        ]
        results |= self._write(tenant_id, owned)
        # Written first, so that a later row of this batch with the same key finds its record.
        others = [(row, claims[key]) for key, row in claimants.items() if not claims[key].won]
        others += [
            (row, self._owner_of(tenant_id, claims[key], claimants[key])) for row, key in followers
        ]
        return results | self._against_owners(tenant_id, others)

    def _by_key(
        self, rows: Sequence[PendingRow]
    ) -> tuple[dict[str, TargetResult], dict[str, PendingRow], list[tuple[PendingRow, str]]]:
        """The create rows sorted out: (the refused ones' results, the first row of each
        business key by key, the later rows of a key with their key)."""
        refused: dict[str, TargetResult] = {}
        claimants: dict[str, PendingRow] = {}
        followers: list[tuple[PendingRow, str]] = []
        for row in rows:
            refusal = self.refusal(row)
            if refusal is not None:
                refused[row.client_ref] = refusal
            elif (key := self._kind.business_key(row)) in claimants:
                followers.append((row, key))
            else:
                claimants[key] = row
        return refused, claimants, followers

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Created rows among these client references (see RegistryReads.find)."""
        return self._reads.find(tenant_id, client_refs)

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """The values (as given) whose business key is already claimed, e.g. phones."""
        return self._reads.registered(tenant_id, key, values)

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities: canonical fields and id (a Query, not a Scan)."""
        return self._reads.permanent_facilities(tenant_id)

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records among these ids (RecordKeeper): rows that carry one are changes."""
        return self._changes.records(tenant_id, ids)

    def changes_made(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The changes made among these rows, from their UPD claims (RecordKeeper)."""
        return self._changes.found(tenant_id, [row.client_ref for row in rows])

    def refusal(self, row: PendingRow) -> TargetResult | None:
        """The answer for a create row that must never be written (a required field blank),
        or None (injected_faults.RefusesRows: such a row is refused, never failed first)."""
        return self._kind.refusal(row)

    # -- create steps ---------------------------------------------------------------------

    def _claim_attributes(self, tenant_id: str, row: PendingRow) -> Item:
        return key_claim_attributes(self._kind, self.resource_type, tenant_id, row)

    def _owner_of(self, tenant_id: str, claim: Claim, claimant: PendingRow) -> Claim:
        """The owner of a key an earlier row of the batch claimed: that row, or whoever beat it."""
        if not claim.won:
            return claim
        entity_id = self._kind.new_id(tenant_id, claimant.client_ref, claimant.data)
        item = {"id": entity_id, "clientReferenceId": claimant.client_ref}
        return Claim(claim.key, False, claimant.client_ref, item)

    def _against_owners(
        self, tenant_id: str, others: list[tuple[PendingRow, Claim]]
    ) -> dict[str, TargetResult]:
        """Rows whose key another reference owns, compared with the owner's record."""
        if not others:
            return {}
        owner_ids = {claim.owner_id for _, claim in others if claim.owner_id}
        pk = entity_pk(tenant_id, self.resource_type)
        entities = {str(item["sk"]): item for item in self._batch_get([(pk, i) for i in owner_ids])}
        results: dict[str, TargetResult] = {}
        taken: list[tuple[PendingRow, dict[str, Any] | None]] = []
        for row, claim in others:
            entity = entities.get(claim.owner_id or "")
            if entity is not None:
                results[row.client_ref] = self._kind.compared(row, entity)
                continue
            request = ClaimRequest(
                claim.key, row.client_ref, self._claim_attributes(tenant_id, row)
            )
            # The owner claimed the key and has not written its record: it is writing it
            # now (ask again later), or it died long ago and the key is free again.
            if self._claims.take_over_stale(tenant_id, self.resource_type, request, claim):
                taken.append((row, None))
            else:
                results[row.client_ref] = self._kind.owner_busy(row, claim)
        return results | self._write(tenant_id, taken)

    def _write(
        self, tenant_id: str, rows: list[tuple[PendingRow, dict[str, Any] | None]]
    ) -> dict[str, TargetResult]:
        if not rows:
            return {}
        records: list[Item] = []
        refs: list[Item] = []
        results: dict[str, TargetResult] = {}
        for (row, _claim), username in zip(rows, self._usernames_of(tenant_id, rows), strict=True):
            row_records, ref_claim = self.items(tenant_id, row, username)
            records += row_records
            refs.append(ref_claim)
            results[row.client_ref] = TargetResult(
                row.client_ref, "created", id=ref_claim["id"], output=username_output(username)
            )
        # Records first, REF claims last: a row is "found" only once it is complete.
        self._batch_write(records)
        self._batch_write(refs)
        return results

    def _usernames_of(
        self, tenant_id: str, rows: list[tuple[PendingRow, dict[str, Any] | None]]
    ) -> list[str | None]:
        """Each row's username. A retry after a partial write keeps the username its KEY
        claim recorded; a user row that carries none is given one now."""
        carried = [(claim or {}).get("username") or row.data.get("username") for row, claim in rows]
        if self.resource_type != "user":
            return carried
        return list(self._usernames.fill_in(tenant_id, carried))

    def items(
        self, tenant_id: str, row: PendingRow, username: str | None = None
    ) -> tuple[list[Item], Item]:
        """The items that record a row: (entity and KEY claim, REF claim)."""
        return row_items(self._kind, self.resource_type, tenant_id, row, username)

    # -- DynamoDB calls -------------------------------------------------------------------

    def _batch_write(self, items: list[Item]) -> None:
        # boto3's batch writer sends 25 items per call and resends unprocessed ones.
        with outage_is_transient("registry"), self._table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)

    def _batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        with outage_is_transient("registry"):
            return batch_get(self._table, [{"pk": pk, "sk": sk} for pk, sk in keys])


def registry_target(resource_type: str, settings: Settings, table: "Table | None" = None) -> Target:
    """The registry target for one resource type, with the demo's injected faults when the
    settings ask for them; the table is built from settings unless given."""
    if table is None:
        import boto3  # lazily: keeps cold starts of functions that never create rows small

        table = boto3.resource("dynamodb", region_name=settings.region).Table(
            settings.registry_table
        )
    target = RegistryTarget(
        resource_type,
        table,
        usernames=UsernameAllocator(table, settings.username_pattern),
        claims=DynamoKeyClaims(table),
    )
    return with_injected_faults(target, table, settings.registry_transient_failure_rate)
