"""Template generation: `_generate`, `_download` and the template_generate state machine's steps.

A request puts an `inprogress` row and starts the state machine (execution named by the
row id); its task builds the workbook, stores it and marks the row `completed`, and its
Catch marks the row `failed` with the reason. At most one generation of a template is
current (`inprogress` or `completed`): forceUpdate expires every earlier one.

Two requests racing with forceUpdate=false may both start a generation; both complete and
the newer is the one downloads return, so nothing is lost but some work.

A campaign's template lists the campaign's boundaries (its parent's included) unless the
request filters them. A child campaign's template starts from its parent's data, frozen:
- facilityWithBoundary / userWithBoundary: every row of the parent's newest processed
  file of that type (created or partially-created), locked, with its id and its old
  boundary code (sheets.freeze); without such a file the generation fails
  (PARENT_FILE_NOT_FOUND): a child template without the parent's rows would lose them;
- boundary: the targets of the parent's newest boundaryWithTarget file (validated or
  created) kept beside editable copies (sheets.freeze_targets). Targets are optional
  while a campaign is set up, so without such a file the tabs are generated fresh.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any, Protocol, cast, runtime_checkable

from pydantic import Field

from project_factory.adapters.boundary_source import Boundary, BoundarySource
from project_factory.adapters.file_store import XLSX
from project_factory.adapters.resource_store import new_audit
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.campaigns import campaign_boundary_codes
from project_factory.flows.mark_failed import StepError, describe_step_error
from project_factory.generated import (
    ACTIVE_STATUSES,
    GENERATED_TYPES,
    GeneratedResource,
    GeneratedStatus,
    GeneratedType,
    template_key,
)
from project_factory.models import (
    Campaign,
    RequestInfo,
    RequestInfoModel,
    ResourceRow,
    ResourceStatus,
    ResourceType,
    SearchCriteria,
    Strict,
)
from project_factory.services import Services
from project_factory.sheets.cells import cell_text
from project_factory.sheets.freeze import freeze_rows, parent_rows
from project_factory.sheets.freeze_targets import freeze_targets, parent_targets
from project_factory.sheets.messages import Messages, load_bundled_messages
from project_factory.sheets.schema import to_json_schema
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
#: A parent's uploads whose processed file is the base of its child's data sheet.
_ROWS_CREATED = frozenset({ResourceStatus.CREATED, ResourceStatus.PARTIALLY_CREATED})
#: A parent's target uploads whose targets its child keeps.
_TARGETS_ACCEPTED = frozenset({ResourceStatus.VALIDATED, ResourceStatus.CREATED})
_SEARCH_PAGE = 100


class BoundaryFilter(Strict):
    code: str = Field(min_length=1, max_length=256)
    type: str | None = None
    isRoot: bool = False
    includeAllChildren: bool = False
    parent: str | None = None


class TemplateFilters(Strict):
    boundaries: list[BoundaryFilter] = Field(min_length=1)


class GenerateRequest(Strict):
    """`_generate`: the query's fields and the body's RequestInfo and Filters."""

    RequestInfo: RequestInfo
    tenantId: str = Field(min_length=1, max_length=64)
    type: GeneratedType
    hierarchyType: str = Field(min_length=1, max_length=128)
    campaignId: str | None = Field(default=None, max_length=128)
    forceUpdate: bool = False
    Filters: TemplateFilters | None = None


class GenerateBody(Strict):
    """The body of `_generate`; the rest of the request is in the query string."""

    RequestInfo: RequestInfoModel = Field(default_factory=RequestInfoModel)
    Filters: TemplateFilters | None = None


class DownloadQuery(Strict):
    tenantId: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=64)
    hierarchyType: str = Field(min_length=1, max_length=128)
    id: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=200)
    campaignId: str | None = Field(default=None, max_length=128)

    @property
    def statuses(self) -> list[str] | None:
        """`status` is comma-separated, as in the original."""
        return (
            [part.strip() for part in self.status.split(",") if part.strip()]
            if self.status
            else None
        )


@runtime_checkable
class PermanentFacilities(Protocol):
    """A facility target that can list the tenant's permanent facilities."""

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]: ...


