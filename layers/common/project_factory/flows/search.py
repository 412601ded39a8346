"""Searching resource rows (served from indexes, never a Scan)."""

from project_factory.models import ResourceRow, SearchResourcesRequest
from project_factory.services import Services


def search_resources(request: SearchResourcesRequest, services: Services) -> list[ResourceRow]:
    return services.resources.search(request.SearchCriteria)
