"""Template generation: `_generate`, `_download` and the template_generate state machine's steps.

A request puts an `inprogress` row and starts the state machine (execution named by the
row id); its task builds the workbook, stores it and marks the row `completed`, and its
Catch marks the row `failed` with the reason. At most one generation of a template is
current (`inprogress` or `completed`): forceUpdate expires every earlier one.

Two requests racing with forceUpdate=false may both start a generation; both complete and
the newer is the one downloads return, so nothing is lost but some work.

A campaign's template lists the campaign's boundaries (its parent's included) unless the
request filters them; a child campaign's template starts from its parent's data, frozen
(flows/child_templates.py, sheets/freeze_parent_rows.py).
"""

import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from project_factory.adapters.boundary_source import BoundarySource
from project_factory.domain.audit import new_audit
from project_factory.domain.requests import RequestInfo
from project_factory.domain.tasks import StepError
from project_factory.domain.templates import (
    ACTIVE_STATUSES,
    GENERATED_TYPES,
    GeneratedResource,
    GeneratedStatus,
    GenerateRequest,
    template_key,
)
from project_factory.errors import InvalidRequestError, NotFoundError
from project_factory.flows.mark_failed import describe_step_error
from project_factory.flows.ports import Ports


def request_generation(
    request: GenerateRequest, services: Ports, *, generation_id: str | None = None
) -> GeneratedResource:
    """The template's current generation, unless forceUpdate; else a new one, started.

    `generation_id` names the generation for a caller that may ask twice (an event
    delivered again): a generation that already has that id is returned as it is.
    """
    _check_hierarchy(services.boundaries, request.tenantId, request.hierarchyType)
    if request.campaignId:
        _check_campaign(services, request)
    store = services.generated
    if generation_id is not None:
        with suppress(NotFoundError):
            return store.get(generation_id)
    key = template_key(request.tenantId, request.type, request.hierarchyType, request.campaignId)
    user = request.RequestInfo.user_uuid
    if request.forceUpdate or request.includeExisting:
        store.expire_all_active(key, user=user)
    else:
        current = store.latest(key, ACTIVE_STATUSES)
        if current is not None:
            return current
    details: dict[str, Any] = {"locale": request.RequestInfo.locale}
    if request.Filters is not None:
        details["Filters"] = request.Filters.model_dump(mode="json")
    if request.includeExisting:
        details["includeExisting"] = True
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
    services: Ports,
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
            type=generated_type,
            hierarchyType=hierarchy_type,
            campaignId=campaign_id,
        )
        request_generation(request, services)
    return [found] if found is not None else []


def mark_generation_failed(
    generated_id: str, error: Mapping[str, Any], services: Ports
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


def _check_campaign(services: Ports, request: GenerateRequest) -> None:
    """A template for a campaign that does not exist, or not in this tenant and hierarchy,
    is refused now, not left to fail in the background."""
    try:
        campaign = services.campaigns.get(str(request.campaignId))
    except NotFoundError as error:
        raise InvalidRequestError(
            f"Unknown campaignId '{request.campaignId}'",
            code="INVALID_CAMPAIGN",
            campaignId=request.campaignId,
        ) from error
    if (campaign.tenantId, campaign.hierarchyType) != (request.tenantId, request.hierarchyType):
        raise InvalidRequestError(
            f"Campaign '{request.campaignId}' belongs to tenant {campaign.tenantId}, hierarchy "
            f"{campaign.hierarchyType}: not to {request.tenantId}, {request.hierarchyType}",
            code="INVALID_CAMPAIGN",
            campaignId=request.campaignId,
        )


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
    services: Ports, generated_id: str, key: str, statuses: list[GeneratedStatus] | None
) -> GeneratedResource | None:
    try:
        row = services.generated.get(generated_id)
    except NotFoundError:
        return None
    if row.template_key != key or (statuses is not None and row.status not in statuses):
        return None
    return row


def generation_summary(row: GeneratedResource) -> dict[str, Any]:
    return {
        "generatedId": row.id,
        "status": str(row.status),
        "fileStoreId": row.fileStoreId,
        "count": row.count,
    }
