"""DIGIT targets: facilities in the facility service, users in HRMS, boundaries in the boundary
service.

Every record carries the row's client reference, and is confirmed by it, never by field
equality and creation time (what made the original report created facilities as NOT_CREATED):

  facility  clientReferenceId               bulk create is asynchronous: rows come back
                                            `pending`, and `find` searches by clientReferenceId
  user      employee code                   HRMS keeps codes unique and searches by them;
                                            create is synchronous
  boundary  additionalDetails.              the code is the boundary's key; the reference
            clientReferenceId               tells our boundary from someone else's

Before sending a batch, each create looks up what an earlier attempt already made, so a retry
after a lost response never sends a row twice. Refusals are pinned on the rows they name
(`Errors[]` params or a `Facilities[3]`-style path); a refusal that names no row is narrowed
down by sending the batch's rows one by one, since DIGIT validates a request as a whole.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.targets.base import PendingRow, Target, TargetResult
from project_factory.errors import DomainError, TransientError, UpstreamError
from project_factory.settings import Settings

FACILITY_CREATE = "/facility/v1/bulk/_create"
FACILITY_SEARCH = "/facility/v1/_search"
HRMS_CREATE = "/egov-hrms/employees/_create"
HRMS_SEARCH = "/egov-hrms/employees/_search"
INDIVIDUAL_SEARCH = "/health-individual/v1/_search"
BOUNDARY_CREATE = "/boundary-service/boundary/_create"
BOUNDARY_SEARCH = "/boundary-service/boundary/_search"
RELATIONSHIP_CREATE = "/boundary-service/boundary-relationships/_create"
RELATIONSHIP_SEARCH = "/boundary-service/boundary-relationships/_search"

# References per search call (they travel in a query string or a body), and records per
# page: a page larger than the references leaves room for duplicates made by other clients.
# A search for 50 references that runs past _MAX_PAGES pages ignores its filter: better to
# stop than to scan a tenant (what the original did).
_REFS_PER_SEARCH = 50
_PAGE_SIZE = 100
_MAX_PAGES = 20
_MAX_PERMANENT_PAGES = 1000

Results = dict[str, TargetResult]
Send = Callable[[Sequence[PendingRow]], Results]


class FacilityTarget:
    """Facilities through the facility service's bulk create, confirmed by search."""

    resource_type = "facility"
    confirms_by_search = True

    def __init__(self, client: JsonHttpClient, batch_size: int) -> None:
        self._client = client
        self._batch_size = batch_size

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return _in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        found: Results = {}
        for chunk in _chunks(client_refs):
            for facility in self._search(tenant_id, {"clientReferenceId": chunk}):
                ref = facility.get("clientReferenceId")
                if ref in chunk and facility.get("id"):
                    found[ref] = TargetResult(ref, "created", id=str(facility["id"]))
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which facility ids exist (rows that carry an id refer to an existing facility)."""
        if key != "id":
            return set()
        existing: set[str] = set()
        for chunk in _chunks(values):
            existing |= {
                str(facility.get("id")) for facility in self._search(tenant_id, {"id": chunk})
            }
        return {value for value in values if str(value) in existing}

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities as canonical fields and id.

        Not through `_pages`: a tenant may hold more permanent facilities than its cap, and
        this search is meant to list them all. Filtered here too, in case the service
        ignores the criterion.
        """
        facilities: list[dict[str, Any]] = []
        for number in range(_MAX_PERMANENT_PAGES):
            params: dict[str, QueryValue] = {
                "tenantId": tenant_id,
                "limit": _PAGE_SIZE,
                "offset": number * _PAGE_SIZE,
            }
            answer = self._client.post(FACILITY_SEARCH, {"Facility": {"isPermanent": True}}, params)
            page = answer.get("Facilities") or []
            facilities += [_canonical_facility(item) for item in page if item.get("isPermanent")]
            if len(page) < _PAGE_SIZE:
                return facilities
        raise UpstreamError(
            f"the facility service listed more than {_MAX_PERMANENT_PAGES * _PAGE_SIZE} "
            "permanent facilities"
        )

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        results = self.find(tenant_id, [row.client_ref for row in batch])
        unsent = [row for row in batch if row.client_ref not in results]
        if unsent:
            results |= _submit(unsent, lambda rows: self._send(tenant_id, rows), "Facilities")
        return results

    def _send(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        facilities = [_facility(tenant_id, row) for row in rows]
        self._client.post(FACILITY_CREATE, {"Facilities": facilities})
        # Accepted, not created: the service persists bulk creates later; Confirm finds them.
        return {
            row.client_ref: TargetResult(
                row.client_ref,
                "pending",
                code="AWAITING_CONFIRMATION",
                reason="accepted by the facility service, not yet searchable",
            )
            for row in rows
        }

    def _search(self, tenant_id: str, criteria: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        return _pages(
            lambda params: self._client.post(
                FACILITY_SEARCH, {"Facility": dict(criteria)}, {"tenantId": tenant_id} | params
            ).get("Facilities")
        )


class UserTarget:
    """Users as HRMS employees (HRMS creates the login user and the individual)."""

    resource_type = "user"
    confirms_by_search = False

    def __init__(self, client: JsonHttpClient, hierarchy_type: str, batch_size: int) -> None:
        # HRMS and the individual service answer behind the same DIGIT gateway.
        self._client = client
        self._hierarchy_type = hierarchy_type
        self._batch_size = batch_size

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return _in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        found: Results = {}
        for chunk in _chunks(client_refs):
            for employee in self._search(tenant_id, chunk):
                ref = employee.get("code")
                if ref in chunk:
                    found[ref] = _employee_result(ref, employee, password=None)
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which of these mobile numbers already belong to someone."""
        if key != "phone":
            return set()
        taken: set[str] = set()
        for chunk in _chunks([str(value).strip() for value in values]):
            individuals = _pages(
                lambda params, chunk=chunk: self._client.post(
                    INDIVIDUAL_SEARCH,
                    {"Individual": {"mobileNumber": chunk}},
                    {"tenantId": tenant_id, "includeDeleted": False} | params,
                ).get("Individual")
            )
            taken |= {str(individual.get("mobileNumber")) for individual in individuals}
        return {value for value in values if str(value).strip() in taken}

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        found = self.find(tenant_id, [row.client_ref for row in batch])
        # The password is the row's own (made by the flow before the first attempt), so an
        # employee found from an earlier attempt answers the same credentials.
        results = {
            row.client_ref: _with_password(found[row.client_ref], row)
            for row in batch
            if row.client_ref in found
        }
        unsent = [row for row in batch if row.client_ref not in results]
        if unsent:
            results |= _submit(unsent, lambda rows: self._send(tenant_id, rows), "Employees")
        return results

    def _send(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        employees = [self._employee(tenant_id, row) for row in rows]
        answer = self._client.post(HRMS_CREATE, {"Employees": employees})
        by_code = {employee.get("code"): employee for employee in answer.get("Employees") or []}
        results: Results = {}
        for row in rows:
            employee = by_code.get(row.client_ref)
            if employee is None:
                # Not in the answer: the next attempt's search by code will tell.
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="NOT_ANSWERED",
                    reason="HRMS accepted the request without returning this employee",
                )
            else:
                password = str(row.data.get("password") or "")
                results[row.client_ref] = _employee_result(row.client_ref, employee, password)
        return results

    def _employee(self, tenant_id: str, row: PendingRow) -> dict[str, Any]:
        data = row.data
        roles = [str(role) for role in data.get("roles") or []]
        return {
            "tenantId": tenant_id,
            # The employee code is the client reference: HRMS refuses a second employee with
            # the same code, and finds an earlier attempt's employee by it.
            "code": row.client_ref,
            "employeeStatus": "EMPLOYED",
            "employeeType": str(data.get("employmentType") or "Temporary").upper(),
            "user": {
                "name": data.get("name"),
                "mobileNumber": str(data.get("phone") or ""),
                "password": data.get("password"),
                "tenantId": tenant_id,
                "dob": 0,
                "roles": [{"code": role, "name": role, "tenantId": tenant_id} for role in roles],
            },
            "jurisdictions": [
                {
                    "hierarchy": self._hierarchy_type,
                    # As the original admin console sends it: HRMS checks the hierarchy here.
                    "boundaryType": self._hierarchy_type,
                    "boundary": str(code),
                    "tenantId": tenant_id,
                }
                for code in data.get("boundaryCodes") or []
            ],
        }

    def _search(self, tenant_id: str, codes: Sequence[str]) -> Iterator[dict[str, Any]]:
        params = {"tenantId": tenant_id, "codes": ",".join(codes)}
        return _pages(
            lambda page: self._client.post(HRMS_SEARCH, {}, params | page).get("Employees")
        )


class BoundaryTarget:
    """Boundaries: an entity (code) and its place in a hierarchy (relationship to a parent).

    Boundary codes are unique in a tenant, so `create` confirms by itself: it reads the
    entities and relationships that exist for the batch's codes before and after it writes,
    and answers `created` only once the boundary is in the hierarchy.
    """

    resource_type = "boundary"
    confirms_by_search = False

    def __init__(self, client: JsonHttpClient, hierarchy_type: str, batch_size: int) -> None:
        self._client = client
        self._hierarchy_type = hierarchy_type
        self._batch_size = batch_size

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return _in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Boundaries of the hierarchy created for these references.

        The service searches entities by code only, and a reference does not tell the code,
        so this reads the hierarchy's codes, then their entities. That is a recovery path:
        `create` itself never needs it.
        """
        wanted = set(client_refs)
        answer = self._client.post(
            RELATIONSHIP_SEARCH,
            {},
            {"tenantId": tenant_id, "hierarchyType": self._hierarchy_type, "includeChildren": True},
        )
        entities = self._entities(tenant_id, sorted(_tree_codes(answer)))
        return {
            ref: TargetResult(ref, "created", id=str(entity.get("id")))
            for entity in entities.values()
            if (ref := _boundary_ref(entity)) in wanted
        }

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which boundary codes exist in the tenant."""
        if key != "code":
            return set()
        existing = self._entities(tenant_id, [str(value) for value in values])
        return {value for value in values if str(value) in existing}

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        results = {
            row.client_ref: _rejected(row, "MISSING_CODE", "a boundary needs a code")
            for row in batch
            if not _code(row)
        }
        by_code = {_code(row): row for row in batch if row.client_ref not in results}
        # Level by level, parents first: a child is written only once its parent is in the
        # hierarchy, so a refused parent leaves no orphan child entity holding its code.
        for level in _levels(list(by_code.values())):
            ready = []
            for row in level:
                parent = by_code.get(_parent(row) or "")
                answered = results.get(parent.client_ref) if parent else None
                if parent is None or (answered and answered.outcome == "created"):
                    ready.append(row)
                elif answered is None:
                    # Its parent is at the same level or below: the rows form a cycle.
                    results[row.client_ref] = _rejected(
                        row, "PARENT_CYCLE", f"{_code(row)} is among its own ancestors"
                    )
                elif answered.outcome == "rejected":
                    results[row.client_ref] = _rejected(
                        row, "PARENT_REJECTED", f"parent {_parent(row)} was rejected"
                    )
                else:
                    results[row.client_ref] = TargetResult(
                        row.client_ref,
                        "pending",
                        code="AWAITING_PARENT",
                        reason=f"parent {_parent(row)} is not in the hierarchy yet",
                    )
            if ready:
                results |= self._place(tenant_id, ready)
        return results

    def _place(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        """Entities of one level's rows, then their relationships; each step read back once."""
        results: Results = {}
        entities = self._entities(tenant_id, [_code(row) for row in rows])
        new = [row for row in rows if _code(row) not in entities]
        if new:
            sent = _submit(new, lambda some: self._send_entities(tenant_id, some), "Boundary")
            results |= {ref: result for ref, result in sent.items() if result.outcome == "rejected"}
            entities |= self._entities(
                tenant_id, [_code(row) for row in new if row.client_ref not in results]
            )
        owned = []
        for row in rows:
            entity = entities.get(_code(row))
            if row.client_ref in results:
                continue
            if entity is None:
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="AWAITING_BOUNDARY",
                    reason="boundary accepted by the boundary service, not yet searchable",
                )
            elif _boundary_ref(entity) != row.client_ref:
                # The code is taken by a boundary this row did not create.
                results[row.client_ref] = _rejected(
                    row, "DUPLICATE_CODE", f"boundary code {_code(row)} already exists"
                )
            else:
                owned.append(row)
        return results | self._relate(tenant_id, owned, entities)

    def _send_entities(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        boundaries = [
            {
                "tenantId": tenant_id,
                "code": _code(row),
                "additionalDetails": {
                    "clientReferenceId": row.client_ref,
                    "name": row.data.get("name"),
                },
            }
            for row in rows
        ]
        self._client.post(BOUNDARY_CREATE, {"Boundary": boundaries})
        # Sent; whether each is there is read back by code right after.
        return {row.client_ref: TargetResult(row.client_ref, "pending") for row in rows}

    def _relate(
        self, tenant_id: str, rows: Sequence[PendingRow], entities: Mapping[str, Mapping[str, Any]]
    ) -> Results:
        """Put rows (whose parents are in place) into the hierarchy, unless already there."""
        related = self._related(tenant_id, [_code(row) for row in rows])
        results: Results = {}
        sent = []
        for row in rows:
            if _code(row) in related:
                continue
            relationship = {
                "tenantId": tenant_id,
                "code": _code(row),
                "hierarchyType": self._hierarchy_type,
                "boundaryType": row.data.get("boundaryType"),
                "parent": _parent(row),
            }
            try:
                self._client.post(RELATIONSHIP_CREATE, {"BoundaryRelationship": relationship})
            except UpstreamError as exc:
                results[row.client_ref] = _refused(row, exc)
                continue
            sent.append(_code(row))
        if sent:
            related |= self._related(tenant_id, sent)
        for row in rows:
            if row.client_ref in results:
                continue
            if _code(row) in related:
                entity_id = str(entities[_code(row)].get("id"))
                results[row.client_ref] = TargetResult(row.client_ref, "created", id=entity_id)
            else:
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="AWAITING_CONFIRMATION",
                    reason="relationship accepted by the boundary service, not yet searchable",
                )
        return results

    def _entities(self, tenant_id: str, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        entities: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(codes):
            params = {"tenantId": tenant_id, "codes": ",".join(chunk)}
            for entity in _pages(
                lambda page, params=params: self._client.post(
                    BOUNDARY_SEARCH, {}, params | page
                ).get("Boundary")
            ):
                entities[str(entity.get("code"))] = entity
        return entities

    def _related(self, tenant_id: str, codes: Sequence[str]) -> set[str]:
        """The codes among these that are in the hierarchy."""
        related: set[str] = set()
        for chunk in _chunks(codes):
            answer = self._client.post(
                RELATIONSHIP_SEARCH,
                {},
                {
                    "tenantId": tenant_id,
                    "hierarchyType": self._hierarchy_type,
                    "codes": ",".join(chunk),
                },
            )
            related |= _tree_codes(answer) & set(chunk)
        return related


def digit_target(resource_type: str, settings: Settings, hierarchy_type: str | None) -> Target:
    """The DIGIT target for a resource type, wired from settings."""

    def client(url: str, variable: str) -> JsonHttpClient:
        if not url:
            raise ValueError(f"{variable} is not set: {resource_type} rows cannot go to DIGIT")
        return JsonHttpClient(
            url,
            settings.digit_auth_token,
            settings.http_connect_timeout_seconds,
            settings.http_read_timeout_seconds,
        )

    batch_size = settings.create_batch_size
    if resource_type == "facility":
        return FacilityTarget(
            client(settings.facility_service_url, "FACILITY_SERVICE_URL"), batch_size
        )
    if resource_type not in ("user", "boundary"):
        raise ValueError(f"DIGIT creates facility, user and boundary rows, not {resource_type!r}")
    if not hierarchy_type:
        raise ValueError(f"{resource_type} rows need the request's hierarchyType")
    if resource_type == "user":
        hrms = client(settings.hrms_service_url, "HRMS_SERVICE_URL")
        return UserTarget(hrms, hierarchy_type, batch_size)
    boundaries = client(settings.boundary_service_url, "BOUNDARY_SERVICE_URL")
    return BoundaryTarget(boundaries, hierarchy_type, batch_size)


# -- sending rows ---------------------------------------------------------------------------


def _in_batches(
    rows: Sequence[PendingRow], size: int, create: Callable[[Sequence[PendingRow]], Results]
) -> list[TargetResult]:
    """One result per row, in order. A transient failure of the first batch is the call's
    failure (raised, for the Task's retry); after that, the rest of the rows wait as pending,
    so the answers already obtained are not thrown away."""
    results: Results = {}
    for start in range(0, len(rows), size):
        try:
            results |= create(rows[start : start + size])
        except TransientError as exc:
            if not results:
                raise
            results |= _all_pending(rows[start:], exc)
            break
    return [results[row.client_ref] for row in rows]


def _submit(rows: Sequence[PendingRow], send: Send, collection: str) -> Results:
    """Send rows; pin a refusal on the rows it names, or narrow it down row by row."""
    try:
        return send(rows)
    except UpstreamError as exc:
        named = _named_refusals(exc, rows, collection)
        if named:
            rest = [row for row in rows if row.client_ref not in named]
            # DIGIT refused the whole request for those rows: the others were not taken.
            return named | _keep_going(rest, lambda left: _submit(left, send, collection))
        if len(rows) == 1:
            return {rows[0].client_ref: _refused(rows[0], exc)}
        return _keep_going(rows, lambda left: _one_by_one(left, send, collection))


def _one_by_one(rows: Sequence[PendingRow], send: Send, collection: str) -> Results:
    results: Results = {}
    for index, row in enumerate(rows):
        try:
            results |= _submit([row], send, collection)
        except TransientError as exc:
            return results | _all_pending(rows[index:], exc)
    return results


def _keep_going(rows: Sequence[PendingRow], send: Send) -> Results:
    """Rows sent after a first answer: a transient failure leaves them pending, not lost."""
    if not rows:
        return {}
    try:
        return send(rows)
    except TransientError as exc:
        return _all_pending(rows, exc)


def _named_refusals(exc: UpstreamError, rows: Sequence[PendingRow], collection: str) -> Results:
    """Rejections for the rows a refusal's errors name, by reference or code, or by position."""
    by_name = {name: row for row in rows for name in (row.client_ref, _code(row)) if name}
    position = re.compile(rf"{re.escape(collection)}\[(\d+)\]")
    reasons: dict[str, list[tuple[str, str]]] = {}
    for error in exc.params.get("errors") or []:
        row = _row_named(error, rows, by_name, position)
        if row is not None:
            code = str(error.get("code") or exc.code)
            reason = str(error.get("message") or error.get("description") or exc.message)
            reasons.setdefault(row.client_ref, []).append((code, reason))
    return {
        ref: TargetResult(
            ref, "rejected", code=found[0][0], reason="; ".join(reason for _, reason in found)
        )
        for ref, found in reasons.items()
    }


def _row_named(
    error: Mapping[str, Any],
    rows: Sequence[PendingRow],
    by_name: Mapping[str, PendingRow],
    position: re.Pattern[str],
) -> PendingRow | None:
    params = error.get("params")
    for param in params if isinstance(params, list) else []:
        if str(param) in by_name:
            return by_name[str(param)]
    for text in (error.get("description"), error.get("message")):
        match = position.search(text) if isinstance(text, str) else None
        if match and int(match.group(1)) < len(rows):
            return rows[int(match.group(1))]
    return None


# -- results --------------------------------------------------------------------------------


def _refused(row: PendingRow, exc: UpstreamError) -> TargetResult:
    errors = exc.params.get("errors") or []
    code = str(errors[0].get("code")) if errors and errors[0].get("code") else exc.code
    messages = [str(error.get("message")) for error in errors if error.get("message")]
    return _rejected(row, code, "; ".join(messages) or exc.message)


def _rejected(row: PendingRow, code: str, reason: str) -> TargetResult:
    return TargetResult(row.client_ref, "rejected", code=code, reason=reason)


def _all_pending(rows: Iterable[PendingRow], exc: DomainError) -> Results:
    return {
        row.client_ref: TargetResult(row.client_ref, "pending", code=exc.code, reason=exc.message)
        for row in rows
    }


def _employee_result(ref: str, employee: Mapping[str, Any], password: str | None) -> TargetResult:
    user = employee.get("user") or {}
    # Health HRMS names the login user's id userServiceUuid; core HRMS calls it uuid.
    user_id = user.get("userServiceUuid") or user.get("uuid") or employee.get("uuid")
    output = {"username": str(user.get("userName") or "")}
    if password is not None:
        output["password"] = password
    return TargetResult(ref, "created", id=str(user_id), output=output)


def _with_password(result: TargetResult, row: PendingRow) -> TargetResult:
    output = result.output | {"password": str(row.data.get("password") or "")}
    return TargetResult(result.client_ref, result.outcome, id=result.id, output=output)


# -- payloads and answers -------------------------------------------------------------------


def _facility(tenant_id: str, row: PendingRow) -> dict[str, Any]:
    data = row.data
    codes = [str(code) for code in data.get("boundaryCodes") or []]
    facility: dict[str, Any] = {
        "tenantId": tenant_id,
        "clientReferenceId": row.client_ref,
        "name": data.get("name"),
        "isPermanent": bool(data.get("isPermanent")),
        # DIGIT's "usage" is the facility type; our "usage" (Active/Inactive) stays with us.
        "usage": data.get("facilityType"),
        "storageCapacity": _whole(data.get("capacity")),
        # The service keeps one locality per facility; every code stays in additionalFields.
        "additionalFields": {
            "schema": "Facility",
            "version": 1,
            "fields": [{"key": "boundaryCodes", "value": ",".join(codes)}],
        },
    }
    if codes:
        facility["address"] = {"tenantId": tenant_id, "locality": {"code": codes[0]}}
    return facility


def _canonical_facility(facility: Mapping[str, Any]) -> dict[str, Any]:
    """A facility of the service as the canonical fields `_facility` sent (usage stays ours)."""
    extra = (facility.get("additionalFields") or {}).get("fields") or []
    listed = next((f.get("value") for f in extra if f.get("key") == "boundaryCodes"), None)
    locality = ((facility.get("address") or {}).get("locality") or {}).get("code")
    codes = [code for code in str(listed or locality or "").split(",") if code]
    return {
        "id": str(facility.get("id")),
        "name": facility.get("name"),
        "facilityType": facility.get("usage"),
        "isPermanent": bool(facility.get("isPermanent")),
        "capacity": facility.get("storageCapacity"),
        "boundaryCodes": codes,
    }


def _whole(number: Any) -> Any:
    """storageCapacity is an Integer in DIGIT; a fractional capacity is left for it to refuse."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _code(row: PendingRow) -> str:
    return str(row.data.get("code") or "")


def _parent(row: PendingRow) -> str | None:
    parent = row.data.get("parentCode")
    return str(parent) if parent else None


def _boundary_ref(entity: Mapping[str, Any]) -> str | None:
    details = entity.get("additionalDetails")
    return details.get("clientReferenceId") if isinstance(details, dict) else None


def _levels(rows: Sequence[PendingRow]) -> list[list[PendingRow]]:
    """Rows grouped by depth below the batch's own rows: parents come before children."""
    by_code = {_code(row): row for row in rows}
    depths: dict[str, int] = {}

    def depth(row: PendingRow, seen: frozenset[str] = frozenset()) -> int:
        code, parent = _code(row), _parent(row)
        if code not in depths:
            inside = parent in by_code and parent not in seen  # a cycle is the service's to refuse
            depths[code] = depth(by_code[parent], seen | {code}) + 1 if inside else 0
        return depths[code]

    levels: dict[int, list[PendingRow]] = {}
    for row in rows:
        levels.setdefault(depth(row), []).append(row)
    return [levels[number] for number in sorted(levels)]


def _tree_codes(answer: Mapping[str, Any]) -> set[str]:
    """Every code in a relationship search answer (TenantBoundary[].boundary[] trees)."""
    codes: set[str] = set()
    stack = [
        node for tree in answer.get("TenantBoundary") or [] for node in tree.get("boundary") or []
    ]
    while stack:
        node = stack.pop()
        codes.add(str(node.get("code")))
        stack.extend(node.get("children") or [])
    return codes


# -- searching ------------------------------------------------------------------------------


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(str(value) for value in values))
    for start in range(0, len(unique), _REFS_PER_SEARCH):
        yield unique[start : start + _REFS_PER_SEARCH]


def _pages(
    fetch: Callable[[dict[str, QueryValue]], list[dict[str, Any]] | None],
) -> Iterator[dict[str, Any]]:
    """Every record of a DIGIT search, page by page (limit/offset in the query string)."""
    for number in range(_MAX_PAGES):
        page = fetch({"limit": _PAGE_SIZE, "offset": number * _PAGE_SIZE}) or []
        yield from page
        if len(page) < _PAGE_SIZE:
            return
    raise UpstreamError(
        f"a search returned more than {_MAX_PAGES * _PAGE_SIZE} records: it ignores its criteria"
    )
