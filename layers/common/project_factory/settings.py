"""The one place that reads the environment.

Every function builds a Settings once per cold start; nobody else reads os.environ.
Field names map to upper-case environment variables (files_bucket <- FILES_BUCKET).
"""

import os
from collections.abc import Mapping
from typing import Literal, Self

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

TargetKind = Literal["builtin", "digit"]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    region: str = Field(default="us-east-1", validation_alias=AliasChoices("region", "aws_region"))

    # Storage and workflows, wired by template.yaml (Globals) into every function. None has
    # a safe default: a function started without one fails at its cold start, naming it,
    # not at its first call into a bucket or table nobody made.
    files_bucket: str = Field(min_length=1)
    resources_table: str = Field(min_length=1)
    registry_table: str = Field(min_length=1)
    campaigns_table: str = Field(min_length=1)
    generated_table: str = Field(min_length=1)
    campaign_bus_name: str = Field(min_length=1)
    resource_create_state_machine_arn: str = Field(min_length=1)
    template_generate_state_machine_arn: str = Field(min_length=1)

    # The create flow.
    chunk_size: int = Field(default=1000, ge=1, le=10_000)
    # The state machine's MapMaxConcurrency: chunks are made small enough that a file big
    # enough yields 4 of them per parallel slot (flows/validate.py), so no wave runs half empty.
    map_max_concurrency: int = Field(default=8, ge=1, le=1000)
    create_batch_size: int = Field(default=100, ge=1, le=1000)
    # Validate's threads for the target's business-key lookups and the scratch writes: both
    # wait on the network, so they overlap the reading of the file (flows/validate.py).
    validate_concurrency: int = Field(default=8, ge=1, le=64)
    backoff_seconds: int = Field(default=2, ge=1)
    backoff_max_seconds: int = Field(default=60, ge=1)
    # The state machine's wait between a bulk create and its search (ConfirmDelaySeconds).
    confirm_delay_seconds: int = Field(default=5, ge=0)
    scratch_prefix: str = "scratch/"
    # How long scratch objects live (the bucket's lifecycle, ScratchRetentionDays).
    scratch_retention_days: int = Field(default=7, ge=1)
    uploads_prefix: str = "uploads/"
    presigned_url_ttl_seconds: int = Field(default=900, ge=1, le=900)
    # Where clients reach the bucket, when that is not S3's own endpoint: the local stack
    # serves its S3 on loopback and sets this, so the URLs it hands out work from any
    # process on the machine. Empty on AWS: real presigned S3 URLs.
    files_public_endpoint: str = ""

    # Where the schemas come from ("MDMS").
    schema_source: Literal["bundled", "mdms"] = "bundled"
    mdms_url: str = ""
    mdms_schema_code: str = "HCM-ADMIN-CONSOLE.adminSchema"

    # Where rows are created, per type.
    facility_target: TargetKind = "builtin"
    user_target: TargetKind = "builtin"
    boundary_target: TargetKind = "builtin"
    # boundaryWithTarget rows: the registry's targets, or one DIGIT health-project per boundary
    project_target: TargetKind = "builtin"
    facility_service_url: str = ""
    hrms_service_url: str = ""
    boundary_service_url: str = ""
    project_service_url: str = ""
    # The DIGIT token: never a plain variable in a deployment. DIGIT_AUTH_TOKEN_SOURCE names
    # where it is read: an SSM SecureString (`ssm:/project-factory/<stack>/digit-token`), a
    # Secrets Manager secret (`secretsmanager:<name or arn>`), or a file (`file:/path`, for
    # the local stack). A deployed stack's functions may read only names under
    # project-factory/<stack name>/ (template.yaml's DigitTokenReadPolicy). DIGIT_AUTH_TOKEN
    # itself is taken only when no source is set (tests, local).
    digit_auth_token: str = Field(default="", repr=False)
    digit_auth_token_source: str = Field(default="", pattern=r"^$|^(ssm|secretsmanager|file):.+")
    digit_auth_token_cache_seconds: int = Field(default=300, ge=0)
    http_connect_timeout_seconds: float = Field(default=3.05, gt=0)
    http_read_timeout_seconds: float = Field(default=20.0, gt=0)
    # DIGIT service paths below each service URL: the HCM project-factory's defaults, under
    # the variable names its config/index.ts reads (the two boundary creates have none there).
    egov_mdms_v2_search_endpoint: str = "mdms-v2/v2/_search"
    egov_hrms_employee_create_path: str = "health-hrms/employees/_create"
    egov_hrms_employee_search_path: str = "health-hrms/employees/_search"
    egov_facility_bulk_create: str = "facility/v1/bulk/_create"
    egov_facility_search_path: str = "facility/v1/_search"
    egov_health_individual_search: str = "health-individual/v1/_search"
    egov_boundary_create_path: str = "boundary-service/boundary/_create"
    egov_boundary_service_searchpath: str = "boundary-service/boundary/_search"
    egov_boundary_relationship_create_path: str = "boundary-service/boundary-relationships/_create"
    egov_boundary_relationship_searchpath: str = "boundary-service/boundary-relationships/_search"
    egov_boundary_hierarchy_searchpath: str = (
        "boundary-service/boundary-hierarchy-definition/_search"
    )
    # config/index.ts `paths.projectCreate`, `projectUpdate`, `projectSearch`
    health_project_create_path: str = "health-project/v1/_create"
    health_project_update_path: str = "health-project/v1/_update"
    health_project_search_path: str = "health-project/v1/_search"

    # Row rules.
    phone_length: int = Field(default=10, ge=5, le=15)
    allow_phone_reuse: bool = False

    # The built-in registry can fail creates on purpose, so the retry loop can be seen.
    registry_transient_failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    password_length: int = Field(default=12, ge=8, le=64)
    # Usernames of created users: `{tenant}` is the tenant's state part (MZ), `{sequence}` a
    # number unique per tenant. Checked at start: a pattern that does not format fails here.
    username_pattern: str = "USR-{tenant}-{sequence:06d}"

    @field_validator("username_pattern")
    @classmethod
    def _username_pattern_formats(cls, pattern: str) -> str:
        return check_username_pattern(pattern)

    default_locale: str = "en_IN"

    # Templates (_generate / _download).
    # Where boundary hierarchies come from: the bundled sample, or the DIGIT boundary service
    # at boundary_service_url (cached per warm process for boundary_cache_seconds).
    boundary_source: Literal["bundled", "digit"] = "bundled"
    boundary_cache_seconds: int = Field(default=300, ge=0)
    # Protects the sheets of generated templates. Never hard-coded: when empty, every workbook
    # gets its own random password, which nobody keeps (the sheets are not meant to be
    # unprotected; a new template is generated instead).
    template_protection_password: str = Field(default="", repr=False)
    # Empty data rows left editable below the header (and below pre-filled rows).
    template_unlocked_rows: int = Field(default=2000, ge=1, le=100_000)
    # How long an expired generated row is kept before DynamoDB's TTL deletes it.
    generated_expiry_days: int = Field(default=90, ge=1)

    # -- limits on uploaded workbooks (hostile files): owned by the sheets' limits work
    # Checked before anything is parsed and counted again while reading (sheets/limits.py,
    # which names the code of each); a file past one ends `failed` with that code.
    upload_max_bytes: int = Field(default=64 << 20, ge=1)  # FILE_TOO_LARGE (compressed)
    upload_max_uncompressed_bytes: int = Field(default=256 << 20, ge=1)  # WORKBOOK_TOO_LARGE
    upload_max_compression_ratio: float = Field(default=100.0, ge=2)  # ZIP_BOMB, per part
    upload_max_parts: int = Field(default=500, ge=8)  # TOO_MANY_PARTS (zip entries)
    # TOO_MANY_ROWS: the last row that may hold values (Excel's 1,048,576 at most)
    upload_max_rows: int = Field(default=200_000, ge=10, le=1_048_576)
    # CELL_TOO_LONG / STRING_TOO_LONG: characters of one cell (Excel's 32,767 at most)
    upload_max_cell_chars: int = Field(default=32_767, ge=255, le=32_767)
    upload_max_row_bytes: int = Field(default=4 << 20, ge=1 << 16)  # ROW_TOO_LARGE
    # WORKBOOK_TOO_LARGE: the shared strings, held in memory as text while a file is read
    upload_max_shared_strings_bytes: int = Field(default=32 << 20, ge=1 << 16)

    # -- authentication and tenant isolation: owned by the auth work
    # API Gateway's JWT authorizer checks the token (AuthIssuer, AuthAudience); the API
    # functions read its claims (project_factory/auth.py). `off` exists for tests of other
    # things only: nothing deployed sets it, the local stack sets it when asked explicitly,
    # and every function logs a warning at its cold start while it is off.
    auth_mode: Literal["on", "off"] = "on"
    # The claim listing the caller's tenants, and the one listing their roles (names, or
    # DIGIT's {code, tenantId} objects); the claim with DIGIT's userInfo
    # ({tenantId, roles: [{code, tenantId}]}) is read too where the token has it.
    auth_tenants_claim: str = Field(default="tenants", min_length=1)
    auth_roles_claim: str = Field(default="roles", min_length=1)
    auth_userinfo_claim: str = Field(default="userInfo", min_length=1)
    # Comma-separated role codes: admins create, generate and change campaigns (and read);
    # readers search, download and fetch files.
    auth_admin_roles: str = "CAMPAIGN_ADMIN,SUPERUSER"
    auth_read_roles: str = "CAMPAIGN_VIEWER"

    # -- users' credentials: owned by the credentials work
    # The KMS key (template's SecretsKey) that makes each run's data key, which seals the
    # users' passwords in scratch, and that encrypts the credentials files (SSE-KMS).
    # Required by the functions that seal, open or store them (Validate, Create, Finalize):
    # they stop with SECRETS_KEY_NOT_CONFIGURED when it is empty.
    secrets_key_id: str = ""
    # How long a link to a credentials file lives (the FileStore API; admins only).
    credentials_url_ttl_seconds: int = Field(default=300, ge=1, le=900)

    @model_validator(mode="after")
    def _chosen_services_have_urls(self) -> Self:
        # A service chosen by a setting (a DIGIT target, MDMS, DIGIT's boundaries) has no
        # safe default address: the function fails at its cold start naming it, not at
        # the first row sent there.
        missing = [
            f"{url.upper()} ({choice.upper()} is {value})"
            for choice, value, url in _CHOSEN_SERVICE_URLS
            if getattr(self, choice) == value and not getattr(self, url)
        ]
        if missing:
            raise ValueError("not set: " + ", ".join(missing))
        return self

    @property
    def resend_after_seconds(self) -> float:
        """How long a DIGIT request that got no answer may still land: a call runs up to
        its read timeout, and a bulk create becomes visible within the confirm delay."""
        return self.http_read_timeout_seconds + self.confirm_delay_seconds

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        """Settings from variables named like the fields in upper case.

        A plain pydantic model: pydantic-settings cost about 120 ms of import on every
        cold start for what this one line does.
        """
        return cls.model_validate({name.lower(): value for name, value in environ.items()})


#: (the setting that chooses a service, the choice, the setting of that service's URL)
_CHOSEN_SERVICE_URLS = (
    ("facility_target", "digit", "facility_service_url"),
    ("user_target", "digit", "hrms_service_url"),
    ("boundary_target", "digit", "boundary_service_url"),
    ("project_target", "digit", "project_service_url"),
    ("boundary_source", "digit", "boundary_service_url"),
    ("schema_source", "mdms", "mdms_url"),
)


def check_username_pattern(pattern: str) -> str:
    """The pattern, if it formats: it must use `{sequence}`; `{tenant}` is optional."""
    if "{sequence" not in pattern:
        raise ValueError(
            "USERNAME_PATTERN must contain {sequence}, e.g. USR-{tenant}-{sequence:06d}"
        )
    try:
        pattern.format(tenant="MZ", sequence=1)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"USERNAME_PATTERN {pattern!r} does not format: {error}") from error
    return pattern


def load_settings() -> Settings:
    """Settings from the environment; each function reads them once, on its cold start."""
    return Settings.from_environment()
