"""What the fake DIGIT services do with a request: in-memory records, DIGIT-shaped answers.

Each handler takes the parsed query string and JSON body and returns (HTTP status, body). The
shapes follow the real services closely enough for our adapters (facility, health-hrms,
health-individual, boundary-service, mdms-v2); validation is only what the tests need.

Like a service with idempotency, a create never makes a second record for the same client
reference (facility clientReferenceId, employee code, boundary code), but every such repeat is
counted in `duplicates` (and per reference in `repeats`, beside `create_requests`, every
create request per reference), so a test can assert that our code never sent one.
"""

import copy
import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.mdms_records import ADMIN_SCHEMA_CODE, PUBLISHED

Query = Mapping[str, list[str]]
Body = dict[str, Any]
Reply = tuple[int, Body]
Matcher = str | Callable[[Mapping[str, Any]], bool]
Handler = Callable[[Query, Body], Reply]

ADMIN_SCHEMA = ADMIN_SCHEMA_CODE

# The paths the HCM project-factory calls, as its defaults give them. Source:
# egovernments/health-campaign-services, health-services/project-factory/src/server/config/
# index.ts (`paths`: hrmsEmployeeCreate, hrmsEmployeeSearch, facilityBulkCreate,
# facilitySearch, healthIndividualSearch, boundaryServiceSearch, boundaryRelationship,
# boundaryRelationshipCreate, boundaryHierarchy, mdms_v2_search). The boundary entity create
# is the boundary service's own `boundary/_create` (the same service's search sits beside it).
MDMS_SEARCH = "/mdms-v2/v2/_search"
FACILITY_BULK_CREATE = "/facility/v1/bulk/_create"
FACILITY_SEARCH = "/facility/v1/_search"
HRMS_CREATE = "/health-hrms/employees/_create"
HRMS_SEARCH = "/health-hrms/employees/_search"
INDIVIDUAL_SEARCH = "/health-individual/v1/_search"
BOUNDARY_CREATE = "/boundary-service/boundary/_create"
BOUNDARY_SEARCH = "/boundary-service/boundary/_search"
RELATIONSHIP_CREATE = "/boundary-service/boundary-relationships/_create"
RELATIONSHIP_SEARCH = "/boundary-service/boundary-relationships/_search"
HIERARCHY_SEARCH = "/boundary-service/boundary-hierarchy-definition/_search"
KINDS = ("facility", "employee", "individual", "boundary", "relationship")


@dataclass(frozen=True)
class _Rejection:
    match: Matcher
    reason: str
    code: str

    def applies(self, ref: str | None, item: Mapping[str, Any]) -> bool:
        if isinstance(self.match, str):
            return ref == self.match
        return self.match(item)


