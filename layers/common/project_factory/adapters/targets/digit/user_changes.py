"""Updates and deactivations of HRMS employees: `/health-hrms/employees/_update`.

HRMS has one update endpoint, `/employees/_update` (core-services/egov-hrms web/controller/
EmployeeController.java; the health console calls it under /health-hrms: DIGIT-Frontend
health/micro-ui/.../health-hrms/src/services/urls.js `hrms.update`). It takes `Employees`,
validates the whole request before saving anything (web/validator/EmployeeValidator.java
validateUpdateEmployee: one error map, no row named) and answers 202 with the employees as
enriched (service/EmployeeService.java update): a refusal is narrowed down to its row by
sending the batch's rows one by one (sending.submit), as creates are.

An update replaces the stored employee by what is sent, so each change is sent as the stored
employee (read by uuid just before, `_search?uuids=`) with the row's changes merged in:
- every stored jurisdiction, assignment and deactivation detail goes back with its id
  (validateConsistencyJurisdiction / ...Assignment / ...DeactivationDetails refuse an update
  that leaves one out); a moved boundary makes the stored jurisdictions it leaves inactive
  and adds the new ones without an id (enrichUpdateRequest gives them one); at least one stays
  active (validateJurisdicton);
- `isActive` always, and `reActivateEmployee` (validateDataConsistency unboxes both);
- a deactivation: isActive false with a new deactivationDetails entry (reasonForDeactivation
  and effectiveFrom are @NotNull in model/DeactivationDetails.java; effectiveFrom must fall
  on the current day, validateDeactivationDetails; the reason is an MDMS
  egov-hrms.DeactivationReason code, OTHERS in the published master: HCM docs, "User
  Management" configuration); an employee made active again gets reActivateEmployee true and
  a reactivationDetails entry (model/ReactivationDetails.java);
- the list fields as lists, never null: enrichUpdateRequest walks `assignments` and, for a new
  deactivation, `documents` without a null check.

An employee that holds the row's change already (an earlier attempt's lost answer) is answered
without a send, so a change is applied once however often the row comes back.

HRMS sets the login user's userName to the employee code on every update (enrichUpdateRequest:
`employee.getUser().setUserName(employee.getCode())`): our employee code is the row's client
reference, so an updated user's login becomes that reference in the original (the answer's
username is reported as the row's output).
"""

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit.record_changes import (
    ACTIVE,
    INACTIVE,
    Record,
    changed,
    holds,
    record_not_found,
)
from project_factory.adapters.targets.digit.sending import Results, submit
from project_factory.domain.audit import now_ms
from project_factory.domain.target_calls import PendingRow, TargetResult

#: (tenant, user ids) -> the HRMS employees of those ids
Employees = Callable[[str, Sequence[str]], dict[str, dict[str, Any]]]

#: A reason of MDMS egov-hrms.DeactivationReason as published (OTHERS, ORDERBYCOMMISSIONER).
DEACTIVATION_REASON = "OTHERS"
_REMARKS = "Marked {usage} in an uploaded sheet (project-factory)"
#: Employee's list fields (model/Employee.java): sent as lists, never null.
_LISTS = (
    "jurisdictions",
    "assignments",
    "serviceHistory",
    "education",
    "tests",
    "documents",
    "deactivationDetails",
    "reactivationDetails",
)


