"""DIGIT users: HRMS employees, confirmed by employee code.

The employee code is the row's client reference: HRMS keeps codes unique and searches by
them, and its create is synchronous. HRMS creates the login user and the individual.

The target keeps records (base.RecordKeeper): `records` reads employees by the user ids a
create reported (`_search?uuids=`), and update and deactivate rows, routed by their
operation, go to HRMS `_update` as the stored employee merged with their changes (see
user_changes.py).
"""

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.targets.digit.record_changes import beside, made
from project_factory.adapters.targets.digit.search_paging import chunks, pages
from project_factory.adapters.targets.digit.sending import Results, routed, submit
from project_factory.adapters.targets.digit.user_changes import (
    UserChanges,
    employee_record,
    user_id,
    username_output,
)
from project_factory.domain.target_calls import PendingRow, TargetResult


class UserTarget:
    """Users as HRMS employees (HRMS creates the login user and the individual)."""

    resource_type = "user"
    confirms_by_search = False
    #: What an update may change (RecordKeeper). Not the phone: HRMS itself would take a new
    #: mobile number (EmployeeValidator.validateUserData refuses only one another user holds,
    #: ERR_HRMS_UPDATE_EXISTING_MOBNO; health HRMS passes it to the individual service,
    #: IndividualService.updateUser), but the phone is the user's business key here: Validate
    #: checks a phone against the registered ones only for rows it creates, so a changed
    #: phone would reach HRMS unchecked, and the template freezes the column once filled.
    updatable_fields = ("name", "roles", "employmentType", "boundaryCodes", "usage")

    def __init__(
        self,
        client: JsonHttpClient,
        hierarchy_type: str,
        batch_size: int,
        paths: DigitPaths = DEFAULT_PATHS,
        *,
        resend_after_seconds: float = 0.0,
    ) -> None:
        # HRMS and the individual service answer behind the same DIGIT gateway.
        self._client = client
        self.resend_after_seconds = resend_after_seconds
        self._paths = paths
        self._hierarchy_type = hierarchy_type
        self._batch_size = batch_size
        # egov-hrms EmployeeController: /employees/_update beside /employees/_search.
        update_path = beside(paths.hrms_search, "_update")
        self._changes = UserChanges(client, update_path, hierarchy_type, self._by_id)

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """Creates, and updates and deactivations (by `row.operation`), in batches."""
        return routed(
            rows,
            self._batch_size,
            lambda batch: self._create(tenant_id, batch),
            lambda batch: self._changes.apply(tenant_id, batch),
        )

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        found: Results = {}
        for chunk in chunks(client_refs):
            for employee in self._search(tenant_id, {"codes": ",".join(chunk)}):
                ref = employee.get("code")
                if ref in chunk:
                    found[ref] = _employee_result(ref, employee)
        return found

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The employees among these user ids (RecordKeeper): canonical fields as a create
        sends them, the username, and the stored jurisdictions and assignments."""
        return {
            found_id: employee_record(employee)
            for found_id, employee in self._by_id(tenant_id, ids).items()
        }

    def changes_made(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The change rows whose employee holds their change already (RecordKeeper): read
        back by uuid, every changed field compared with the wanted value."""
        records = self.records(tenant_id, [str(row.record_id) for row in rows])
        return made(rows, records, username_output)

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which of these mobile numbers already belong to someone."""
        if key != "phone":
            return set()
        taken: set[str] = set()
        for chunk in chunks([str(value).strip() for value in values]):
            individuals = pages(partial(self._individuals_page, tenant_id, chunk))
            taken |= {str(individual.get("mobileNumber")) for individual in individuals}
        return {value for value in values if str(value).strip() in taken}

    def _individuals_page(
        self, tenant_id: str, mobile_numbers: list[str], page: dict[str, QueryValue]
    ) -> list[dict[str, Any]] | None:
        """One page of the individuals holding these mobile numbers."""
        params: dict[str, QueryValue] = {"tenantId": tenant_id, "includeDeleted": False}
        found: list[dict[str, Any]] | None = self._client.post(
            self._paths.individual_search,
            {"Individual": {"mobileNumber": mobile_numbers}},
            params | page,
        ).get("Individual")
        return found

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        # No search first: the flow has confirmed every row an earlier attempt sent
        # (flows/create_loop.py) before it hands it here again; an employee an earlier attempt
        # made is found there, with the row's own password, and never sent again.
        return submit(batch, lambda rows: self._send(tenant_id, rows), "Employees")

    def _send(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        employees = [self._employee(tenant_id, row) for row in rows]
        answer = self._client.post(self._paths.hrms_create, {"Employees": employees})
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
                    sent=True,
                )
            else:
                results[row.client_ref] = _employee_result(row.client_ref, employee)
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
                # Readable and unique per tenant, given out at validation (see usernames).
                **({"userName": str(data["username"])} if data.get("username") else {}),
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

    def _by_id(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The employees of these user ids, by the id asked for. HRMS searches employees by
        uuid (egov-hrms web/contract/EmployeeSearchCriteria.java `uuids`, a query parameter);
        an employee answers to any id a create may have reported for it (`user_id`)."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(ids):
            for employee in self._search(tenant_id, {"uuids": ",".join(chunk)}):
                user = employee.get("user") or {}
                known = {user_id(employee), user.get("uuid"), employee.get("uuid")}
                for asked in chunk:
                    if asked in known:
                        found[asked] = employee
        return found

    def _search(self, tenant_id: str, criteria: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        params = {"tenantId": tenant_id} | dict(criteria)
        return pages(
            lambda page: self._client.post(self._paths.hrms_search, {}, params | page).get(
                "Employees"
            )
        )


# -- results --------------------------------------------------------------------------------


def _employee_result(ref: str, employee: Mapping[str, Any]) -> TargetResult:
    """Created, with the login user's id and username (never the password: the flow has it)."""
    user = employee.get("user") or {}
    output = {"username": str(user.get("userName") or "")}
    return TargetResult(ref, "created", id=user_id(employee), output=output)