def request_generation(
    request: GenerateRequest, services: Services, *, generation_id: str | None = None
) -> GeneratedResource:
    """The template's current generation, unless forceUpdate; else a new one, started.

    `generation_id` names the generation for a caller that may ask twice (an event
    delivered again): a generation that already has that id is returned as it is.
    """
    _check_hierarchy(services.boundaries, request.tenantId, request.hierarchyType)
    store = services.generated
    if generation_id is not None:
        with suppress(NotFoundError):
            return store.get(generation_id)
    key = template_key(request.tenantId, request.type, request.hierarchyType, request.campaignId)
    user = request.RequestInfo.user_uuid
    if request.forceUpdate:
        store.expire_all_active(key, user=user)
    else:
        current = store.latest(key, ACTIVE_STATUSES)
        if current is not None:
            return current
    details: dict[str, Any] = {"locale": request.RequestInfo.locale}
    if request.Filters is not None:
        details["Filters"] = request.Filters.model_dump(mode="json")
    row = store.put_new(
        GeneratedResource(
            id=generation_id or str(uuid.uuid4()),
            type=request.type,
            status=GeneratedStatus.IN_PROGRESS,
            hierarchyType=request.hierarchyType,
            tenantId=request.tenantId,
            campaignId=request.campaignId,
            additionalDetails=details,
            auditDetails=new_audit(user),
        )
    )
    payload = {"generatedId": row.id, "filters": details.get("Filters")}
    try:
        services.workflow.start(
            services.settings.template_generate_state_machine_arn, row.id, payload
        )
    except Exception as error:
        # Without an execution the row would stay in progress for ever and be returned as
        # current; failed, the next download starts a new generation.
        store.fail(row.id, type(error).__name__, f"the generation could not start: {error}")
        raise
    return row


def download(
    tenant_id: str,
    generated_type: str,
    hierarchy_type: str,
    *,
    services: Services,
    generated_id: str | None = None,
    statuses: Sequence[str] | None = None,
    campaign_id: str | None = None,
    request_info: RequestInfo | None = None,
) -> list[GeneratedResource]:
    """`_download`: the latest matching row (0 or 1 items).

    As the original does, when there is none or it failed, a generation is started
    (unless one is current) and the answer is still what was found: clients poll.
    """
    if generated_type not in GENERATED_TYPES:
        raise InvalidRequestError(
            f"Unknown template type '{generated_type}'; expected one of "
            f"{', '.join(GENERATED_TYPES)}",
            code="INVALID_TYPE",
        )
    wanted = _statuses(statuses)
    key = template_key(tenant_id, generated_type, hierarchy_type, campaign_id)
    if generated_id:
        found = _matching(services, generated_id, key, wanted)
    else:
        found = services.generated.latest(key, wanted)
    if found is None or found.status == GeneratedStatus.FAILED:
        request = GenerateRequest(
            RequestInfo=request_info or RequestInfo(),
            tenantId=tenant_id,
            type=cast(GeneratedType, generated_type),
            hierarchyType=hierarchy_type,
            campaignId=campaign_id,
        )
        request_generation(request, services)
    return [found] if found is not None else []


def generate_template(
    generated_id: str, filters: Mapping[str, Any] | None, services: Services
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
        return _summary(row)
    campaign = _campaign_of(row, services)
    source = services.boundaries
    every = source.boundaries(row.tenantId, row.hierarchyType)
    selected = _selected(
        row,
        every,
        TemplateFilters.model_validate(filters) if filters else None,
        campaign,
        services,
    )
    boundaries = TemplateBoundaries(
        hierarchy_type=row.hierarchyType,
        levels=source.hierarchy(row.tenantId, row.hierarchyType),
        every=every,
        selected=selected,
    )
    spec = TEMPLATE_SPECS[row.type]
    json_schema = to_json_schema(services.schemas.get(row.tenantId, spec.resource_type))
    messages = load_bundled_messages()
    locale = messages.locale_or_default(row.additionalDetails.get("locale"))
    parent_id = campaign.parentId if campaign is not None else None
    frozen = (
        _parent_rows(row, parent_id, json_schema, messages, services)
        if parent_id and row.type != "boundary"
        else []
    )
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
        existing_rows=[*frozen, *_existing_rows(row, services, frozen)],
    )
    if parent_id and row.type == "boundary":
        data = _with_parent_targets(data, row, parent_id, json_schema, messages, locale, services)
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
    return _summary(store.complete(row.id, stored.file_store_id, len(selected)))


def mark_generation_failed(
    generated_id: str, error: Mapping[str, Any], services: Services
) -> GeneratedResource:
    """The state machine's Catch: the row ends `failed` with {code, message}, never stuck."""
    code, message = describe_step_error(StepError.model_validate(error))
    return services.generated.fail(generated_id, code, message)


def _check_hierarchy(source: BoundarySource, tenant_id: str, hierarchy_type: str) -> None:
    try:
        source.hierarchy(tenant_id, hierarchy_type)
    except NotFoundError as error:
        raise InvalidRequestError(
            f"Unknown hierarchyType '{hierarchy_type}' for tenant {tenant_id}",
            code="INVALID_HIERARCHY",
            hierarchyType=hierarchy_type,
        ) from error


