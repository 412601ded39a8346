"""Searching resource rows (served from indexes, never a Scan)."""

from project_factory.auth import Action, Caller
from project_factory.domain.resources import ResourceRow, SearchResourcesRequest
from project_factory.flows.ports import Ports


def search_resources(
    request: SearchResourcesRequest, services: Ports, caller: Caller | None = None
) -> list[ResourceRow]:
    """The rows of SearchCriteria.tenantId; with a caller, only rows it may read.

    The store matches the tenant exactly (ids of other tenants' rows find nothing), and the
    API has checked the caller's access to that tenant; the filter here keeps it so should
    either ever change.
    """
    rows = services.resources.search(request.SearchCriteria)
    if caller is None:
        return rows
    return [row for row in rows if caller.can(row.tenantId, Action.READ, services.settings)]
