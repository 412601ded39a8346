"""What the fake DIGIT services do with a request: in-memory records, DIGIT-shaped answers.

Each handler takes the parsed query string and JSON body and returns (HTTP status, body). The
shapes follow the real services closely enough for our adapters (facility, health-hrms,
health-individual, boundary-service, mdms-v2, health-project); validation is only what the
tests need.

Like a service with idempotency, a create never makes a second record for the same client
reference (facility clientReferenceId, employee code, boundary code), but every such repeat is
counted in `duplicates` (and per reference in `repeats`, beside `create_requests`, every
create request per reference), so a test can assert that our code never sent one. A project
has no such key in the original, which creates a second one: the fake does too, and counts it
as a repeat of its (referenceID, boundary). Updates are counted per record, every request in
`update_requests` and the applied ones in `applied_updates`.
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
# Project: the same config/index.ts (`paths`: projectCreate, projectUpdate, projectSearch) calls
# `health-project/v1/...`, the gateway path of health-services/project, whose own context path
# is /project (src/main/resources/application.properties) and whose controller maps /v1/_create,
# /v1/_update and /v1/_search (web/controllers/ProjectApiController.java).
PROJECT_CREATE = "/health-project/v1/_create"
PROJECT_UPDATE = "/health-project/v1/_update"
PROJECT_SEARCH = "/health-project/v1/_search"
# Facility update: health-services/facility web/controllers/FacilityApiController.java maps both
# /v1/_update (one `Facility`, validated in the call) and /v1/bulk/_update (`Facilities`, queued).
# The project-factory calls neither (config/index.ts has no facility update path).
FACILITY_UPDATE = "/facility/v1/_update"
FACILITY_BULK_UPDATE = "/facility/v1/bulk/_update"
# HRMS update: core-services/egov-hrms web/controller/EmployeeController.java (`/employees/_update`)
# under the health-hrms context the console uses: egovernments/DIGIT-Frontend, health/micro-ui/
# web/micro-ui-internals/packages/modules/health-hrms/src/services/urls.js (`hrms.update`).
HRMS_UPDATE = "/health-hrms/employees/_update"
KINDS = ("facility", "employee", "individual", "boundary", "relationship", "project")


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
        # Facilities by (tenant, client reference) and by id, with their place in creation
        # order: a search by either reads these, not every record (a 100k-row bench file
        # made the scan quadratic; the real service looks them up in its database).
        self._facility_by_ref: dict[tuple[str, str], dict[str, Any]] = {}
        self._facility_by_id: dict[str, dict[str, Any]] = {}
        self._facility_position: dict[str, int] = {}
        self._duplicates: Counter[str] = Counter()
        # Per record (kind, client reference): every create request that reached the
        # service, and those that came when the record already existed (sent twice).
        self._create_requests: Counter[tuple[str, str]] = Counter()
        self._repeats: Counter[tuple[str, str]] = Counter()
        # Per record (kind, id): every update request naming it, and those the service applied.
        self._update_requests: Counter[tuple[str, str]] = Counter()
        self._applied_updates: Counter[tuple[str, str]] = Counter()
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

    def update_requests(self, kind: str) -> Counter[str]:
        """Update requests that reached the service, per record: project id, facility id,
        employee uuid (what each original matches an update by), refused ones included."""
        with self._lock:
            return Counter({ref: n for (k, ref), n in self._update_requests.items() if k == kind})

    def applied_updates(self, kind: str) -> Counter[str]:
        """Updates the service applied, per record (same keys as `update_requests`)."""
        with self._lock:
            return Counter({ref: n for (k, ref), n in self._applied_updates.items() if k == kind})

    def _count_update(self, kind: str, ref: Any) -> None:
        if ref:
            self._update_requests[(kind, str(ref))] += 1

    def _count_applied(self, kind: str, ref: Any) -> None:
        self._applied_updates[(kind, str(ref))] += 1

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
            FACILITY_UPDATE: self.facility_update,
            FACILITY_BULK_UPDATE: self.facility_bulk_update,
            HRMS_CREATE: self.employee_create,
            HRMS_SEARCH: self.employee_search,
            HRMS_UPDATE: self.employee_update,
            PROJECT_CREATE: self.project_create,
            PROJECT_UPDATE: self.project_update,
            PROJECT_SEARCH: self.project_search,
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
                if (item["tenantId"], item["clientReferenceId"]) in self._facility_by_ref:
                    self._count_repeat("facility", item["clientReferenceId"])
                    continue
                # rowVersion 1 and isDeleted false, as health-services-common's
                # CommonUtils.enrichForCreate gives every new entity.
                record = copy.deepcopy(item) | {
                    "id": f"F-{next(self._sequence):06d}",
                    "rowVersion": 1,
                    "isDeleted": False,
                    "auditDetails": _audit(),
                }
                self._add_facility(record)
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
                for record in self._facility_candidates(tenant_id, refs, ids)
                if record["tenantId"] == tenant_id
                and self._visible_at[record["id"]] <= now
                and (refs is None or record["clientReferenceId"] in refs)
                and (ids is None or record["id"] in ids)
                and (permanent is None or record.get("isPermanent") == permanent)
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Facilities": page, "TotalCount": len(found)}

    def facility_update(self, _query: Query, body: Body) -> Reply:
        """One facility, validated in the call: 202 {ResponseInfo, Facility} or 400 Errors.
        Source: health-services/facility service/FacilityService.java (update(FacilityRequest)
        wraps it in a bulk request; handleErrors throws a non-bulk failure)."""
        item = body.get("Facility")
        if not isinstance(item, dict) or not item.get("tenantId"):
            return _refused("NotNull", "Facility and Facility.tenantId are required")
        with self._lock:
            self._count_update("facility", item.get("id"))
            if error := self._facility_update_errors([item])[0]:
                return _refused(error[0], error[1], item.get("id"))
            record = self._update_facility(item)
        return 202, {"ResponseInfo": _response_info(), "Facility": copy.deepcopy(record)}

    def facility_bulk_update(self, _query: Query, body: Body) -> Reply:
        """Queued: 202 with ResponseInfo alone; rows that fail validation are not applied (the
        original sends their errors to its error queue, never to the caller). Source:
        FacilityApiController.facilityV1BulkUpdatePost and consumer/FacilityConsumer.java."""
        items = body.get("Facilities")
        if not isinstance(items, list) or not items:
            return _refused("INVALID_REQUEST", "Facilities must be a non-empty list")
        if not all(isinstance(item, dict) and item.get("tenantId") for item in items):
            return _refused("NotNull", "tenantId is required")  # bean validation: nothing queued
        with self._lock:
            for item in items:
                self._count_update("facility", item.get("id"))
            for item, error in zip(items, self._facility_update_errors(items), strict=True):
                if error is None:
                    self._update_facility(item)
        return 202, {"ResponseInfo": _response_info()}

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
        # uuids, ids, isActive: egov-hrms web/contract/EmployeeSearchCriteria.java, as query
        # parameters (@ModelAttribute); repository/EmployeeQueryBuilder.java filters on them.
        uuids, ids, active = _csv(query, "uuids"), _csv(query, "ids"), _first(query, "isActive")
        with self._lock:
            found = [
                employee
                for employee in self._records["employee"]
                if employee["tenantId"] == tenant_id
                and (codes is None or employee["code"] in codes)
                and (phone is None or employee["user"]["mobileNumber"] == phone)
                and (uuids is None or employee["uuid"] in uuids)
                and (ids is None or str(employee["id"]) in ids)
                and (active is None or employee.get("isActive") == (active == "true"))
            ]
            page = copy.deepcopy(_page(found, query))
        return 200, {"ResponseInfo": _response_info(), "Employees": page}

    def employee_update(self, _query: Query, body: Body) -> Reply:
        """The whole request is validated, then every employee is replaced by what was sent.
        Source: egov-hrms EmployeeController.update (202), web/validator/EmployeeValidator.java
        validateUpdateEmployee, service/EmployeeService.java update and enrichUpdateRequest."""
        employees = body.get("Employees")
        if not isinstance(employees, list) or not employees:
            return _refused("INVALID_REQUEST", "Employees must be a non-empty list")
        with self._lock:
            for employee in employees:
                self._count_update("employee", employee.get("uuid"))
            if errors := self._employee_update_errors(employees):
                return 400, {"ResponseInfo": None, "Errors": errors}
            updated = [self._update_employee(employee) for employee in employees]
        return 202, {"ResponseInfo": _response_info(), "Employees": copy.deepcopy(updated)}

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

    # -- project ------------------------------------------------------------------------------

    def project_create(self, _query: Query, body: Body) -> Reply:
        """{RequestInfo, Projects: [...]} -> 200 {ResponseInfo, Project: [...]} (the answer's
        key is singular). Shape: the project-factory's buildProjectTemplateForBoundary and
        createLevelBulk (health-services/project-factory/src/server/utils/
        processingResultHandler.ts): one project per boundary, address {tenantId, boundary,
        boundaryType}, parent = the parent boundary's project id, referenceID = the campaign
        number, targets [{beneficiaryType, targetNo}]. Rules: health-services/project
        service/ProjectService.java createProject, validator/project/ProjectValidator.java."""
        projects = body.get("Projects")
        if not isinstance(projects, list) or not projects:
            return _refused("PROJECT", "Projects are mandatory")
        with self._lock:
            for project in projects:
                self._count_request("project", _project_ref(project))
            if refusal := self._project_errors(projects):
                return refusal
            tenant_id = projects[0]["tenantId"]
            parents = {project.get("parent") for project in projects} - {None, ""}
            for parent in parents:
                if not self._find("project", tenant_id, id=parent, isDeleted=False):
                    message = f"The parent project with id {parent} does not exists in the system"
                    return _refused("INVALID_PARENT_PROJECT", message)
            created = [self._create_project(project) for project in projects]
        return 200, {"ResponseInfo": _response_info(), "Project": copy.deepcopy(created)}

    def project_search(self, query: Query, body: Body) -> Reply:
        """limit, offset, tenantId in the query (all required); body {RequestInfo, Projects:
        [criteria]}: the fields of one criteria object must all match, any one object may (OR).
        Source: ProjectApiController.searchProject, ProjectValidator.validateSearchProjectRequest,
        repository/querybuilder/ProjectAddressQueryBuilder.java getProjectSearchQuery."""
        tenant_id, limit, offset = (_first(query, name) for name in ("tenantId", "limit", "offset"))
        if limit is None or offset is None or not tenant_id:
            return _refused("SEARCH_PROJECT", "limit, offset and tenantId are mandatory")
        if not 0 <= int(limit) <= 1000 or int(offset) < 0:
            return _refused("Max", "limit must be from 0 to 1000, offset 0 or more")
        criteria = body.get("Projects")
        if not isinstance(criteria, list) or not criteria:
            return _refused("PROJECT", "Projects are mandatory")
        for criterion in criteria:
            if not criterion.get("tenantId"):
                return _refused("TENANT_ID", "Tenant ID is mandatory")
            if not any(criterion.get(name) for name in _PROJECT_SEARCH_FIELDS) and not (
                (criterion.get("address") or {}).get("boundary")
            ):
                return _refused("PROJECT_SEARCH_FIELDS", "Any one project search field is required")
            if criterion["tenantId"] != tenant_id:
                message = "Tenant Id must be same in URL param and project request"
                return _refused("MULTIPLE_TENANTS", message)
        deleted_too = _first(query, "includeDeleted") == "true"
        with self._lock:
            found = [
                project
                for project in self._records["project"]
                if (deleted_too or not project.get("isDeleted"))
                and _tenant_matches(project["tenantId"], tenant_id)
                and any(_project_matches(project, criterion) for criterion in criteria)
            ]
            # Newest change first (ORDER BY lastModifiedTime DESC, id); limit capped at
            # project.search.max.limit=200 (application.properties).
            found.sort(key=lambda item: (-item["auditDetails"]["lastModifiedTime"], item["id"]))
            start = int(offset)
            page = copy.deepcopy(found[start : start + min(int(limit), 200)])
        return 200, {"ResponseInfo": _response_info(), "Project": page, "TotalCount": len(found)}

    def project_update(self, _query: Query, body: Body) -> Reply:
        """{RequestInfo, Projects: [...]} with each project's id -> 200 {ResponseInfo, Project}.
        No rowVersion check: the original stores the rowVersion it is sent. Source:
        ProjectService.updateProject / handleNormalUpdate, ProjectValidator.
        validateUpdateAgainstDB, service/enrichment/ProjectEnrichment.java enrichProjectOnUpdate,
        src/main/resources/project-persister.yml (update-project)."""
        projects = body.get("Projects")
        if not isinstance(projects, list) or not projects:
            return _refused("PROJECT", "Projects are mandatory")
        with self._lock:
            for project in projects:
                self._count_update("project", project.get("id"))
            if refusal := self._project_errors(projects):
                return refusal
            if not all(project.get("id") for project in projects):
                return _refused("UPDATE_PROJECT", "Project Id is mandatory")
            tenant_id = projects[0]["tenantId"]
            stored = {
                project["id"]: self._find("project", tenant_id, id=project["id"], isDeleted=False)
                for project in projects
            }
            for project in projects:
                if refusal := _project_update_refusal(project, stored[project["id"]]):
                    return refusal
            cascade = bool(body.get("isCascadingProjectDateUpdate"))
            updated = []
            for project in projects:
                existing = stored[project["id"]][0]
                # handleNormalUpdate runs project by project, after earlier ones were queued.
                same_dates = (project["startDate"], project["endDate"]) == (
                    existing.get("startDate"),
                    existing.get("endDate"),
                )
                if not cascade and not same_dates:
                    message = "Can't Update Date Range if Cascade Project Date Update  false"
                    return _refused("PROJECT_CASCADE_UPDATE_DATE_ERROR", message, project["id"])
                updated.append(self._update_project(project, existing))
        return 200, {"ResponseInfo": _response_info(), "Project": copy.deepcopy(updated)}

    # -- helpers (called with the lock held) --------------------------------------------------

    def _rejection(self, ref: str | None, item: Mapping[str, Any]) -> _Rejection | None:
        return next((rule for rule in self._rejections if rule.applies(ref, item)), None)

    def _add_facility(self, record: dict[str, Any]) -> None:
        self._facility_position[record["id"]] = len(self._records["facility"])
        self._records["facility"].append(record)
        self._facility_by_ref[(record["tenantId"], record["clientReferenceId"])] = record
        self._facility_by_id[record["id"]] = record
        self._visible_at[record["id"]] = time.monotonic() + self.visibility_delay_seconds

    def _facility_candidates(self, tenant_id: str, refs: Any, ids: Any) -> list[dict[str, Any]]:
        """The facilities a search's references (or else ids) name, in creation order; every
        facility when it names neither. The caller filters them by every criterion."""
        if isinstance(refs, list):
            named = [self._facility_by_ref.get((tenant_id, str(ref))) for ref in refs]
        elif isinstance(ids, list):
            named = [self._facility_by_id.get(str(value)) for value in ids]
        else:
            return self._records["facility"]
        unique = {record["id"]: record for record in named if record is not None}
        return sorted(unique.values(), key=lambda record: self._facility_position[record["id"]])

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
        # The employee's uuid is its user's (EmployeeService.create); enrichCreateRequest gives
        # each jurisdiction and assignment an id (an update must send them back) and makes the
        # employee and its jurisdictions active.
        record = copy.deepcopy(dict(employee)) | {
            "id": number,
            "uuid": user["uuid"],
            "user": user,
            "isActive": True,
            "auditDetails": _audit(),
        }
        for item in record.get("jurisdictions") or []:
            item |= {"id": str(uuid.uuid4()), "isActive": item.get("isActive") is not False}
        for item in record.get("assignments") or []:
            item["id"] = str(uuid.uuid4())
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

    def _employee_update_errors(self, employees: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """EmployeeValidator.validateUpdateEmployee: one errorMap for the whole request (so a
        code appears once), thrown before anything is saved. Bean validation comes first."""
        for employee in employees:
            if message := _employee_bean_error(employee):
                return [_error("NotNull", message)]
        found: dict[str, str] = {}
        tenant_id = employees[0]["tenantId"]  # the existing ones are searched in this tenant
        for employee in employees:
            found |= {
                code: message
                for field, (code, message) in _HRMS_UPDATE_KEYS.items()
                if employee.get(field) in (None, "")
            }
            existing = all(employee.get(field) for field in ("id", "code", "uuid")) and self._find(
                "employee", tenant_id, uuid=employee["uuid"]
            )
            if existing:
                # validateDataConsistency unboxes isActive, then (when active) reActivateEmployee:
                # a missing one is a NullPointerException in the original (the console works
                # around it). The fake names it; the original's wire answer is not verified.
                active = employee.get("isActive")
                if active is None or (active and employee.get("reActivateEmployee") is None):
                    return [_error("NullPointerException", "isActive and reActivateEmployee")]
                found |= _employee_inconsistencies(employee, existing[0])
            elif all(employee.get(field) for field in ("id", "code", "uuid")):
                message = "No employee found for given UUID."
                found["ERR_HRMS_UPDATE_EMPLOYEE_NOT_EXIST_CODE"] = message
            # validateJurisdicton (from validateMdmsData): a null isActive counts as active.
            if all(item.get("isActive") is False for item in employee["jurisdictions"]):
                message = "Jurisiction should have atleast 1 active data"
                found["ERR_HRMS_INVALID_JURISDICTION_ACTIIEV_NULL"] = message
        return [_error(code, message) for code, message in found.items()]

    def _update_employee(self, employee: Mapping[str, Any]) -> dict[str, Any]:
        """The employee as sent, enriched as EmployeeService.enrichUpdateRequest does: ids for
        new jurisdictions, assignments, (de|re)activation details; a jurisdiction without
        isActive is active; the user's userName becomes the code, user.active the isActive."""
        existing = self._find("employee", employee["tenantId"], uuid=employee["uuid"])[0]
        record = copy.deepcopy(dict(employee))
        user = {name: value for name, value in record["user"].items() if name != "password"}
        user |= {"userName": record["code"], "active": bool(record["isActive"])}
        record["user"] = user | {"uuid": user.get("uuid") or existing["user"]["uuid"]}
        for item in record["jurisdictions"]:
            item["isActive"] = item.get("isActive") is not False
        for field in ("jurisdictions", "assignments", "deactivationDetails", "reactivationDetails"):
            for item in record.get(field) or []:
                item["id"] = item.get("id") or str(uuid.uuid4())
        record["auditDetails"] = existing.get("auditDetails")
        existing.clear()
        existing.update(record)
        self._count_applied("employee", existing["uuid"])
        return existing

    def _facility_update_errors(self, items: list[dict[str, Any]]) -> list[tuple[str, str] | None]:
        """Per row, the first error of the validators an update runs, in their @Order: FNullId,
        FNonExistent, FUniqueEntity, FRowVersion, FIsDeleted (health-services/facility
        validator/; codes and messages: health-services-common utils/ValidatorUtils.java)."""
        now = time.monotonic()
        ids = Counter(item.get("id") for item in items)
        errors: list[tuple[str, str] | None] = []
        for item in items:
            # Found by id among persisted (visible), not deleted facilities.
            existing = [
                record
                for record in self._find("facility", item["tenantId"], id=item.get("id"))
                if not record.get("isDeleted") and self._visible_at[record["id"]] <= now
            ]
            if not item.get("id"):
                errors.append(("NULL_ID", "Id cannot be null"))
            elif not existing:
                errors.append(("NON_EXISTENT_ENTITY", "Entity does not exist in db"))
            elif ids[item["id"]] > 1:
                errors.append(("DUPLICATE_ENTITY", "Duplicate entity"))
            elif item.get("rowVersion") != existing[0].get("rowVersion"):
                errors.append(("MISMATCHED_ROW_VERSION", "Row version mismatch"))
            elif item.get("isDeleted"):
                errors.append(("IS_DELETED_TRUE", "isDeleted cannot be true"))
            else:
                errors.append(None)
        return errors

    def _update_facility(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """What update-facility-topic writes (facility-persister.yml: clientReferenceId and
        isDeleted stay), with rowVersion + 1 (health-services-common CommonUtils.
        enrichForUpdate) and an id for a new address (FacilityEnrichmentService.update)."""
        record = self._find("facility", item["tenantId"], id=item["id"])[0]
        address = copy.deepcopy(item.get("address"))
        if address is not None:
            address["id"] = address.get("id") or str(uuid.uuid4())
        fields = ("name", "usage", "storageCapacity", "additionalFields")
        record |= {name: copy.deepcopy(item.get(name)) for name in fields}
        record |= {
            "isPermanent": item.get("isPermanent", True),
            "address": address,
            "rowVersion": record["rowVersion"] + 1,
            "auditDetails": record["auditDetails"] | _modified(),
        }
        self._count_applied("facility", record["id"])
        return record

    def _project_errors(self, projects: list[dict[str, Any]]) -> Reply | None:
        """ProjectValidator.validateProjectRequest (one errorMap), validateMultipleTenantIds and
        validateBoundary, for create and update. Address boundaries must be boundary entities:
        util/BoundaryV2Util.validateBoundaryDetails searches boundary/_search by codes, and its
        own catch turns INVALID_BOUNDARY_DATA into BOUNDARY_SERVICE_SEARCH_ERROR."""
        found: dict[str, str] = {}
        for project in projects:
            start, end = project.get("startDate"), project.get("endDate")
            address = project.get("address") or {}
            if not project.get("tenantId"):
                found["TENANT_ID"] = "Tenant ID is mandatory"
            if start is not None and end and end < start + 86_400_000:
                message = "Start date and end date difference should at least be 1 day."
                found["INVALID_DATE"] = message
            if address.get("boundary") and not address.get("boundaryType"):
                message = "Boundary Type is mandatory if boundary is present in Project request"
                found["BOUNDARY"] = f"{message} body"
        if found:
            errors = [_error(code, message) for code, message in found.items()]
            return 400, {"ResponseInfo": None, "Errors": errors}
        tenant_id = projects[0]["tenantId"]
        if any(project["tenantId"] != tenant_id for project in projects):
            message = "All projects must have same tenant Id. Please create new request for"
            return _refused("MULTIPLE_TENANTS", f"{message} different tentant id")
        codes = {(project.get("address") or {}).get("boundary") for project in projects}
        known = {code for code in codes if code and self._find("boundary", tenant_id, code=code)}
        if missing := sorted(code for code in codes - known if code):
            message = f"The boundary data for the code {missing} is not available"
            return _refused("BOUNDARY_SERVICE_SEARCH_ERROR", message)
        return None

    def _create_project(self, project: Mapping[str, Any]) -> dict[str, Any]:
        """ProjectEnrichment.enrichProjectOnCreate: ids for the project, its address and each
        target (any id sent is replaced), a projectNumber from idgen, projectHierarchy =
        the parent's hierarchy (or the parent's id) + "." + id (ProjectConstants)."""
        record = copy.deepcopy(dict(project))
        ref, others = _project_ref(record), self._find("project", record["tenantId"])
        if ref and any(_project_ref(other) == ref for other in others):
            self._count_repeat("project", ref)  # the original has no natural key: a 2nd project
        record |= {
            "id": str(uuid.uuid4()),
            # idgen's format for project.number is the tenant's IdFormat (MDMS), not known here.
            "projectNumber": f"PJ-{next(self._sequence):06d}",
            "isDeleted": bool(record.get("isDeleted")),
            "auditDetails": _audit(),
        }
        if parent := record.get("parent"):
            above = self._find("project", record["tenantId"], id=parent)[0]
            record["projectHierarchy"] = f"{above.get('projectHierarchy') or parent}.{record['id']}"
        if record.get("address") is not None:
            record["address"]["id"] = str(uuid.uuid4())
        if record.get("targets") is not None:
            record["targets"] = [_sent_target(target, None) for target in record["targets"]]
        self._records["project"].append(record)
        return record

    def _update_project(self, project: Mapping[str, Any], existing: dict[str, Any]) -> Body:
        """The project as sent, enriched (ProjectEnrichment.enrichProjectOnUpdate): additional
        details merged into the stored ones (ProjectServiceUtil.mergeAdditionalDetails), the
        stored address and live targets kept when none is sent, new targets given ids, stored
        live targets the request leaves out added back. The store takes what update-project
        writes (project-persister.yml): not parent, projectHierarchy nor projectNumber; targets
        are upserted by id. That enriched request is the answer, as in the original."""
        sent = copy.deepcopy(dict(project))
        details = existing.get("additionalDetails")
        sent["additionalDetails"] = _merge(details, sent.get("additionalDetails"))
        sent["auditDetails"] = existing["auditDetails"] | _modified()
        if sent.get("address") is None:
            sent["address"] = copy.deepcopy(existing.get("address"))
        elif not sent["address"].get("id"):
            sent["address"]["id"] = str(uuid.uuid4())
        targets = {target["id"]: target for target in existing.get("targets") or []}
        live = [target for target in targets.values() if not target.get("isDeleted")]
        if sent.get("targets") is None:
            sent["targets"] = copy.deepcopy(live)
        else:
            sent["targets"] = [
                _sent_target(target, targets.get(target.get("id"))) for target in sent["targets"]
            ]
            named = {target["id"] for target in sent["targets"]}
            sent["targets"] += [copy.deepcopy(item) for item in live if item["id"] not in named]
        targets |= {target["id"]: copy.deepcopy(target) for target in sent["targets"]}
        existing |= {name: copy.deepcopy(sent.get(name)) for name in _PROJECT_UPDATED_FIELDS}
        existing |= {
            "isDeleted": bool(sent.get("isDeleted")),
            "address": copy.deepcopy(sent["address"]),
            "targets": list(targets.values()),
            "auditDetails": sent["auditDetails"],
        }
        self._count_applied("project", existing["id"])
        return sent


def _boundary_ref(boundary: Mapping[str, Any]) -> str | None:
    return (boundary.get("additionalDetails") or {}).get("clientReferenceId")


# -- project rules ---------------------------------------------------------------------------

# A search needs one of these in each criteria object (or address.boundary):
# ProjectValidator.validateSearchProjectRequest.
_PROJECT_SEARCH_FIELDS = (
    "id",
    "projectType",
    "name",
    "projectNumber",
    "projectSubType",
    "referenceID",
    "startDate",
    "endDate",
)
# What update-project writes besides isDeleted, address and targets (project-persister.yml).
_PROJECT_UPDATED_FIELDS = (
    "name",
    "projectType",
    "projectTypeId",
    "projectSubType",
    "department",
    "description",
    "referenceID",
    "startDate",
    "endDate",
    "isTaskEnabled",
    "natureOfWork",
    "additionalDetails",
    "rowVersion",
)


def _project_ref(project: Mapping[str, Any]) -> str | None:
    """A project's natural key for the counters: the project-factory's (campaign number as
    referenceID, boundary), which the original does not enforce."""
    boundary = (project.get("address") or {}).get("boundary")
    reference = project.get("referenceID")
    return f"{reference}:{boundary}" if reference and boundary else None


def _tenant_matches(tenant_id: str, searched: str) -> bool:
    # A state-level tenant (no dot) matches its cities: `prj.tenantId like 'mz%'`.
    return tenant_id.startswith(searched) if "." not in searched else tenant_id == searched


def _project_matches(project: Mapping[str, Any], criterion: Mapping[str, Any]) -> bool:
    """ProjectAddressQueryBuilder.getProjectSearchQuery: name is LIKE %name%, startDate >=,
    endDate <=, the others equal; address.boundary is the address's boundary."""
    equal = ("id", "projectNumber", "projectType", "referenceID", "parent", "projectSubType")
    boundary = (criterion.get("address") or {}).get("boundary")
    start, end = criterion.get("startDate"), criterion.get("endDate")
    return (
        all(not criterion.get(name) or project.get(name) == criterion[name] for name in equal)
        and (not criterion.get("name") or criterion["name"] in (project.get("name") or ""))
        and (not boundary or (project.get("address") or {}).get("boundary") == boundary)
        and (not start or (project.get("startDate") or 0) >= start)
        and (not end or (project.get("endDate") is not None and project["endDate"] <= end))
    )


def _project_update_refusal(project: Mapping[str, Any], stored: list[Body]) -> Reply | None:
    """ProjectValidator.validateUpdateAgainstDB for one project (before any is applied)."""
    if not stored:
        message = f"The project id {project['id']} that you are trying to update does not exists"
        return _refused("INVALID_PROJECT_MODIFY", message, project["id"])
    existing = stored[0]
    for name in ("start", "end"):
        if project.get(f"{name}Date") is None:
            message = f"The project {name} date cannot be updated as it is null."
            return _refused("INVALID_PROJECT_MODIFY", message, project["id"])
    # A stored address is updated by its id: one sent without it, or with another, is refused.
    address, stored_address = project.get("address"), existing.get("address") or {}
    if address is not None and address.get("id") != stored_address.get("id"):
        message = f"The address of project {existing.get('projectNumber')} is not the one sent"
        return _refused("INVALID_PROJECT_MODIFY.ADDRESS", message, project["id"])
    live = {target["id"] for target in existing.get("targets") or [] if not target.get("isDeleted")}
    for target in project.get("targets") or []:
        if target.get("id") and target["id"] not in live:
            message = (
                f"The target id {target['id']} that you are trying to update does not exists"
                f" for the project {existing.get('projectNumber')}"
            )
            return _refused("INVALID_PROJECT_MODIFY.TARGET", message, project["id"])
    return None


def _sent_target(target: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A target as the project service reads it: beneficiaryType through BeneficiaryType.
    fromValue (health-services-models models/project/BeneficiaryType.java: HOUSEHOLD or
    INDIVIDUAL, any case; anything else becomes null, silently). Without a stored one (a new
    target) it gets an id (any sent on create is replaced) and audit details."""
    kind = str(target.get("beneficiaryType") or "").upper()
    read = dict(target) | {"beneficiaryType": kind if kind in ("HOUSEHOLD", "INDIVIDUAL") else None}
    if stored is None:
        return read | {
            "id": str(uuid.uuid4()),
            "isDeleted": bool(read.get("isDeleted")),
            "auditDetails": _audit(),
        }
    return read | {"auditDetails": stored["auditDetails"] | _modified()}


def _merge(main: Any, update: Any) -> Any:
    """ProjectServiceUtil.jsonMerge: the update's fields over the stored ones, objects merged."""
    if main is None:
        return copy.deepcopy(update)
    if update is None or not isinstance(main, dict) or not isinstance(update, dict):
        return copy.deepcopy(main if update is None else update)
    merged = copy.deepcopy(main)
    for name, value in update.items():
        merged[name] = _merge(merged[name], value) if isinstance(merged.get(name), dict) else value
    return copy.deepcopy(merged)


# -- HRMS update rules -----------------------------------------------------------------------

# EmployeeValidator.validateEmployeeForUpdate; codes and messages from utils/ErrorConstants.java.
_HRMS_UPDATE_KEYS = {
    "id": ("ERR_HRMS_UPDATE_NULL_ID", "Employee ID in an update request should not be null."),
    "code": ("ERR_HRMS_UPDATE_NULL", "Employee Code in an update request should not be null."),
    "uuid": ("ERR_HRMS_UPDATE_NULL_UUID", "Employee UUID in an update request should not be null."),
}
# Sub-records that may change but not disappear: every stored id must be sent back
# (validateConsistencyAssignment, ...Jurisdiction, ...DeactivationDetails).
_HRMS_KEPT = (
    ("assignments", "ERR_HRMS_UPDATE_ASSIGNEMENT_INCOSISTENT", "Assignment"),
    ("jurisdictions", "ERR_HRMS_UPDATE_JURISDICTION_INCOSISTENT", "Jurisdiction"),
    ("deactivationDetails", "ERR_HRMS_UPDATE_DEACT_DETAILS_INCOSISTENT", "Employee deactivation"),
)


def _employee_bean_error(employee: Mapping[str, Any]) -> str | None:
    """@NotNull/@NotEmpty of egov-hrms model/Employee.java, Jurisdiction.java and
    DeactivationDetails.java, checked before the controller runs."""
    if not (employee.get("tenantId") and employee.get("employeeType") and employee.get("user")):
        return "tenantId, employeeType and user are required"
    jurisdictions = employee.get("jurisdictions")
    needed = ("hierarchy", "boundary", "boundaryType")
    if not jurisdictions or not all(all(item.get(n) for n in needed) for item in jurisdictions):
        return "jurisdictions, each with hierarchy, boundary and boundaryType, are required"
    for details in employee.get("deactivationDetails") or []:
        if details.get("reasonForDeactivation") is None or details.get("effectiveFrom") is None:
            return "deactivationDetails need reasonForDeactivation and effectiveFrom"
    return None


def _employee_inconsistencies(
    employee: Mapping[str, Any], existing: Mapping[str, Any]
) -> dict[str, str]:
    """EmployeeValidator.validateDataConsistency, with validateDeactivationDetails when the
    employee is made inactive (its reason is checked against MDMS egov-hrms.DeactivationReason,
    which the fake does not hold). Deactivation without details is accepted, as there."""
    found = {}
    if employee["code"] != existing["code"]:
        message = "Employee code can not be changed in an update request."
        found["ERR_HRMS_UPDATE_EMPLOYEE_CODE_CHANGE"] = message
    for field, code, what in _HRMS_KEPT:
        sent = employee.get(field, [])
        if sent is None or (field == "deactivationDetails" and not sent):
            continue
        stored = {item.get("id") for item in existing.get(field) or []}
        if not stored <= {item.get("id") for item in sent}:
            message = "data in an update request should contain all previously entered data."
            found[code] = f"{what} {message}"
    if employee["isActive"] is False:
        # effectiveFrom must fall on the current day (the service's zone: UTC here), every
        # entry, old ones included.
        now = _now_ms()
        for details in employee.get("deactivationDetails") or []:
            if not now - now % 86_400_000 <= details["effectiveFrom"] <= now:
                message = "Employee deactivation effective date should be current date only."
                found["ERR_HRMS_UPDATE_DEACT_DETAILS_INCORRECT_EFFECTIVEFROM"] = message
    return found


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


def _modified() -> dict[str, Any]:
    return {"lastModifiedBy": "fake", "lastModifiedTime": _now_ms()}


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
