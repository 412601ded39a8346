"""What the project target (projects.py) sends: a boundary's new project, as the original
builds it, and a stored project sent back with a row's targets. Targets travel twice: per
beneficiary type (the service's `targets`), and per column as the file had them
(additionalDetails.targets), which is what a later upload is compared with."""

from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.targets.digit.project_records import held_targets, row_columns
from project_factory.adapters.targets.digit.project_tree import ProjectNode
from project_factory.domain.target_calls import PendingRow

#: Target column -> beneficiaryType. The original reads this per project type from MDMS
#: (HCM-ADMIN-CONSOLE.targetConfigs: beneficiaries[].columns); these are the console's two
#: target columns. Columns not mapped travel in additionalDetails.targets only.
DEFAULT_BENEFICIARIES: Mapping[str, str] = {
    "HCM_ADMIN_CONSOLE_TARGET": "INDIVIDUAL",
    "HCM_ADMIN_CONSOLE_TARGET_HOUSEHOLDS": "HOUSEHOLD",
}


class ProjectBodies:
    """The project create's and update's bodies, with the beneficiary type of each column."""

    def __init__(self, beneficiaries: Mapping[str, str]) -> None:
        self._beneficiaries = dict(beneficiaries)

    def new_project(
        self, tenant_id: str, campaign_id: str, node: ProjectNode, ids: Mapping[str, str]
    ) -> dict[str, Any]:
        """A boundary's project as buildProjectTemplateForBoundary makes it, from the
        campaign's fields; a row's carries its targets, per beneficiary type and per column."""
        fields = node.source.data.get("project") or {}
        body: dict[str, Any] = {
            "tenantId": tenant_id,
            "name": fields.get("name"),
            "projectType": fields.get("projectType"),
            "projectSubType": fields.get("projectType"),
            "startDate": fields.get("startDate"),
            "endDate": fields.get("endDate"),
            "description": f"{fields.get('name')} campaign created through Admin Console "
            f"with Campaign Id as {campaign_id}",
            "referenceID": campaign_id,
            "parent": ids.get(node.parent) if node.parent else None,
            "address": {
                "tenantId": tenant_id,
                "boundary": node.code,
                "boundaryType": node.boundary_type,
            },
            # The original sums the rows' targets into the boundaries above them; here those
            # carry none (a campaign's targets are the rows', see projects.py `targets_of`).
            "targets": [],
            "additionalDetails": {"clientReferenceId": node.ref},
        }
        if node.row is not None:
            columns = row_columns(node.row)
            body["targets"] = self._by_beneficiary(columns)
            body["additionalDetails"] |= {
                "targets": columns,
                "targetsSetBy": node.row.client_ref,
            }
        return body

    def changed_project(self, row: PendingRow, project: Mapping[str, Any]) -> dict[str, Any]:
        """The project as searched, its targets replaced by the row's.

        The service keeps every stored target an update leaves out, and merges
        additionalDetails into the stored ones (health-services/project ProjectEnrichment.
        enrichProjectTargetOnUpdate, ProjectServiceUtil.jsonMerge): a stored target is sent
        back with its id (its new number, or isDeleted), a column no longer set as null.
        """
        columns = row_columns(row)
        targets = _replaced_targets(project, self._by_beneficiary(columns))
        details = dict(project.get("additionalDetails") or {})
        dropped = {column: None for column in held_targets(project) if column not in columns}
        details |= {"targets": dropped | columns, "targetsSetBy": row.client_ref}
        return dict(project) | {"targets": targets, "additionalDetails": details}

    def _by_beneficiary(self, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
        """[{beneficiaryType, targetNo}]: the columns of each beneficiary type summed."""
        sums: dict[str, Any] = {}
        for column, kind in self._beneficiaries.items():
            if column in columns:
                sums[kind] = sums.get(kind, 0) + columns[column]
        return [{"beneficiaryType": kind, "targetNo": number} for kind, number in sums.items()]


def _replaced_targets(
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
