"""DIGIT campaign targets: one health-project per boundary, as the HCM project-factory makes them.

A `boundaryWithTarget` row sets a boundary's targets for a campaign (flows/target_rows.py
adds the campaign, the boundaries above it and the campaign's project fields). DIGIT keeps
them as the original does (health-services/project-factory/src/server/utils/
processingResultHandler.ts, buildProjectTemplateForBoundary and createLevelBulk): a project
per boundary, its referenceID the campaign, its parent the project of the boundary above,
and its targets one per beneficiary type. The boundaries above a row get a project without
targets first, level by level from the top, since a child names its parent's id.

A project has no key of its own (the service makes a second one for the same campaign and
boundary), so a client reference alone does not find it: every create, and a retry's
confirmation (`find_rows`), searches the campaign's projects by boundary first. What a project
holds says which row made it: additionalDetails.clientReferenceId (the row that created it,
or `{campaign}:{boundary}` for a boundary above the rows), targetsSetBy (the row whose
targets it carries) and targets (per column, as the file had them).

  no project at the boundary         created (with the boundaries above that lack one)
  clientReferenceId is the row's     created (an earlier attempt's create, answer lost)
  targetsSetBy is the row's          updated (an earlier attempt's update, answer lost)
  the same targets per column        existing (the same targets uploaded again)
  other targets                      updated: the stored project sent back with the row's targets

What a row and a project hold is read in project_records.py, the boundaries a batch needs
projects for are worked out in project_tree.py, the bodies sent are built in
project_bodies.py, and the service is searched through project_search.py.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit.project_bodies import (
    DEFAULT_BENEFICIARIES,
    ProjectBodies,
)
from project_factory.adapters.targets.digit.project_records import (
    PARENT_MISSING,
    awaiting_parent,
    awaiting_project,
    by_campaign,
    created_result,
    done_before,
    first_by_boundary,
    held_targets,
    pick_project,
    project_boundary,
    refusal_says,
    row_code,
    row_problem,
    same_targets,
)
from project_factory.adapters.targets.digit.project_search import ProjectSearch
from project_factory.adapters.targets.digit.project_tree import (
    ProjectNode,
    ancestors_cycle,
    is_placed,
    known_projects,
    missing_nodes,
    pass_down_failures,
    project_nodes,
)
from project_factory.adapters.targets.digit.sending import Results, in_batches, submit
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import UpstreamError


class ProjectTarget:
    """Campaign targets as DIGIT health-projects, one per boundary (see the module)."""

    resource_type = "boundaryWithTarget"
    # The project create answers with the ids it made: each row is settled by its own call.
    confirms_by_search = False

    def __init__(
        self,
        client: JsonHttpClient,
        batch_size: int,
        paths: DigitPaths = DEFAULT_PATHS,
        *,
        resend_after_seconds: float,
        beneficiaries: Mapping[str, str] = DEFAULT_BENEFICIARIES,
    ) -> None:
        self._client = client
        self._batch_size = batch_size
        self._paths = paths
        self._projects = ProjectSearch(client, paths)
        # A create whose answer was lost may still land until then (and the project service
        # persists what it answered a little later): a row is not sent again before.
        self.resend_after_seconds = resend_after_seconds
        self._bodies = ProjectBodies(beneficiaries)

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        # Projects this call made, by (campaign, boundary): parents for later batches even
        # before the service's search shows them.
        made: dict[tuple[str, str], str] = {}
        return in_batches(
            rows, self._batch_size, lambda batch: self._create(tenant_id, batch, made)
        )

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Nothing: a reference alone does not name a project (it is found by its campaign and
        boundary), so the flow asks `find_rows` with the rows themselves (base.RowFinder)."""
        return {}

    def find_rows(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The rows an earlier attempt created (clientReferenceId) or set the targets of
        (targetsSetBy), by client reference; other rows are left out."""
        found: Results = {}
        for campaign_id, group in by_campaign(rows).items():
            held = self._projects.at_boundaries(
                tenant_id, campaign_id, [row_code(row) for row in group]
            )
            for row in group:
                project = pick_project(held.get(row_code(row), []), row.client_ref)
                answered = done_before(row, project) if project else None
                if answered is not None:
                    found[row.client_ref] = answered
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        # A boundary's targets are set again, never refused as taken: no key is unique.
        return set()

    def targets_of(self, tenant_id: str, campaign_id: str) -> dict[str, dict[str, Any]]:
        """The campaign's targets: boundary code -> column -> value, from every project of the
        campaign (the boundaries above the rows, which carry none, left out)."""
        targets: dict[str, dict[str, Any]] = {}
        for code, found in self._projects.of_campaign(tenant_id, campaign_id).items():
            chosen = pick_project(found, None)
            columns = held_targets(chosen) if chosen is not None else {}
            if columns:
                targets[code] = columns
        return targets

    # -- create -------------------------------------------------------------------------------

    def _create(
        self, tenant_id: str, batch: Sequence[PendingRow], made: dict[tuple[str, str], str]
    ) -> Results:
        results: Results = {}
        valid = []
        for row in batch:
            problem = row_problem(row)
            if problem is not None:
                results[row.client_ref] = problem
            else:
                valid.append(row)
        for campaign_id, group in by_campaign(valid).items():
            results |= self._create_for(tenant_id, campaign_id, group, made)
        return results

    def _create_for(
        self,
        tenant_id: str,
        campaign_id: str,
        rows: Sequence[PendingRow],
        made: dict[tuple[str, str], str],
    ) -> Results:
        """One campaign's rows: what exists read once, then the missing projects made level
        by level, and the projects holding other targets updated."""
        owners, results = first_by_boundary(rows)
        nodes = project_nodes(campaign_id, owners)
        held = self._projects.at_boundaries(tenant_id, campaign_id, list(nodes))
        ids, known = known_projects(campaign_id, nodes, held, made)
        changes: list[tuple[PendingRow, dict[str, Any]]] = []
        for row, project in known:
            if project is None:
                results[row.client_ref] = awaiting_project(row)
            elif answered := done_before(row, project) or same_targets(row, project):
                results[row.client_ref] = answered
            else:
                changes.append((row, project))
        missing = missing_nodes(nodes, ids)
        if missing:
            results |= self._create_levels(tenant_id, campaign_id, missing, ids, made)
        if changes:
            results |= self._update(changes)
        return results

    def _create_levels(
        self,
        tenant_id: str,
        campaign_id: str,
        todo: dict[str, ProjectNode],
        ids: dict[str, str],
        made: dict[tuple[str, str], str],
    ) -> Results:
        """The missing projects, a level per call from the top: a project is sent once its
        parent's exists; under one that failed, a row answers as that one did."""
        results: Results = {}
        failed: dict[str, tuple[str, TargetResult]] = {}  # code -> (failed boundary, answer)
        while todo:
            level = [node for node in todo.values() if is_placed(node, ids, failed)]
            if not level:
                # The rows' ancestors loop: Validate builds them from a tree, so a defect.
                return results | ancestors_cycle(todo.values())
            for node in level:
                del todo[node.code]
            ready, inherited = pass_down_failures(level, failed)
            results |= inherited
            if ready:
                results |= self._create_level(tenant_id, campaign_id, ready, ids, made, failed)
        return results

    def _create_level(
        self,
        tenant_id: str,
        campaign_id: str,
        ready: Sequence[ProjectNode],
        ids: dict[str, str],
        made: dict[tuple[str, str], str],
        failed: dict[str, tuple[str, TargetResult]],
    ) -> Results:
        """Send one level's projects; a created one's id goes into `ids` and `made` (its
        children name it as their parent), a failed one into `failed` (its children wait or
        are refused as it was)."""
        results: Results = {}
        fresh = set(made.values())
        answers = self._send_level(tenant_id, campaign_id, ready, ids, fresh)
        for node in ready:
            answer = answers[node.ref]
            if answer.outcome == "created" and answer.id:
                ids[node.code] = made[(campaign_id, node.code)] = answer.id
            else:
                failed[node.code] = (node.code, answer)
            if node.row is not None:
                results[node.row.client_ref] = answer
        return results

    def _send_level(
        self,
        tenant_id: str,
        campaign_id: str,
        nodes: Sequence[ProjectNode],
        ids: Mapping[str, str],
        fresh: set[str],
    ) -> Results:
        """One create for a level's projects (refusals narrowed down by sending.submit), each
        answered by its node's reference: created with the id the answer gives its boundary."""
        by_ref = {node.ref: node for node in nodes}
        # A boundary above the rows goes as a row of its own, named by its code in refusals.
        units = [node.row or PendingRow(node.ref, 0, {"code": node.code}) for node in nodes]

        def send(some: Sequence[PendingRow]) -> Results:
            bodies = [
                self._bodies.new_project(tenant_id, campaign_id, by_ref[unit.client_ref], ids)
                for unit in some
            ]
            try:
                answer = self._client.post(self._paths.project_create, {"Projects": bodies})
            except UpstreamError as exc:
                if {body["parent"] for body in bodies} & fresh and refusal_says(
                    exc, PARENT_MISSING
                ):
                    return awaiting_parent(some)
                raise
            returned = {
                project_boundary(project): str(project["id"])
                for project in answer.get("Project") or []
                if project.get("id")
            }
            return {
                unit.client_ref: created_result(unit, returned.get(by_ref[unit.client_ref].code))
                for unit in some
            }

        return submit(units, send, "Projects")

    # -- update -------------------------------------------------------------------------------

    def _update(self, changes: Sequence[tuple[PendingRow, dict[str, Any]]]) -> Results:
        """The stored projects sent back with the rows' targets (one call, narrowed down by
        sending.submit when refused)."""
        projects = {row.client_ref: project for row, project in changes}

        def send(rows: Sequence[PendingRow]) -> Results:
            bodies = [self._bodies.changed_project(row, projects[row.client_ref]) for row in rows]
            self._client.post(self._paths.project_update, {"Projects": bodies})
            return {
                row.client_ref: TargetResult(
                    row.client_ref, "updated", id=str(projects[row.client_ref]["id"])
                )
                for row in rows
            }

        return submit([row for row, _ in changes], send, "Projects")
