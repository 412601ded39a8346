"""The project service's search, for the project target (projects.py): a campaign's projects
by boundary, at some boundaries or at all of them.

A project has no key of its own, so a boundary may hold more than one project of a
campaign (the service makes a second for the same campaign and boundary): each boundary
answers with all of them, and project_records.pick_project says which is the row's.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DigitPaths
from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.targets.digit.project_records import project_boundary
from project_factory.adapters.targets.digit.search_paging import chunks
from project_factory.errors import UpstreamError

#: Boundary code -> the campaign's projects there.
Projects = dict[str, list[dict[str, Any]]]

# Records per search page: project.search.max.limit=200 (health-services/project
# application.properties); a larger limit is answered with 200.
_PAGE_SIZE = 200
# A search by boundaries finds about one project each: more pages means the service ignored
# the criteria. A campaign's whole listing (`of_campaign`) may run long.
_MAX_PAGES = 20
_MAX_CAMPAIGN_PAGES = 1000


class ProjectSearch:
    """A campaign's projects, read from the project service by boundary."""

    def __init__(self, client: JsonHttpClient, paths: DigitPaths) -> None:
        self._client = client
        self._paths = paths

    def at_boundaries(self, tenant_id: str, campaign_id: str, codes: Sequence[str]) -> Projects:
        """The campaign's projects at these boundaries, by code (more than one where the
        service made a second). Criteria objects are ORed; search_paging.chunks' 100 per call
        keep the query small."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for chunk in chunks(codes):
            criteria = [
                {"tenantId": tenant_id, "referenceID": campaign_id, "address": {"boundary": code}}
                for code in chunk
            ]
            for project in self._search(tenant_id, criteria, _MAX_PAGES):
                code = project_boundary(project)
                if project.get("referenceID") == campaign_id and code in chunk:
                    found.setdefault(code, {})[str(project.get("id"))] = project
        return {code: list(projects.values()) for code, projects in found.items()}

    def of_campaign(self, tenant_id: str, campaign_id: str) -> Projects:
        """Every project of the campaign, by boundary code (a project without one left out)."""
        criteria = [{"tenantId": tenant_id, "referenceID": campaign_id}]
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for project in self._search(tenant_id, criteria, _MAX_CAMPAIGN_PAGES):
            code = project_boundary(project)
            if code and project.get("referenceID") == campaign_id:
                found.setdefault(code, {})[str(project.get("id"))] = project
        return {code: list(projects.values()) for code, projects in found.items()}

    def _search(
        self, tenant_id: str, criteria: list[dict[str, Any]], max_pages: int
    ) -> Iterator[dict[str, Any]]:
        """Every project of a search, page by page (tenantId, limit and offset in the query:
        ProjectApiController.searchProject requires all three)."""
        for number in range(max_pages):
            params: dict[str, QueryValue] = {
                "tenantId": tenant_id,
                "limit": _PAGE_SIZE,
                "offset": number * _PAGE_SIZE,
            }
            answer = self._client.post(self._paths.project_search, {"Projects": criteria}, params)
            page = answer.get("Project") or []
            yield from page
            if len(page) < _PAGE_SIZE:
                return
        raise UpstreamError(
            f"a project search returned more than {max_pages * _PAGE_SIZE} projects: "
            "it ignores its criteria"
        )