class DigitState:
    """The records of every fake service, behind one lock (handlers run on many threads)."""

    def __init__(self) -> None:
        self.visibility_delay_seconds = 0.0
        self._lock = threading.Lock()
        self._records: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        self._visible_at: dict[str, float] = {}  # facility id -> monotonic time
        self._duplicates: Counter[str] = Counter()
        # Per record (kind, client reference): every create request that reached the
        # service, and those that came when the record already existed (sent twice).
        self._create_requests: Counter[tuple[str, str]] = Counter()
        self._repeats: Counter[tuple[str, str]] = Counter()
        self._rejections: list[_Rejection] = []
        # MDMS starts with the records the original platform publishes (see mdms_records).
        self._schemas: dict[tuple[str, str], dict[str, Any]] = {
            (ADMIN_SCHEMA, identifier): record() for identifier, record in PUBLISHED.items()
        }
        self._hierarchies: dict[tuple[str, str], list[str]] = {}
        self._sequence = itertools.count(1)

    # -- control (called by tests through FakeDigit) ------------------------------------------

    def reject(self, match: Matcher, reason: str, code: str) -> None:
        with self._lock:
            self._rejections.append(_Rejection(match, reason, code))

    def set_schema(self, identifier: str, record: Mapping[str, Any], schema_code: str) -> None:
        with self._lock:
            self._schemas[(schema_code, identifier)] = copy.deepcopy(dict(record))

    def set_hierarchy(self, tenant_id: str, hierarchy_type: str, levels: list[str]) -> None:
        with self._lock:
            self._hierarchies[(tenant_id, hierarchy_type)] = list(levels)

    def seed_individual(self, tenant_id: str, mobile_number: str, name: str) -> None:
        with self._lock:
            number = next(self._sequence)
            self._records["individual"].append(
                {
                    "id": f"IND-{number:06d}",
                    "tenantId": tenant_id,
                    "mobileNumber": mobile_number,
                    "userServiceUuid": str(uuid.uuid4()),
                    "name": {"givenName": name},
                }
            )

    def records(self, kind: str) -> list[dict[str, Any]]:
        if kind not in KINDS:
            raise ValueError(f"kinds are {KINDS}, not {kind!r}")
        with self._lock:
            return copy.deepcopy(self._records[kind])

    def duplicates(self, kind: str) -> int:
        with self._lock:
            return self._duplicates[kind]

    def create_requests(self, kind: str) -> Counter[str]:
        """Create requests that reached the service, per client reference of a kind."""
        with self._lock:
            return Counter({ref: n for (k, ref), n in self._create_requests.items() if k == kind})

    def repeats(self, kind: str) -> Counter[str]:
        """Creates received for a client reference that already had a record, per reference
        (what `duplicates` counts in total)."""
        with self._lock:
            return Counter({ref: n for (k, ref), n in self._repeats.items() if k == kind})

    def _count_request(self, kind: str, ref: Any) -> None:
        if ref:
            self._create_requests[(kind, str(ref))] += 1

    def _count_repeat(self, kind: str, ref: Any) -> None:
        self._duplicates[kind] += 1
        if ref:
            self._repeats[(kind, str(ref))] += 1

    def routes(self) -> dict[str, Handler]:
        return {
            MDMS_SEARCH: self.mdms_search,
            FACILITY_BULK_CREATE: self.facility_bulk_create,
            FACILITY_SEARCH: self.facility_search,
            HRMS_CREATE: self.employee_create,
            HRMS_SEARCH: self.employee_search,
            INDIVIDUAL_SEARCH: self.individual_search,
            BOUNDARY_CREATE: self.boundary_create,
            BOUNDARY_SEARCH: self.boundary_search,
            RELATIONSHIP_CREATE: self.relationship_create,
            RELATIONSHIP_SEARCH: self.relationship_search,
            HIERARCHY_SEARCH: self.hierarchy_search,
        }

    # -- MDMS v2 ------------------------------------------------------------------------------

    def mdms_search(self, _query: Query, body: Body) -> Reply:
        criteria = body.get("MdmsCriteria") or {}
        if not criteria.get("tenantId"):
            return _refused("INVALID_TENANT", "MdmsCriteria.tenantId is required")
        identifiers = criteria.get("uniqueIdentifiers")
        with self._lock:
            found = [
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{code}/{identifier}")),
                    "tenantId": criteria["tenantId"],
                    "schemaCode": code,
                    "uniqueIdentifier": identifier,
                    "data": copy.deepcopy(record),
                    "isActive": True,
                    "auditDetails": _audit(),
                }
                for (code, identifier), record in self._schemas.items()
                if code == criteria.get("schemaCode")
                and (identifiers is None or identifier in identifiers)
            ]
        return 200, {"ResponseInfo": _response_info(), "mdms": found}

    # -- facility -----------------------------------------------------------------------------

    def facility_bulk_create(self, _query: Query, body: Body) -> Reply:
        items = body.get("Facilities")
        if not isinstance(items, list) or not items:
            return _refused("INVALID_REQUEST", "Facilities must be a non-empty list")
        with self._lock:
            errors = []
            for index, item in enumerate(items):
                ref = item.get("clientReferenceId")
                self._count_request("facility", ref)
                if not ref or not item.get("tenantId"):
                    errors.append(
                        _error(
                            "NotNull",
                            "clientReferenceId and tenantId are required",
                            f"Facilities[{index}]",
                        )
                    )
                elif rejection := self._rejection(ref, item):
                    errors.append(
                        _error(rejection.code, rejection.reason, f"Facilities[{index}]", ref)
                    )
            # Like bean validation on the request: one bad row and nothing is accepted.
            if errors:
                return 400, {"ResponseInfo": None, "Errors": errors}
            for item in items:
                if self._find(
                    "facility", item["tenantId"], clientReferenceId=item["clientReferenceId"]
                ):
                    self._count_repeat("facility", item["clientReferenceId"])
                    continue
                record = copy.deepcopy(item) | {
                    "id": f"F-{next(self._sequence):06d}",
                    "auditDetails": _audit(),
                }
                self._records["facility"].append(record)
                self._visible_at[record["id"]] = time.monotonic() + self.visibility_delay_seconds
        # Accepted, not created: the real service persists bulk creates asynchronously.
        return 202, {"ResponseInfo": _response_info()}

    def facility_search(self, query: Query, body: Body) -> Reply:
        tenant_id = _first(query, "tenantId")
        if not tenant_id:
            return _refused("INVALID_TENANT", "tenantId is required")
        criteria = body.get("Facility") or {}
        refs, ids = criteria.get("clientReferenceId"), criteria.get("id")
        permanent = criteria.get("isPermanent")
        now = time.monotonic()
        with self._lock:
            found = [
                record
                for record in self._records["facility"]
                if record["tenantId"] == tenant_id
                and self._visible_at[record["id"]] <= now
                and (refs is None or record["clientReferenceId"] in refs)
                and (ids is None or record["id"] in ids)
                and (permanent is None or record.get("isPermanent") == permanent)
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Facilities": page, "TotalCount": len(found)}

    # -- HRMS and individuals -----------------------------------------------------------------

    def employee_create(self, _query: Query, body: Body) -> Reply:
        employees = body.get("Employees")
        if not isinstance(employees, list) or not employees:
            return _refused("INVALID_REQUEST", "Employees must be a non-empty list")
        with self._lock:
            for employee in employees:
                self._count_request("employee", employee.get("code"))
            errors = self._employee_errors(employees)
            # Real HRMS validates the whole request and names no row in its errors.
            if errors:
                return 400, {"ResponseInfo": None, "Errors": errors}
            created = [self._create_employee(employee) for employee in employees]
        return 202, {"ResponseInfo": _response_info(), "Employees": copy.deepcopy(created)}

    def employee_search(self, query: Query, _body: Body) -> Reply:
        tenant_id = _first(query, "tenantId")
        if not tenant_id:
            return _refused("INVALID_TENANT", "tenantId is required")
        codes, phone = _csv(query, "codes"), _first(query, "phone")
        with self._lock:
            found = [
                employee
                for employee in self._records["employee"]
                if employee["tenantId"] == tenant_id
                and (codes is None or employee["code"] in codes)
                and (phone is None or employee["user"]["mobileNumber"] == phone)
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Employees": page}

    def individual_search(self, query: Query, body: Body) -> Reply:
        tenant_id = _first(query, "tenantId")
        if not tenant_id:
            return _refused("INVALID_TENANT", "tenantId is required")
        mobiles = (body.get("Individual") or {}).get("mobileNumber")
        if isinstance(mobiles, str):
            mobiles = [mobiles]
        with self._lock:
            found = [
                individual
                for individual in self._records["individual"]
                if individual["tenantId"] == tenant_id
                and (mobiles is None or individual["mobileNumber"] in mobiles)
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Individual": page}

    # -- boundary service ---------------------------------------------------------------------

    def boundary_create(self, _query: Query, body: Body) -> Reply:
        items = body.get("Boundary")
        if not isinstance(items, list) or not items:
            return _refused("INVALID_REQUEST", "Boundary must be a non-empty list")
        with self._lock:
            errors = []
            for index, item in enumerate(items):
                code, tenant_id = item.get("code"), item.get("tenantId")
                self._count_request("boundary", _boundary_ref(item))
                existing = self._find("boundary", tenant_id, code=code)
                if not code or not tenant_id:
                    errors.append(
                        _error("NotNull", "code and tenantId are required", f"Boundary[{index}]")
                    )
                elif rejection := self._rejection(_boundary_ref(item), item):
                    errors.append(
                        _error(rejection.code, rejection.reason, f"Boundary[{index}]", code)
                    )
                elif existing:
                    if _boundary_ref(existing[0]) == _boundary_ref(item):
                        self._count_repeat("boundary", _boundary_ref(item))
                    message = f"boundary code {code} already exists"
                    errors.append(_error("DUPLICATE_CODE", message, f"Boundary[{index}]", code))
            if errors:
                return 400, {"ResponseInfo": None, "Errors": errors}
            created = [copy.deepcopy(item) | {"id": str(uuid.uuid4())} for item in items]
            self._records["boundary"].extend(created)
        return 202, {"ResponseInfo": _response_info(), "Boundary": copy.deepcopy(created)}

    def boundary_search(self, query: Query, _body: Body) -> Reply:
        tenant_id, codes = _first(query, "tenantId"), _csv(query, "codes")
        if not tenant_id or not codes:
            return _refused("INVALID_SEARCH", "tenantId and codes are required")
        with self._lock:
            found = [
                boundary
                for boundary in self._records["boundary"]
                if boundary["tenantId"] == tenant_id and boundary["code"] in codes
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Boundary": page}

    def relationship_create(self, _query: Query, body: Body) -> Reply:
        relation = body.get("BoundaryRelationship") or {}
        tenant_id, code = relation.get("tenantId"), relation.get("code")
        hierarchy_type, parent = relation.get("hierarchyType"), relation.get("parent")
        with self._lock:
            self._count_request("relationship", code)
            if not (tenant_id and code and hierarchy_type and relation.get("boundaryType")):
                return _refused("NotNull", "tenantId, code, hierarchyType, boundaryType required")
            if rejection := self._rejection(code, relation):
                return _refused(rejection.code, rejection.reason, code)
            if not self._find("boundary", tenant_id, code=code):
                return _refused("INVALID_BOUNDARY_CODE", f"no boundary entity {code}", code)
            if self._find("relationship", tenant_id, code=code, hierarchyType=hierarchy_type):
                self._count_repeat("relationship", code)
                return _refused("DUPLICATE_RECORDS", f"{code} is already in the hierarchy", code)
            if parent and not self._find(
                "relationship", tenant_id, code=parent, hierarchyType=hierarchy_type
            ):
                return _refused("INVALID_PARENT", f"parent {parent} is not in the hierarchy", code)
            record = {
                "id": str(uuid.uuid4()),
                "tenantId": tenant_id,
                "code": code,
                "hierarchyType": hierarchy_type,
                "boundaryType": relation["boundaryType"],
                "parent": parent,
            }
            self._records["relationship"].append(record)
        node = {"id": record["id"], "code": code, "boundaryType": record["boundaryType"]}
        tree = {"tenantId": tenant_id, "hierarchyType": hierarchy_type, "boundary": [node]}
        return 202, {"ResponseInfo": _response_info(), "TenantBoundary": [tree]}

    def relationship_search(self, query: Query, _body: Body) -> Reply:
        tenant_id, hierarchy_type = _first(query, "tenantId"), _first(query, "hierarchyType")
        if not tenant_id or not hierarchy_type:
            return _refused("INVALID_SEARCH", "tenantId and hierarchyType are required")
        codes = _csv(query, "codes")
        with_children = _first(query, "includeChildren") == "true"
        with self._lock:
            relations = [
                relation
                for relation in self._records["relationship"]
                if relation["tenantId"] == tenant_id and relation["hierarchyType"] == hierarchy_type
            ]
        children: dict[str | None, list[dict[str, Any]]] = {}
        for relation in relations:
            children.setdefault(relation["parent"], []).append(relation)

        def node(relation: Mapping[str, Any]) -> dict[str, Any]:
            below = children.get(relation["code"], []) if with_children else []
            return {
                "id": relation["id"],
                "code": relation["code"],
                "boundaryType": relation["boundaryType"],
                "children": [node(child) for child in below],
            }

        if codes is None:
            roots = children.get(None, [])
        else:
            roots = [relation for relation in relations if relation["code"] in codes]
        if not roots:
            return 200, {"ResponseInfo": _response_info(), "TenantBoundary": []}
        tree = {
            "tenantId": tenant_id,
            "hierarchyType": hierarchy_type,
            "boundary": [node(root) for root in roots],
        }
        return 200, {"ResponseInfo": _response_info(), "TenantBoundary": [tree]}

    def hierarchy_search(self, _query: Query, body: Body) -> Reply:
        criteria = body.get("BoundaryTypeHierarchySearchCriteria") or {}
        tenant_id, hierarchy_type = criteria.get("tenantId"), criteria.get("hierarchyType")
        if not tenant_id:
            return _refused("INVALID_SEARCH", "BoundaryTypeHierarchySearchCriteria.tenantId")
        with self._lock:
            found = [
                {
                    "tenantId": tenant,
                    "hierarchyType": hierarchy,
                    "boundaryHierarchy": [
                        {
                            "boundaryType": level,
                            "parentBoundaryType": levels[index - 1] if index else None,
                            "active": True,
                        }
                        for index, level in enumerate(levels)
                    ],
                }
                for (tenant, hierarchy), levels in self._hierarchies.items()
                if tenant == tenant_id and hierarchy_type in (None, hierarchy)
            ]
        return 200, {
            "ResponseInfo": _response_info(),
            "totalCount": len(found),
            "BoundaryHierarchy": found,
        }

    # -- helpers (called with the lock held) --------------------------------------------------

    def _rejection(self, ref: str | None, item: Mapping[str, Any]) -> _Rejection | None:
        return next((rule for rule in self._rejections if rule.applies(ref, item)), None)

    def _find(self, kind: str, tenant_id: str | None, **fields: Any) -> list[dict[str, Any]]:
        return [
            record
            for record in self._records[kind]
            if record.get("tenantId") == tenant_id
            and all(record.get(name) == value for name, value in fields.items())
        ]

    def _employee_errors(self, employees: list[dict[str, Any]]) -> list[dict[str, Any]]:
        errors = []
        phones_in_request: Counter[str] = Counter(
            str((employee.get("user") or {}).get("mobileNumber")) for employee in employees
        )
        for employee in employees:
            code, tenant_id = employee.get("code"), employee.get("tenantId")
            mobile = str((employee.get("user") or {}).get("mobileNumber") or "")
            if not code or not tenant_id or not mobile:
                errors.append(_error("NotNull", "code, tenantId and user.mobileNumber required"))
            elif rejection := self._rejection(code, employee):
                errors.append(_error(rejection.code, rejection.reason))
            elif self._find("employee", tenant_id, code=code):
                self._count_repeat("employee", code)
                errors.append(_error("ERR_HRMS_USER_EXIST_CODE", f"employee {code} exists"))
            elif self._username_taken(tenant_id, (employee.get("user") or {}).get("userName")):
                # HRMS refuses a second user of a name: ERR_HRMS_USER_EXIST_USERNAME.
                message = "User already exists with this username"
                errors.append(_error("ERR_HRMS_USER_EXIST_USERNAME", message))
            elif (
                self._find("individual", tenant_id, mobileNumber=mobile)
                or phones_in_request[mobile] > 1
            ):
                message = "User already exists with this mobile number"
                errors.append(_error("ERR_HRMS_USER_EXIST_MOB", message))
        return errors

    def _username_taken(self, tenant_id: str | None, username: Any) -> bool:
        return bool(username) and any(
            employee["user"].get("userName") == username
            for employee in self._find("employee", tenant_id)
        )

    def _create_employee(self, employee: Mapping[str, Any]) -> dict[str, Any]:
        number = next(self._sequence)
        user = {name: value for name, value in employee["user"].items() if name != "password"}
        # The project-factory names every user (enrichEmployees: user.userName and code from
        # idgen); HRMS keeps the userName it is given, and falls back on the code.
        user |= {"userName": user.get("userName") or employee["code"], "uuid": str(uuid.uuid4())}
        record = copy.deepcopy(dict(employee)) | {
            "id": number,
            "uuid": str(uuid.uuid4()),
            "user": user,
            "auditDetails": _audit(),
        }
        self._records["employee"].append(record)
        self._records["individual"].append(
            {
                "id": f"IND-{number:06d}",
                "tenantId": record["tenantId"],
                "mobileNumber": user["mobileNumber"],
                "userServiceUuid": user["uuid"],
                "name": {"givenName": user.get("name")},
            }
        )
        return record


def _boundary_ref(boundary: Mapping[str, Any]) -> str | None:
    return (boundary.get("additionalDetails") or {}).get("clientReferenceId")


def _error(
    code: str, message: str, where: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """A DIGIT error; a row-level one names the item (`Facilities[3]`) and its reference."""
    return {
        "code": code,
        "message": message,
        "description": where or message,
        "params": [name] if name else None,
    }


def _refused(code: str, message: str, name: str | None = None) -> Reply:
    return 400, {"ResponseInfo": None, "Errors": [_error(code, message, None, name)]}


def _response_info() -> dict[str, Any]:
    return {"apiId": "fake-digit", "ver": "1.0", "ts": _now_ms(), "status": "successful"}


def _audit() -> dict[str, Any]:
    now = _now_ms()
    return {
        "createdBy": "fake",
        "createdTime": now,
        "lastModifiedBy": "fake",
        "lastModifiedTime": now,
    }


def _first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _csv(query: Query, name: str) -> list[str] | None:
    value = _first(query, name)
    return [part for part in value.split(",") if part] if value is not None else None


def _page(records: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    limit = int(_first(query, "limit") or 100)
    offset = int(_first(query, "offset") or 0)
    return records[offset : offset + limit]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