class UserChanges:
    """The change side of the user target (RecordKeeper), in batches to `_update`."""

    def __init__(
        self, client: JsonHttpClient, update_path: str, hierarchy_type: str, by_id: Employees
    ) -> None:
        self._client = client
        self._update_path = update_path
        self._hierarchy_type = hierarchy_type
        self._by_id = by_id

    def apply(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        """Each row's change made, or why not (a refusal narrowed down to its row)."""
        stored = self._by_id(tenant_id, [str(row.record_id) for row in batch])
        results: Results = {}
        to_send: list[PendingRow] = []
        for row in batch:
            employee = stored.get(str(row.record_id))
            if employee is None:
                results[row.client_ref] = record_not_found(row, "employee", "HRMS")
            elif holds(record := employee_record(employee), row):
                results[row.client_ref] = changed(row, username_output(record))
            else:
                to_send.append(row)
        if to_send:
            results |= submit(
                to_send, lambda rows: self._send(tenant_id, rows, stored), "Employees"
            )
        return results

    def _send(
        self, tenant_id: str, rows: Sequence[PendingRow], stored: Mapping[str, Mapping[str, Any]]
    ) -> Results:
        now = now_ms()
        employees = [
            merged_employee(
                tenant_id, stored[str(row.record_id)], row, self._hierarchy_type, now_ms=now
            )
            for row in rows
        ]
        # EmployeeRequest {RequestInfo, Employees} -> 202 EmployeeResponse {ResponseInfo,
        # Employees} (EmployeeController.update).
        answer = self._client.post(self._update_path, {"Employees": employees})
        by_uuid = {employee.get("uuid"): employee for employee in answer.get("Employees") or []}
        results: Results = {}
        for row, sent in zip(rows, employees, strict=True):
            got = by_uuid.get(sent.get("uuid"))
            if got is None:
                # Not in the answer: the next attempt reads the employee back (changes_made).
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="NOT_ANSWERED",
                    reason="HRMS accepted the update without returning this employee",
                    sent=True,
                )
            else:
                results[row.client_ref] = changed(row, username_output(employee_record(got)))
        return results


# -- records and payloads -------------------------------------------------------------------


def employee_record(employee: Mapping[str, Any]) -> dict[str, Any]:
    """An employee as a record (RecordKeeper.records): the canonical fields the user target's
    create sends (users._employee, inverted), the username, and what an update must send
    back: the stored jurisdictions and assignments, with their ids."""
    user = employee.get("user") or {}
    return {
        "id": user_id(employee),
        "name": user.get("name"),
        "phone": user.get("mobileNumber"),
        "roles": [str(role["code"]) for role in user.get("roles") or [] if role.get("code")],
        "employmentType": employment_type(employee.get("employeeType")),
        "boundaryCodes": active_boundaries(employee),
        "usage": INACTIVE if employee.get("isActive") is False else ACTIVE,
        "username": str(user.get("userName") or ""),
        "jurisdictions": copy.deepcopy(employee.get("jurisdictions") or []),
        "assignments": copy.deepcopy(employee.get("assignments") or []),
    }


def merged_employee(
    tenant_id: str,
    stored: Mapping[str, Any],
    row: PendingRow,
    hierarchy_type: str,
    *,
    now_ms: int,
) -> dict[str, Any]:
    """The stored employee (id, uuid, code, user with its ids and rowVersion, every
    sub-record with its id) with a change row's fields set (see the module's docstring)."""
    employee = copy.deepcopy(dict(stored))
    for name in _LISTS:
        if employee.get(name) is None:
            employee[name] = []
    employee["user"] = dict(employee.get("user") or {})
    _set_changed_fields(employee, row.changes, tenant_id, hierarchy_type)
    active, reactivated = _set_activity(employee, stored, row, tenant_id, now_ms)
    employee["isActive"] = active
    employee["reActivateEmployee"] = reactivated
    employee["user"]["active"] = active
    return employee


def _set_changed_fields(
    employee: dict[str, Any], changes: Mapping[str, Any], tenant_id: str, hierarchy_type: str
) -> None:
    """Set on the employee (and its user) the fields a change row carries; a field the row
    leaves out keeps its stored value."""
    _set_user_fields(employee["user"], changes, tenant_id)
    if "employmentType" in changes:
        employee["employeeType"] = str(changes["employmentType"] or "Temporary").upper()
    if "boundaryCodes" in changes:
        codes = [str(code) for code in changes["boundaryCodes"] or []]
        employee["jurisdictions"] = moved(
            employee["jurisdictions"], codes, tenant_id, hierarchy_type
        )


