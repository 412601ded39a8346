"""What a target row and a DIGIT project hold, for the project target (projects.py): a
row's boundary, campaign and targets, which project of a boundary is the row's, and the
answers a row gets from what a project shows. (The boundaries a batch needs projects for
are project_tree.py's; what a create or an update sends, project_bodies.py's.)"""

from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.targets.digit.sending import Results, rejected
from project_factory.domain.target_calls import PendingRow, TargetResult, comparable
from project_factory.errors import UpstreamError

# -- rows ---------------------------------------------------------------------------------------

#: The project service's refusal of a parent it cannot read (ProjectValidator.
#: validateParentAgainstDB).
PARENT_MISSING = "INVALID_PARENT_PROJECT"


def row_code(row: PendingRow) -> str:
    return str(row.data.get("boundaryCode") or "").strip()


def row_campaign(row: PendingRow) -> str:
    return str(row.data.get("campaignId") or "")


def by_campaign(rows: Sequence[PendingRow]) -> dict[str, list[PendingRow]]:
    grouped: dict[str, list[PendingRow]] = {}
    for row in rows:
        if row_campaign(row) and row_code(row):
            grouped.setdefault(row_campaign(row), []).append(row)
    return grouped


def row_problem(row: PendingRow) -> TargetResult | None:
    """Why a row cannot become a project, before anything is asked."""
    if not row_code(row):
        return rejected(row, "MISSING_BOUNDARY", "a target row needs a boundary code")
    if not row_campaign(row):
        return rejected(row, "CAMPAIGN_MISSING", "a target row needs its campaign's id")
    fields = row.data.get("project") or {}
    if fields.get("startDate") is None or fields.get("endDate") is None:
        # The project service refuses an update without both dates (ProjectValidator.
        # validateStartDateAndEndDateAgainstDB): a project made without them could never
        # take new targets.
        return rejected(
            row,
            "CAMPAIGN_DATES_MISSING",
            f"campaign {row_campaign(row)} has no start or end date: a DIGIT project needs both "
            "(the campaign's additionalDetails.startDate and endDate, in ms since the epoch)",
        )
    return None


def row_columns(row: PendingRow) -> dict[str, Any]:
    """A row's targets per column, blanks left out, whole floats as ints."""
    return plain_targets(row.data.get("targets"))


def first_by_boundary(rows: Sequence[PendingRow]) -> tuple[list[PendingRow], Results]:
    """The first row of each boundary, and rejections for the later ones: a boundary has
    one project per campaign, so one row sets its targets."""
    owners: dict[str, PendingRow] = {}
    results: Results = {}
    for row in rows:
        first = owners.setdefault(row_code(row), row)
        if first is not row:  # Validate keeps codes unique in a file: a defect if seen
            results[row.client_ref] = rejected(
                row,
                "DUPLICATE_BOUNDARY",
                f"boundary {row_code(row)} is row {first.row_number}'s",
            )
    return list(owners.values()), results


# -- projects and answers -----------------------------------------------------------------------


def project_boundary(project: Mapping[str, Any]) -> str:
    return str((project.get("address") or {}).get("boundary") or "")


def project_details(project: Mapping[str, Any]) -> Mapping[str, Any]:
    details = project.get("additionalDetails")
    return details if isinstance(details, dict) else {}


def plain_targets(targets: Any) -> dict[str, Any]:
    """Targets per column as compared: blanks (a column an update cleared) left out."""
    if not isinstance(targets, dict):
        return {}
    values = {str(column): comparable(value) for column, value in targets.items()}
    return {column: value for column, value in values.items() if value is not None}


def held_targets(project: Mapping[str, Any]) -> dict[str, Any]:
    return plain_targets(project_details(project).get("targets"))


def pick_project(projects: Sequence[dict[str, Any]], ref: str | None) -> dict[str, Any] | None:
    """A boundary's project: the one this reference made, else the oldest (the one the
    boundaries below were linked to when the service made a second)."""
    for project in projects:
        if ref is not None and project_details(project).get("clientReferenceId") == ref:
            return project
    return min(
        projects,
        key=lambda project: (
            (project.get("auditDetails") or {}).get("createdTime") or 0,
            str(project.get("id")),
        ),
        default=None,
    )


def done_before(row: PendingRow, project: Mapping[str, Any]) -> TargetResult | None:
    """What an earlier attempt of this row did, as the project shows it."""
    details, project_id = project_details(project), str(project.get("id"))
    if details.get("clientReferenceId") == row.client_ref:
        return TargetResult(row.client_ref, "created", id=project_id)
    if details.get("targetsSetBy") == row.client_ref:
        return TargetResult(row.client_ref, "updated", id=project_id)
    return None


def same_targets(row: PendingRow, project: Mapping[str, Any]) -> TargetResult | None:
    if held_targets(project) == row_columns(row):
        return TargetResult(row.client_ref, "existing", id=str(project.get("id")))
    return None


def awaiting_project(row: PendingRow) -> TargetResult:
    """A row whose project this run made above an earlier batch's rows moments ago: not
    searchable yet, so its targets are set on the next attempt."""
    return TargetResult(
        row.client_ref,
        "pending",
        code="AWAITING_PROJECT",
        reason=f"the project of boundary {row_code(row)} is not searchable yet",
        sent=True,
    )


def created_result(unit: PendingRow, project_id: str | None) -> TargetResult:
    if project_id:
        return TargetResult(unit.client_ref, "created", id=project_id)
    # Answered without it: whether it was made is read back on the next attempt.
    return TargetResult(
        unit.client_ref,
        "pending",
        code="PROJECT_NOT_RETURNED",
        reason="the project service answered the create without this boundary's project",
        sent=True,
    )


def refusal_says(exc: UpstreamError, code: str) -> bool:
    return any(error.get("code") == code for error in exc.params.get("errors") or [])


def awaiting_parent(units: Sequence[PendingRow]) -> Results:
    """A parent made moments ago that the service could not read yet: it persists creates
    after answering them (through its persister), and reads a parent without a hierarchy
    from its database (ProjectService.getParentProjects; the original waits for each parent
    to be searchable, campaignApis.ts confirmProjectParentCreation). Sent again after
    resend_after_seconds, when the next search sees the parent: `sent` keeps it from
    being made twice meanwhile."""
    return {
        unit.client_ref: TargetResult(
            unit.client_ref,
            "pending",
            code="AWAITING_PARENT_PROJECT",
            reason="the project service does not show the parent project made moments ago yet",
            sent=True,
        )
        for unit in units
    }
