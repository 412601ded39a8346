"""A parent campaign over two districts, a child adding two more, and their files."""

import io
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from local.samples import workbook_from_rows
from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.domain.audit import new_audit
from project_factory.domain.campaigns import Campaign, CampaignBoundary
from project_factory.domain.files import XLSX
from project_factory.domain.requests import RequestInfo
from project_factory.domain.resources import ResourceRow, ResourceStatus, ResourceType
from project_factory.domain.templates import GeneratedResource, GeneratedStatus, GenerateRequest
from project_factory.flows.template_build import generate_template
from project_factory.flows.template_requests import request_generation
from project_factory.sheets.layout import ERRORS_COLUMN, STATUS_COLUMN
from project_factory.sheets.messages import load_bundled_messages, normalise_text
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER, SheetSpec
from project_factory.wiring import Services

TENANT = "mz"
HIERARCHY = "ADMIN"
PARENT = "CMP-PARENT"
CHILD = "CMP-CHILD"
PARENT_DISTRICTS = ("SHADI_A11E8E", "NERAGE_866B43")
NEW_DISTRICTS = ("KOLO_F765D1", "MASUHI_7AB991")
MESSAGES = load_bundled_messages()
SOURCE = BundledBoundarySource()
EVERY = SOURCE.boundaries(TENANT, HIERARCHY)


def below(districts: Sequence[str]) -> set[str]:
    """The districts and every boundary below them."""
    return {b.code for b in SOURCE.descendants(TENANT, HIERARCHY, districts, True)}


def localities(district: str, count: int) -> list[str]:
    return [b.code for b in EVERY if b.parent == district][:count]


def put_campaign(
    services: Services, campaign_id: str, districts: Sequence[str], parent: str | None = None
) -> Campaign:
    campaign = Campaign(
        id=campaign_id,
        tenantId=TENANT,
        hierarchyType=HIERARCHY,
        name=campaign_id,
        boundaries=[
            CampaignBoundary(code=code, type="District", includeAllChildren=True)
            for code in districts
        ],
        parentId=parent,
        auditDetails=new_audit("tester"),
    )
    services.campaigns.put(campaign)
    return campaign


def parent_and_child(services: Services) -> None:
    put_campaign(services, PARENT, PARENT_DISTRICTS)
    put_campaign(services, CHILD, NEW_DISTRICTS, parent=PARENT)


def user_rows() -> list[dict[str, Any]]:
    """Three users the parent created: ids, usernames and passwords written back."""
    return [
        {
            "HCM_ADMIN_CONSOLE_USER_NAME": f"Parent User {n}",
            "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9100000000 + n,
            "HCM_ADMIN_CONSOLE_USER_ROLE": "Distributor",
            "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
            "HCM_ADMIN_CONSOLE_USER_UUID": f"uuid-{n}",
            "HCM_ADMIN_CONSOLE_USER_USERNAME": f"USR-{n:06d}",
            "HCM_ADMIN_CONSOLE_USER_PASSWORD": f"secret-{n}",
            STATUS_COLUMN: "CREATED",
        }
        for n, code in enumerate(localities(PARENT_DISTRICTS[0], 3))
    ]


def facility_rows(ids: Sequence[str] = ("F-0", "F-1")) -> list[dict[str, Any]]:
    return [
        {
            "HCM_ADMIN_CONSOLE_FACILITY_CODE": facility_id,
            "HCM_ADMIN_CONSOLE_FACILITY_NAME": f"Parent Store {n}",
            "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
            "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 100 + n,
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
            STATUS_COLUMN: "SKIPPED" if n else "CREATED",
        }
        for n, (facility_id, code) in enumerate(
            zip(ids, localities(PARENT_DISTRICTS[1], len(ids)), strict=True)
        )
    ]


def processed_file(spec: SheetSpec, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """A processed file as the create flow leaves it: the data, then the status columns."""
    columns = bundled_json_schema(spec.schema_identifier)["x-columns"]
    return workbook_from_rows(spec, rows, columns=[*columns, STATUS_COLUMN, ERRORS_COLUMN])


def put_resource(
    services: Services,
    resource_id: str,
    resource_type: ResourceType,
    status: ResourceStatus,
    data: bytes,
    *,
    created_time: int,
    processed: bool = True,
) -> ResourceRow:
    """An upload of the parent campaign, its file (processed or not) in the file store."""
    stored = services.files.put(
        TENANT, data, filename=f"{resource_id}.xlsx", module="test", content_type=XLSX
    )
    audit = new_audit("tester").model_copy(update={"createdTime": created_time})
    row = ResourceRow(
        id=resource_id,
        tenantId=TENANT,
        status=status,
        action="create",
        type=resource_type,
        fileStoreId=stored.file_store_id,
        processedFileStoreId=stored.file_store_id if processed else None,
        campaignId=PARENT,
        hierarchyType=HIERARCHY,
        auditDetails=audit,
    )
    services.resources.put_new(row)
    return row


def put_parent_users(services: Services, rows: Sequence[Mapping[str, Any]] | None = None) -> None:
    data = processed_file(USER, user_rows() if rows is None else rows)
    put_resource(services, "RES-USERS", "user", ResourceStatus.CREATED, data, created_time=1000)


def put_parent_facilities(services: Services, ids: Sequence[str] = ("F-0", "F-1")) -> None:
    data = processed_file(FACILITY, facility_rows(ids))
    put_resource(
        services, "RES-FACILITIES", "facility", ResourceStatus.CREATED, data, created_time=1000
    )


def requested(services: Services, template_type: str, campaign_id: str | None = CHILD) -> str:
    """A generation of the template, requested as the boundary-change function does."""
    request = GenerateRequest(
        RequestInfo=RequestInfo(),
        tenantId=TENANT,
        type=template_type,
        hierarchyType=HIERARCHY,
        campaignId=campaign_id,
        forceUpdate=True,
    )
    return request_generation(request, services).id


def stored_generation(services: Services, template_type: str, campaign_id: str) -> str:
    """A generation row written directly, skipping the request's checks."""
    row = GeneratedResource(
        id=str(uuid.uuid4()),
        type=template_type,
        status=GeneratedStatus.IN_PROGRESS,
        hierarchyType=HIERARCHY,
        tenantId=TENANT,
        campaignId=campaign_id,
        auditDetails=new_audit("tester"),
    )
    return services.generated.put_new(row).id


def generated(services: Services, template_type: str, campaign_id: str | None = CHILD) -> bytes:
    """The workbook of a generation run to its end."""
    summary = generate_template(requested(services, template_type, campaign_id), None, services)
    return services.files.read(TENANT, summary["fileStoreId"])


def open_book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def columns_of(sheet: Any) -> dict[str, int]:
    """Header text (normalised) -> 1-based column, of a sheet's first row."""
    return {
        normalise_text(str(cell.value)): cell.column for cell in sheet[1] if cell.value is not None
    }


def text(code: str) -> str:
    return normalise_text(MESSAGES.text(code))
