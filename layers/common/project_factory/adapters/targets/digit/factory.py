"""The DIGIT target of a resource type, wired from settings."""

from project_factory.adapters.digit_paths import DigitPaths
from project_factory.adapters.dynamo_key_claims import dynamo_key_claims
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.base import Target
from project_factory.adapters.targets.digit.boundaries import BoundaryTarget
from project_factory.adapters.targets.digit.facility import FacilityTarget
from project_factory.adapters.targets.digit.projects import ProjectTarget
from project_factory.adapters.targets.digit.users import UserTarget
from project_factory.settings import Settings


def digit_target(resource_type: str, settings: Settings, hierarchy_type: str | None) -> Target:
    """The DIGIT target for a resource type, wired from settings."""

    def client(url: str, variable: str) -> JsonHttpClient:
        try:
            return JsonHttpClient.for_service(url, variable, settings)
        except ValueError as missing:
            raise ValueError(f"{missing}: {resource_type} rows cannot go to DIGIT") from missing

    batch_size = settings.create_batch_size
    paths = DigitPaths.of(settings)
    resend_after = settings.resend_after_seconds
    if resource_type == "facility":
        return FacilityTarget(
            client(settings.facility_service_url, "FACILITY_SERVICE_URL"),
            batch_size,
            paths,
            resend_after_seconds=resend_after,
            # The facility service keeps no name unique: names are claimed in our table.
            claims=dynamo_key_claims(settings.registry_table, settings.region),
        )
    if resource_type == "boundaryWithTarget":
        # One health-project per boundary; a project's place comes with its row (its ancestors).
        return ProjectTarget(
            client(settings.project_service_url, "PROJECT_SERVICE_URL"),
            batch_size,
            paths,
            resend_after_seconds=resend_after,
        )
    if resource_type not in ("user", "boundary"):
        raise ValueError(
            "DIGIT creates facility, user, boundary and boundaryWithTarget rows, "
            f"not {resource_type!r}"
        )
    if not hierarchy_type:
        raise ValueError(f"{resource_type} rows need the request's hierarchyType")
    if resource_type == "user":
        hrms = client(settings.hrms_service_url, "HRMS_SERVICE_URL")
        return UserTarget(
            hrms, hierarchy_type, batch_size, paths, resend_after_seconds=resend_after
        )
    boundaries = client(settings.boundary_service_url, "BOUNDARY_SERVICE_URL")
    return BoundaryTarget(boundaries, hierarchy_type, batch_size, paths)
