import pytest

from project_factory.adapters.targets.digit import (
    BoundaryTarget,
    FacilityTarget,
    UserTarget,
    digit_target,
)
from project_factory.adapters.targets.digit.projects import ProjectTarget
from tests.support.settings import wired_settings

URLS = {
    "facility_service_url": "http://facility.local",
    "hrms_service_url": "http://hrms.local",
    "boundary_service_url": "http://boundary.local",
    "project_service_url": "http://project.local",
}


@pytest.mark.parametrize(
    ("resource_type", "kind", "confirms_by_search"),
    [
        ("facility", FacilityTarget, True),
        ("user", UserTarget, False),
        ("boundary", BoundaryTarget, False),
        ("boundaryWithTarget", ProjectTarget, False),
    ],
)
def test_the_factory_builds_the_target_of_each_type(resource_type, kind, confirms_by_search):
    # Given settings with every service URL
    settings = wired_settings(**URLS)

    # When a target is built for a type
    target = digit_target(resource_type, settings, "ADMIN")

    # Then it is that type's target, confirming by search only for bulk facilities
    assert isinstance(target, kind)
    assert target.resource_type == resource_type
    assert target.confirms_by_search is confirms_by_search


def test_a_missing_service_url_is_a_configuration_error():
    # Given settings without the HRMS URL
    # When a user target is built
    # Then the error names the missing variable
    with pytest.raises(ValueError, match="HRMS_SERVICE_URL"):
        digit_target("user", wired_settings(), "ADMIN")


def test_users_and_boundaries_need_a_hierarchy_type():
    # Given settings with every service URL
    # When a boundary target is built without a hierarchy type
    # Then it is refused
    with pytest.raises(ValueError, match="hierarchyType"):
        digit_target("boundary", wired_settings(**URLS), None)


def test_targets_are_not_made_for_types_digit_does_not_create():
    # Given settings with every service URL
    # When a target is asked for a type no DIGIT target creates
    # Then it is refused, naming the type
    with pytest.raises(ValueError, match="household"):
        digit_target("household", wired_settings(**URLS), "ADMIN")


def test_the_project_target_needs_the_project_service_url():
    # Given settings without the project service's URL
    # When a boundaryWithTarget target is built
    # Then the error names the missing variable
    with pytest.raises(ValueError, match="PROJECT_SERVICE_URL"):
        digit_target("boundaryWithTarget", wired_settings(), "ADMIN")


def test_the_project_target_waits_as_long_as_a_lost_create_may_land():
    # Given settings with every service URL
    settings = wired_settings(**URLS)

    # When the boundaryWithTarget target is built
    target = digit_target("boundaryWithTarget", settings, "ADMIN")

    # Then a row whose answer was lost is not sent again before the settings' delay
    assert target.resend_after_seconds == settings.resend_after_seconds
