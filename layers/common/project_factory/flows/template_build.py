"""template_generate's task: build a template workbook, store it, record it.

Loads the schema and the boundaries (the request's Filters, else the campaign's with its
ancestors', else the whole hierarchy), builds the workbook (sheets/template.py), starts a
child campaign's template from its parent's data (flows/child_templates.py), stores the
file under an id derived from the row (a retried task overwrites, never adds) and marks
the row completed. Kept apart from flows/template_requests.py so the API does not import openpyxl.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from project_factory.domain.boundaries import Boundary
from project_factory.domain.campaigns import Campaign
from project_factory.domain.files import XLSX
from project_factory.domain.templates import GeneratedResource, GeneratedStatus, TemplateFilters
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.campaigns import campaign_boundary_codes, covered_codes
from project_factory.flows.child_templates import (
    frozen_parent_rows,
    keep_parent_targets,
    parent_file_rows,
)
from project_factory.flows.ports import Ports
from project_factory.flows.sheet_schemas import bound_schema
from project_factory.flows.template_requests import generation_summary
from project_factory.sheets.cells import cell_text
from project_factory.sheets.freeze_parent_rows import freeze_rows
from project_factory.sheets.messages import Messages, load_bundled_messages
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.template import (
    TEMPLATE_SPECS,
    TemplateBoundaries,
    build_template,
    prefilled_facility,
    protection_password,
    schema_version,
)

# File ids are derived from the row, so a retried task overwrites its file, never adds one.
_TEMPLATE_NAMESPACE = uuid.UUID("8a4e2f6c-1d3b-4c7a-9e5f-2b6d8c0a4e13")


@runtime_checkable
class PermanentFacilities(Protocol):
    """A facility target that can list the tenant's permanent facilities."""

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]: ...


def generate_template(
    generated_id: str, filters: Mapping[str, Any] | None, services: Ports
) -> dict[str, Any]:
    """The state machine's task: build, store and record the template of a row.

    `count` is the number of boundaries the template lists. Transient failures of the
    boundary source, schema source or target raise TransientError, which the Task retries;
    a campaign that does not exist (or uses another hierarchy), or a child's parent without
    the file its template starts from, fail the generation for good.
    """
    store = services.generated
    row = store.get(generated_id)
    if row.status != GeneratedStatus.IN_PROGRESS:
        # Expired by a newer request, or finished by an earlier attempt: nothing to do.
        return generation_summary(row)
    campaign = _campaign_of(row, services)
    boundaries = _template_boundaries(row, filters, campaign, services)
    spec, json_schema = bound_schema(TEMPLATE_SPECS[row.type], row.tenantId, services)
    messages = load_bundled_messages()
    locale = messages.locale_or_default(row.additionalDetails.get("locale"))
    parent_id = campaign.parentId if campaign is not None else None
    frozen = (
        frozen_parent_rows(row, parent_id, json_schema, messages, services)
        if parent_id and row.type != "boundary"
        else []
    )
    own = _campaign_rows(row, spec, json_schema, messages, services, frozen)
    data = build_template(
        row.type,
        json_schema,
        boundaries,
        messages,
        locale,
        password=protection_password(services.settings.template_protection_password),
        unlocked_rows=services.settings.template_unlocked_rows,
        metadata={
            "type": row.type,
            "tenantId": row.tenantId,
            "hierarchyType": row.hierarchyType,
            "campaignId": row.campaignId or "",
            "locale": locale,
            "schemaVersion": schema_version(json_schema),
            "generatedId": row.id,
        },
        existing_rows=[*frozen, *own, *_existing_rows(row, spec, services, [*frozen, *own])],
    )
    if parent_id and row.type == "boundary":
        data = keep_parent_targets(data, row, parent_id, json_schema, messages, locale, services)
    elif parent_id:
        data = freeze_rows(data, spec, len(frozen), messages, locale)
    campaign_part = f"_{row.campaignId}" if row.campaignId else ""
    stored = services.files.put(
        row.tenantId,
        data,
        filename=f"{row.type}_{row.hierarchyType}{campaign_part}.xlsx",
        module="template",
        content_type=XLSX,
        file_store_id=str(uuid.uuid5(_TEMPLATE_NAMESPACE, row.id)),
    )
    return generation_summary(
        store.complete(row.id, stored.file_store_id, len(boundaries.selected))
    )


