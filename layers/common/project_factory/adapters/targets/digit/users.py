"""DIGIT users: HRMS employees, confirmed by employee code.

The employee code is the row's client reference: HRMS keeps codes unique and searches by
them, and its create is synchronous. HRMS creates the login user and the individual.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.base import PendingRow, TargetResult
from project_factory.adapters.targets.digit.shared import (
    Results,
    chunks,
    in_batches,
    pages,
    submit,
)


class UserTarget:
    """Users as HRMS employees (HRMS creates the login user and the individual)."""

    resource_type = "user"
    confirms_by_search = False

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

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        found: Results = {}
        for chunk in chunks(client_refs):
            for employee in self._search(tenant_id, chunk):
                ref = employee.get("code")
                if ref in chunk:
                    found[ref] = _employee_result(ref, employee)
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which of these mobile numbers already belong to someone."""
        if key != "phone":
            return set()
        taken: set[str] = set()
        for chunk in chunks([str(value).strip() for value in values]):
            individuals = pages(
                lambda params, chunk=chunk: self._client.post(
                    self._paths.individual_search,
                    {"Individual": {"mobileNumber": chunk}},
                    {"tenantId": tenant_id, "includeDeleted": False} | params,
                ).get("Individual")
            )
            taken |= {str(individual.get("mobileNumber")) for individual in individuals}
        return {value for value in values if str(value).strip() in taken}

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        found = self.find(tenant_id, [row.client_ref for row in batch])
        # An employee of an earlier attempt has the row's own password (made by the flow
        # before the first attempt and sealed with its chunk): nothing is sent again.
        results = {
            row.client_ref: found[row.client_ref] for row in batch if row.client_ref in found
        }
        unsent = [row for row in batch if row.client_ref not in results]
        if unsent:
            results |= submit(unsent, lambda rows: self._send(tenant_id, rows), "Employees")
        return results

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

    def _search(self, tenant_id: str, codes: Sequence[str]) -> Iterator[dict[str, Any]]:
        params = {"tenantId": tenant_id, "codes": ",".join(codes)}
        return pages(
            lambda page: self._client.post(self._paths.hrms_search, {}, params | page).get(
                "Employees"
            )
        )


# -- results --------------------------------------------------------------------------------


def _employee_result(ref: str, employee: Mapping[str, Any]) -> TargetResult:
    """Created, with the login user's id and username (never the password: the flow has it)."""
    user = employee.get("user") or {}
    # Health HRMS names the login user's id userServiceUuid; core HRMS calls it uuid.
    user_id = user.get("userServiceUuid") or user.get("uuid") or employee.get("uuid")
    output = {"username": str(user.get("userName") or "")}
    return TargetResult(ref, "created", id=str(user_id), output=output)