def _set_user_fields(user: dict[str, Any], changes: Mapping[str, Any], tenant_id: str) -> None:
    """The changed fields HRMS keeps on the employee's user: its name and roles."""
    if "name" in changes:
        user["name"] = changes["name"]
    if "roles" in changes:
        roles = [str(role) for role in changes["roles"] or []]
        user["roles"] = [{"code": role, "name": role, "tenantId": tenant_id} for role in roles]


def _set_activity(
    employee: dict[str, Any],
    stored: Mapping[str, Any],
    row: PendingRow,
    tenant_id: str,
    now_ms: int,
) -> tuple[bool, bool]:
    """Whether the employee is active after the row, and whether it is reactivated; HRMS
    wants a deactivation (or reactivation) record with either change, so one is appended."""
    if row.operation == "deactivate":
        employee["deactivationDetails"].append(
            _activity_record("reasonForDeactivation", INACTIVE, tenant_id, now_ms)
        )
        return False, False
    was_active = stored.get("isActive") is not False
    active = row.changes.get("usage", ACTIVE if was_active else INACTIVE) != INACTIVE
    reactivated = active and not was_active
    if reactivated:
        employee["reactivationDetails"].append(
            _activity_record("reasonForReactivation", ACTIVE, tenant_id, now_ms)
        )
    return active, reactivated


def _activity_record(reason_key: str, usage: str, tenant_id: str, now_ms: int) -> dict[str, Any]:
    """A deactivation or reactivation record, as HRMS keeps them."""
    return {
        reason_key: DEACTIVATION_REASON,
        "effectiveFrom": now_ms,
        "remarks": _REMARKS.format(usage=usage),
        "tenantId": tenant_id,
    }


def moved(
    stored: Sequence[Mapping[str, Any]], codes: Sequence[str], tenant_id: str, hierarchy_type: str
) -> list[dict[str, Any]]:
    """Jurisdictions for these boundary codes: every stored one kept with its id, active
    when its boundary is still wanted; a wanted boundary none holds added without an id, as
    create sends one (users._employee)."""
    wanted = list(dict.fromkeys(codes))
    held: set[str] = set()
    jurisdictions: list[dict[str, Any]] = []
    for item in stored:
        jurisdiction = dict(item)
        boundary = str(jurisdiction.get("boundary"))
        jurisdiction["isActive"] = boundary in wanted and boundary not in held
        if jurisdiction["isActive"]:
            held.add(boundary)
        jurisdictions.append(jurisdiction)
    return jurisdictions + [
        {
            "hierarchy": hierarchy_type,
            "boundaryType": hierarchy_type,
            "boundary": code,
            "tenantId": tenant_id,
            "isActive": True,
        }
        for code in wanted
        if code not in held
    ]


def active_boundaries(employee: Mapping[str, Any]) -> list[str]:
    """The boundaries of an employee's active jurisdictions (a null isActive counts as
    active, as validateJurisdicton counts it)."""
    codes = [
        str(item.get("boundary"))
        for item in employee.get("jurisdictions") or []
        if item.get("isActive") is not False and item.get("boundary")
    ]
    return list(dict.fromkeys(codes))


def employment_type(code: Any) -> str | None:
    """An HRMS EmployeeType code as the sheet names it: create upper-cases the sheet's value
    (TEMPORARY, PERMANENT: MDMS egov-hrms.EmployeeType codes), read back capitalised (the
    published user schema's Temporary, Permanent)."""
    return str(code).capitalize() if code else None


def user_id(employee: Mapping[str, Any]) -> str:
    """The user's id as a create reports it: health HRMS names the login user's id
    userServiceUuid, core HRMS calls it uuid."""
    user = employee.get("user") or {}
    return str(user.get("userServiceUuid") or user.get("uuid") or employee.get("uuid"))


def username_output(record: Record) -> dict[str, str]:
    return {"username": str(record["username"])} if record.get("username") else {}