def _statuses(statuses: Sequence[str] | None) -> list[GeneratedStatus] | None:
    if not statuses:
        return None
    known = {str(status) for status in GeneratedStatus}
    unknown = [status for status in statuses if status not in known]
    if unknown:
        raise InvalidRequestError(
            f"Unknown status(es) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}",
            code="INVALID_STATUS",
        )
    return [GeneratedStatus(status) for status in statuses]


def _matching(
    services: Services, generated_id: str, key: str, statuses: list[GeneratedStatus] | None
) -> GeneratedResource | None:
    try:
        row = services.generated.get(generated_id)
    except NotFoundError:
        return None
    if row.template_key != key or (statuses is not None and row.status not in statuses):
        return None
    return row


def _campaign_of(row: GeneratedResource, services: Services) -> Campaign | None:
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
    services: Services,
) -> list[Boundary]:
    """The boundaries a template lists, in hierarchy order: the filtered ones, else the
    campaign's (both with their descendants when includeAllChildren), else every one."""
    if filters is not None:
        codes = _filtered_codes(services.boundaries, row, filters)
    elif campaign is not None:
        codes = campaign_boundary_codes(campaign, services)
    else:
        return every
    return [boundary for boundary in every if boundary.code in codes]


def _filtered_codes(
    source: BoundarySource, row: GeneratedResource, filters: TemplateFilters
) -> set[str]:
    found: set[str] = set()
    for include_all_children in (True, False):
        codes = [
            boundary.code
            for boundary in filters.boundaries
            if boundary.includeAllChildren is include_all_children
        ]
        if codes:
            found |= {
                boundary.code
                for boundary in source.descendants(
                    row.tenantId, row.hierarchyType, codes, include_all_children
                )
            }
    return found


def _parent_rows(
    row: GeneratedResource,
    parent_id: str,
    json_schema: Mapping[str, Any],
    messages: Messages,
    services: Services,
) -> list[dict[str, Any]]:
    """The rows of the parent's newest processed file of the template's type."""
    spec = TEMPLATE_SPECS[row.type]
    resource = _newest_parent_resource(row, parent_id, spec.resource_type, _has_rows, services)
    if resource is None or resource.processedFileStoreId is None:
        raise NotFoundError(
            f"parent campaign {parent_id} has no created {spec.resource_type} file to "
            f"start its child's {row.type} template from: create its "
            f"{spec.resource_type} data first",
            code="PARENT_FILE_NOT_FOUND",
            parentCampaignId=parent_id,
            type=spec.resource_type,
        )
    processed = services.files.read(row.tenantId, resource.processedFileStoreId)
    return parent_rows(processed, spec, messages, json_schema)


def _with_parent_targets(
    data: bytes,
    row: GeneratedResource,
    parent_id: str,
    json_schema: Mapping[str, Any],
    messages: Messages,
    locale: str,
    services: Services,
) -> bytes:
    """The boundary template with the parent's targets kept, when it has set any."""
    resource = _newest_parent_resource(row, parent_id, "boundaryWithTarget", _has_targets, services)
    if resource is None:
        return data
    file_store_id = resource.processedFileStoreId or resource.fileStoreId
    targets = parent_targets(
        services.files.read(row.tenantId, file_store_id), json_schema, messages
    )
    return freeze_targets(data, targets, json_schema, messages, locale) if targets else data


def _newest_parent_resource(
    row: GeneratedResource,
    parent_id: str,
    resource_type: ResourceType,
    wanted: Callable[[ResourceRow], bool],
    services: Services,
) -> ResourceRow | None:
    """The parent's newest upload of a type that is `wanted` (search is newest first)."""
    offset = 0
    while True:
        page = services.resources.search(
            SearchCriteria(
                tenantId=row.tenantId,
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


def _existing_rows(
    row: GeneratedResource, services: Services, frozen: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Pre-filled data rows: the tenant's permanent facilities, by name, but those the
    parent's `frozen` rows carry already (by id)."""
    if row.type != "facilityWithBoundary":
        return []
    target = services.target("facility", row.hierarchyType)
    if not isinstance(target, PermanentFacilities):
        raise TypeError(f"the facility target {type(target).__name__} cannot list facilities")
    id_column = TEMPLATE_SPECS[row.type].id_column
    carried = {cell_text(values[id_column]) for values in frozen if id_column in values}
    facilities = [
        facility
        for facility in target.permanent_facilities(row.tenantId)
        if cell_text(facility["id"]) not in carried
    ]
    facilities.sort(key=lambda facility: str(facility.get("name") or "").casefold())
    return [prefilled_facility(facility) for facility in facilities]


def _summary(row: GeneratedResource) -> dict[str, Any]:
    return {
        "generatedId": row.id,
        "status": str(row.status),
        "fileStoreId": row.fileStoreId,
        "count": row.count,
    }
