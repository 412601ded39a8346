"""What a child campaign's template takes from its parent campaign.

- facilityWithBoundary / userWithBoundary: every row of the parent's newest processed
  file of that type (created or partially-created); without one the generation fails
  (PARENT_FILE_NOT_FOUND): a child template without the parent's rows would lose them;
- boundary: the targets of the parent's newest boundaryWithTarget file (validated or
  created). Targets are optional while a campaign is set up, so without one the tabs
  are generated fresh.
"""

from collections.abc import Callable, Mapping
from typing import Any

from project_factory.domain.resources import (
    ResourceRow,
    ResourceStatus,
    ResourceType,
    SearchCriteria,
)
from project_factory.domain.templates import GeneratedResource
from project_factory.errors import NotFoundError
from project_factory.flows.ports import Ports
from project_factory.sheets.freeze_parent_rows import parent_rows
from project_factory.sheets.freeze_parent_targets import freeze_targets, parent_targets
from project_factory.sheets.messages import Messages
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.spec_binding import bind
from project_factory.sheets.template import TEMPLATE_SPECS

#: A parent's uploads whose processed file is the base of its child's data sheet.
_ROWS_CREATED = frozenset({ResourceStatus.CREATED, ResourceStatus.PARTIALLY_CREATED})
#: A parent's target uploads whose targets its child keeps.
_TARGETS_ACCEPTED = frozenset({ResourceStatus.VALIDATED, ResourceStatus.CREATED})
_SEARCH_PAGE = 100


def frozen_parent_rows(
    row: GeneratedResource,
    parent_id: str,
    json_schema: Mapping[str, Any],
    messages: Messages,
    services: Ports,
) -> list[dict[str, Any]]:
    """The rows of the parent's newest processed file of the template's type."""
    spec, _ = bind(TEMPLATE_SPECS[row.type], json_schema)
    rows = parent_file_rows(row.tenantId, parent_id, spec, json_schema, messages, services)
    if rows is None:
        raise NotFoundError(
            f"parent campaign {parent_id} has no created {spec.resource_type} file to "
            f"start its child's {row.type} template from: create its "
            f"{spec.resource_type} data first",
            code="PARENT_FILE_NOT_FOUND",
            parentCampaignId=parent_id,
            type=spec.resource_type,
        )
    return rows


def parent_file_rows(
    tenant_id: str,
    parent_id: str,
    spec: SheetSpec,
    json_schema: Mapping[str, Any],
    messages: Messages,
    services: Ports,
) -> list[dict[str, Any]] | None:
    """The rows of the parent's newest processed file of `spec`'s type, None without one:
    what its child's template starts from, and what Validate holds the child's frozen rows
    to (sheets/frozen_cells.py)."""
    resource = _newest_parent_resource(
        tenant_id, parent_id, spec.resource_type, _has_rows, services
    )
    if resource is None or resource.processedFileStoreId is None:
        return None
    processed = services.files.read(tenant_id, resource.processedFileStoreId)
    return parent_rows(processed, spec, messages, json_schema)


def keep_parent_targets(
    data: bytes,
    row: GeneratedResource,
    parent_id: str,
    json_schema: Mapping[str, Any],
    messages: Messages,
    locale: str,
    services: Ports,
) -> bytes:
    """The boundary template with the parent's targets kept, when it has set any."""
    resource = _newest_parent_resource(
        row.tenantId, parent_id, "boundaryWithTarget", _has_targets, services
    )
    if resource is None:
        return data
    file_store_id = resource.processedFileStoreId or resource.fileStoreId
    targets = parent_targets(
        services.files.read(row.tenantId, file_store_id), json_schema, messages
    )
    return freeze_targets(data, targets, json_schema, messages, locale) if targets else data


def _newest_parent_resource(
    tenant_id: str,
    parent_id: str,
    resource_type: ResourceType,
    wanted: Callable[[ResourceRow], bool],
    services: Ports,
) -> ResourceRow | None:
    """The parent's newest upload of a type that is `wanted` (search is newest first)."""
    offset = 0
    while True:
        page = services.resources.search(
            SearchCriteria(
                tenantId=tenant_id,
                type=resource_type,
                campaignId=parent_id,
                limit=_SEARCH_PAGE,
                offset=offset,
            )
        )
        found = next((resource for resource in page if wanted(resource)), None)
        if found is not None or len(page) < _SEARCH_PAGE:
            return found
        offset += _SEARCH_PAGE


def _has_rows(resource: ResourceRow) -> bool:
    """A created upload whose processed file holds the created rows with their ids."""
    return resource.status in _ROWS_CREATED and resource.processedFileStoreId is not None


def _has_targets(resource: ResourceRow) -> bool:
    return resource.status in _TARGETS_ACCEPTED
