"""The projects a campaign's rows need, as a tree of boundaries (the rows' own and every
boundary above them), and the order they are made in: level by level from the top, since a
child names its parent's id. For the project target, projects.py."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.adapters.targets.digit.project_records import pick_project, row_code
from project_factory.adapters.targets.digit.sending import Results, rejected
from project_factory.domain.target_calls import PendingRow, TargetResult


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
            results[node.row.client_ref] = _under_failed(node.row, *failed[node.parent])
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


def _under_failed(row: PendingRow, code: str, failure: TargetResult) -> TargetResult:
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
