"""Where each DIGIT call goes below its service's base URL.

Every path is a setting (EGOV_*_PATH, MDMS_SEARCH_PATH) whose default is the HCM
project-factory's own, so a deployment whose gateway routes a service elsewhere (core
`egov-hrms` instead of `health-hrms`, `individual` instead of `health-individual`) changes
a variable, not the code.
"""

from dataclasses import dataclass
from typing import Self

from project_factory.settings import Settings


@dataclass(frozen=True)
class DigitPaths:
    hrms_create: str
    hrms_search: str
    facility_bulk_create: str
    facility_search: str
    individual_search: str
    boundary_create: str
    boundary_search: str
    relationship_create: str
    relationship_search: str
    hierarchy_search: str
    mdms_search: str
    project_create: str
    project_update: str
    project_search: str

    @classmethod
    def of(cls, settings: Settings) -> Self:
        return cls(
            hrms_create=settings.egov_hrms_employee_create_path,
            hrms_search=settings.egov_hrms_employee_search_path,
            facility_bulk_create=settings.egov_facility_bulk_create,
            facility_search=settings.egov_facility_search_path,
            individual_search=settings.egov_health_individual_search,
            boundary_create=settings.egov_boundary_create_path,
            boundary_search=settings.egov_boundary_service_searchpath,
            relationship_create=settings.egov_boundary_relationship_create_path,
            relationship_search=settings.egov_boundary_relationship_searchpath,
            hierarchy_search=settings.egov_boundary_hierarchy_searchpath,
            mdms_search=settings.egov_mdms_v2_search_endpoint,
            project_create=settings.health_project_create_path,
            project_update=settings.health_project_update_path,
            project_search=settings.health_project_search_path,
        )


#: The HCM project-factory's paths, for callers without settings of their own (tests): the
#: settings' defaults, read without the storage names every function is given.
DEFAULT_PATHS = DigitPaths.of(Settings.model_construct())
