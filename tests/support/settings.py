"""Settings for tests that build them directly: the names template.yaml wires into every
function (Globals), which Settings requires, as the local stack names them by default."""

from typing import Any

from project_factory.settings import Settings

#: What a function finds in its environment on a stack named project-factory.
WIRED: dict[str, str] = {
    "files_bucket": "project-factory-files",
    "resources_table": "project-factory-resources",
    "registry_table": "project-factory-registry",
    "campaigns_table": "project-factory-campaigns",
    "generated_table": "project-factory-generated",
    "campaign_bus_name": "project-factory-campaigns",
    "resource_create_state_machine_arn": (
        "arn:aws:states:us-east-1:123456789012:stateMachine:project-factory-resource-create"
    ),
    "template_generate_state_machine_arn": (
        "arn:aws:states:us-east-1:123456789012:stateMachine:project-factory-template-generate"
    ),
}

#: The same, as environment variables.
WIRED_ENVIRONMENT: dict[str, str] = {name.upper(): value for name, value in WIRED.items()}


def wired_settings(**overrides: Any) -> Settings:
    """Settings as a deployed function has them, with these fields changed."""
    return Settings(**(WIRED | overrides))