def _template_boundaries(
    row: GeneratedResource,
    filters: Mapping[str, Any] | None,
    campaign: Campaign | None,
    services: Ports,
) -> TemplateBoundaries:
    """The hierarchy's boundaries, and those the template lists (filtered, or the
    campaign's)."""
    source = services.boundaries
    every = source.boundaries(row.tenantId, row.hierarchyType)
    selected = _selected(
        row,
        every,
        TemplateFilters.model_validate(filters) if filters else None,
        campaign,
        services,
    )
    return TemplateBoundaries(
        hierarchy_type=row.hierarchyType,
        levels=source.hierarchy(row.tenantId, row.hierarchyType),
        every=every,
        selected=selected,
    )


def _campaign_of(row: GeneratedResource, services: Ports) -> Campaign | None:
    """The row's campaign, None for a template of no campaign."""
    if not row.campaignId:
        return None
    try:
        campaign = services.campaigns.get(row.campaignId)
    except NotFoundError:
        campaign = None
    if campaign is None or campaign.tenantId != row.tenantId:
        raise NotFoundError(
            f"campaign {row.campaignId} does not exist in tenant {row.tenantId}",
            code="CAMPAIGN_NOT_FOUND",
            campaignId=row.campaignId,
        )
    if campaign.hierarchyType != row.hierarchyType:
        raise InvalidRequestError(
            f"campaign {campaign.id} uses hierarchy {campaign.hierarchyType}, "
            f"not {row.hierarchyType}",
            code="HIERARCHY_MISMATCH",
        )
    return campaign


def _selected(
    row: GeneratedResource,
    every: list[Boundary],
    filters: TemplateFilters | None,
    campaign: Campaign | None,
    services: Ports,
) -> list[Boundary]:
    """The boundaries a template lists, in hierarchy order: the filtered ones, else the
    campaign's (both with their descendants when includeAllChildren), else every one."""
    if filters is not None:
        codes = covered_codes(
            services.boundaries, row.tenantId, row.hierarchyType, filters.boundaries
        )
    elif campaign is not None:
        codes = campaign_boundary_codes(campaign, services)
    else:
        return every
    return [boundary for boundary in every if boundary.code in codes]


def _campaign_rows(
    row: GeneratedResource,
    spec: SheetSpec,
    json_schema: Mapping[str, Any],
    messages: Messages,
    services: Ports,
    frozen: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The campaign's own records when asked (`includeExisting`): the rows of its newest
    created file of the type, with their ids, editable (a change uploaded again updates
    the record, flows/plan.py), but those the parent's `frozen` rows carry already."""
    if not (row.additionalDetails.get("includeExisting") and row.campaignId):
        return []
    if row.type == "boundary":
        return []
    rows = parent_file_rows(row.tenantId, row.campaignId, spec, json_schema, messages, services)
    return _not_carried(rows or [], spec.id_column, frozen)


def _not_carried(
    rows: list[dict[str, Any]], id_column: str | None, frozen: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows but those whose id one of the `frozen` rows carries already."""
    if id_column is None:
        return rows
    carried = {cell_text(values[id_column]) for values in frozen if id_column in values}
    return [
        values
        for values in rows
        if id_column not in values or cell_text(values[id_column]) not in carried
    ]


def _existing_rows(
    row: GeneratedResource,
    spec: SheetSpec,
    services: Ports,
    frozen: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Pre-filled data rows: the tenant's permanent facilities, by name, but those the
    parent's `frozen` rows carry already (by id)."""
    if row.type != "facilityWithBoundary":
        return []
    target = services.target("facility", row.hierarchyType)
    if not isinstance(target, PermanentFacilities):
        raise TypeError(f"the facility target {type(target).__name__} cannot list facilities")
    id_column = spec.id_column
    carried = {
        cell_text(values[id_column]) for values in frozen if id_column and id_column in values
    }
    facilities = [
        facility
        for facility in target.permanent_facilities(row.tenantId)
        if cell_text(facility["id"]) not in carried
    ]
    facilities.sort(key=lambda facility: str(facility.get("name") or "").casefold())
    return [prefilled_facility(facility, spec) for facility in facilities]
