"""What a DIGIT project and a target row hold, for the project target (projects.py): the
boundaries a batch needs projects for (the rows' and those above them), which project of a
boundary is the row's, and the answers a row gets from what a project shows."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.adapters.targets.base import PendingRow, TargetResult, comparable
from project_factory.adapters.targets.digit.shared import Results, rejected
from project_factory.errors import UpstreamError


@dataclass(frozen=True)
class ProjectNode:
    """A boundary that needs a project: a row's own, or one above a row."""

    code: str
    boundary_type: str | None
    parent: str | None
    #: the client reference its project carries (`{campaign}:{code}` above the rows)
    ref: str
    #: the row whose campaign fields (name, type, dates) the project takes
    source: PendingRow
    #: the row whose targets it carries; None for a boundary above the rows
    row: PendingRow | None


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


def project_nodes(campaign_id: str, rows: Sequence[PendingRow]) -> dict[str, ProjectNode]:
    """The rows' boundaries and every boundary above them, by code; a row's own wins."""
    nodes: dict[str, ProjectNode] = {}
    parents: dict[str, str | None] = {}
    for row in rows:
        parent = None
        for ancestor in row.data.get("ancestors") or []:
            code = str(ancestor.get("code"))
            if code not in nodes:
                kind = ancestor.get("boundaryType")
                nodes[code] = ProjectNode(code, kind, parent, f"{campaign_id}:{code}", row, None)
            parent = code
        parents[row.client_ref] = parent
    for row in rows:
        kind = row.data.get("boundaryType")
        nodes[row_code(row)] = ProjectNode(
            row_code(row), kind, parents[row.client_ref], row.client_ref, row, row
        )
    return nodes


def missing_nodes(
    nodes: Mapping[str, ProjectNode], ids: Mapping[str, str]
) -> dict[str, ProjectNode]:
    """The nodes to create: rows without a project, and the boundaries above them up to the
    first that has one (a boundary above rows that all have projects is not made)."""
    todo: dict[str, ProjectNode] = {}
    for node in nodes.values():
        current: ProjectNode | None = node if node.row is not None else None
        while current is not None and current.code not in ids and current.code not in todo:
            todo[current.code] = current
            current = nodes.get(current.parent) if current.parent else None
    return todo


def is_placed(
    node: ProjectNode, ids: Mapping[str, str], failed: Mapping[str, tuple[str, TargetResult]]
) -> bool:
    """Whether a node's turn has come: its parent has a project, failed, or there is none."""
    return node.parent is None or node.parent in ids or node.parent in failed


def known_projects(
    campaign_id: str,
    nodes: Mapping[str, ProjectNode],
    held: Mapping[str, Sequence[dict[str, Any]]],
    made: Mapping[tuple[str, str], str],
) -> tuple[dict[str, str], list[tuple[PendingRow, dict[str, Any] | None]]]:
    """The project id of each boundary that has one, and each row with one at its boundary,
    with that project as searched: None for one this run made but cannot read yet."""
    ids: dict[str, str] = {}
    known: list[tuple[PendingRow, dict[str, Any] | None]] = []
    for code, node in nodes.items():
        project = pick_project(held.get(code, []), node.ref)
        if project is not None:
            ids[code] = str(project["id"])
        elif (campaign_id, code) in made:
            ids[code] = made[(campaign_id, code)]
        if node.row is not None and code in ids:
            known.append((node.row, project))
    return ids, known


def pass_down_failures(
    level: Sequence[ProjectNode], failed: dict[str, tuple[str, TargetResult]]
) -> tuple[list[ProjectNode], Results]:
    """The nodes of a level to send, and answers for the rows under a failed project: a
    project cannot be made under one that is missing, so a node there is entered in
    `failed` as its parent's failure, for the levels below it too."""
    ready: list[ProjectNode] = []
    results: Results = {}
    for node in level:
        if node.parent not in failed:
            ready.append(node)
            continue
        failed[node.code] = failed[node.parent]
        if node.row is not None:
            results[node.row.client_ref] = under_failed(node.row, *failed[node.parent])
    return ready, results


def ancestors_cycle(nodes: Iterable[ProjectNode]) -> Results:
    """Rejections for the rows of nodes none of which can be placed: their ancestors loop."""
    results: Results = {}
    for node in nodes:
        if node.row is not None:
            results[node.row.client_ref] = rejected(
                node.row, "ANCESTORS_CYCLE", f"{node.code} is among its ancestors"
            )
    return results


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


def replaced_targets(
    project: Mapping[str, Any], wanted: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A row's targets as an update sends them: each with a stored target of its
    beneficiary type (its id), and the stored ones left over as deleted, since the service
    keeps every stored target an update leaves out."""
    stored = _live_targets(project)
    targets = []
    for one in wanted:
        kept = stored.get(one["beneficiaryType"]) or [{}]
        targets.append(dict(kept.pop(0)) | dict(one))
    return targets + [target | {"isDeleted": True} for left in stored.values() for target in left]


def _live_targets(project: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A project's stored targets not deleted, by beneficiary type."""
    stored: dict[str, list[dict[str, Any]]] = {}
    for target in project.get("targets") or []:
        if not target.get("isDeleted"):
            stored.setdefault(str(target.get("beneficiaryType")), []).append(target)
    return stored


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


def under_failed(row: PendingRow, code: str, failure: TargetResult) -> TargetResult:
    """A row whose project was not sent: the project above it, at `code`, failed so."""
    if failure.outcome == "rejected":
        reason = f"the project of boundary {code} above it was refused: {failure.reason}"
        return rejected(row, failure.code or "PARENT_PROJECT_REFUSED", reason)
    return TargetResult(
        row.client_ref,
        "pending",
        code=failure.code,
        reason=f"waiting for the project of boundary {code} above it: {failure.reason}",
        # A create of that project may still land: this row waits as long as it does.
        sent=failure.sent,
    )
