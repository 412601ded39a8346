"""HCM-ADMIN-CONSOLE.adminSchema records as DIGIT MDMS v2 publishes them, for the fake.

The facts below (record keys, property groups, column codes, types and constraints, and
the MDMS v2 envelope) were read from the original platform, not from our adapters:

- the records' `data`: egovernments/egov-mdms-data, data/mz/health/hcm-admin-console/
  adminSchema.json at commit cd6a5879da9e67dfb4449b9a94313c41f5cbe8ad (the `facility` and
  `user` records of campaignType `all`). Note what they do not have: no id column (the
  HCM project-factory adds HCM_ADMIN_CONSOLE_FACILITY_CODE itself), no user usage, uuid,
  username or password column, the phone a *number* property, the role a single-valued
  enum, and the boundary column named HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY;
- the identifier `<title>.<campaignType>` (facility.all, user.all): the schema definition's
  `"x-unique": ["title", "campaignType"]`, and `callMdmsTypeSchema` in egovernments/
  health-campaign-services, health-services/project-factory/src/server/api/genericApis.ts
  (tag HCM-ADMINCONSOLE-v0.3), which searches `uniqueIdentifiers: ["<type>.<campaignType>"]`;
- the envelope `{id, tenantId, schemaCode, uniqueIdentifier, data, isActive, auditDetails}`:
  DIGIT mdms-v2's Mdms model, as the project-factory reads it (`response.mdms[0].data`).
"""

from typing import Any

ADMIN_SCHEMA_CODE = "HCM-ADMIN-CONSOLE.adminSchema"
_DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def facility_all() -> dict[str, Any]:
    """The `data` of the published facility.all record."""
    return {
        "title": "facility",
        "$schema": _DRAFT_07,
        "properties": {
            "enumProperties": [
                {
                    "enum": ["Warehouse", "Health Facility", "Storing Resource"],
                    "name": "HCM_ADMIN_CONSOLE_FACILITY_TYPE",
                    "isRequired": True,
                    "description": "Facility type",
                    "orderNumber": 2,
                },
                {
                    "enum": ["Temporary", "Permanent"],
                    "name": "HCM_ADMIN_CONSOLE_FACILITY_STATUS",
                    "isRequired": True,
                    "description": "Facility status",
                    "orderNumber": 3,
                },
                {
                    "enum": ["Active", "Inactive"],
                    "name": "HCM_ADMIN_CONSOLE_FACILITY_USAGE",
                    "isRequired": True,
                    "description": "Facility usage",
                    "orderNumber": 6,
                },
            ],
            "numberProperties": [
                {
                    "name": "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY",
                    "type": "number",
                    "maximum": 100000000,
                    "minimum": 1,
                    "isRequired": True,
                    "description": "Camapcity",
                    "orderNumber": 4,
                }
            ],
            "stringProperties": [
                {
                    "name": "HCM_ADMIN_CONSOLE_FACILITY_NAME",
                    "type": "string",
                    "isUnique": True,
                    "maxLength": 2000,
                    "minLength": 1,
                    "isRequired": True,
                    "description": "Facility Name",
                    "orderNumber": 1,
                },
                {
                    "name": "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY",
                    "type": "string",
                    "isRequired": True,
                    "description": "Boundary Code",
                    "orderNumber": 5,
                },
            ],
        },
        "campaignType": "all",
    }


#: The roles the published user.all record offers.
USER_ROLES = (
    "Registrar",
    "Distributor",
    "Supervisor",
    "Help Desk",
    "Monitor Local",
    "Logistical officer",
    "National Supervisor",
    "Provincial Supervisor",
    "District Supervisor",
    "Field Supervisor",
    "Team Lead",
    "Warehouse Manager",
    "Health Facilty Worker",
)


def user_all() -> dict[str, Any]:
    """The `data` of the published user.all record."""
    return {
        "title": "user",
        "$schema": _DRAFT_07,
        "properties": {
            "enumProperties": [
                {
                    "enum": list(USER_ROLES),
                    "name": "HCM_ADMIN_CONSOLE_USER_ROLE",
                    "isRequired": True,
                    "description": "User Role",
                    "orderNumber": 3,
                },
                {
                    "enum": ["Temporary", "Permanent"],
                    "name": "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE",
                    "isRequired": True,
                    "description": "Employement Type",
                    "orderNumber": 4,
                },
            ],
            "numberProperties": [
                {
                    "name": "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER",
                    "type": "number",
                    "isUnique": True,
                    "isRequired": True,
                    "description": "Phone Number",
                    "orderNumber": 2,
                }
            ],
            "stringProperties": [
                {
                    "name": "HCM_ADMIN_CONSOLE_USER_NAME",
                    "type": "string",
                    "maxLength": 128,
                    "minLength": 2,
                    "isRequired": True,
                    "description": "User Name",
                    "orderNumber": 1,
                },
                {
                    "name": "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY",
                    "type": "string",
                    "isRequired": True,
                    "description": "Boundary Code (Mandatory)",
                    "orderNumber": 5,
                },
            ],
        },
        "campaignType": "all",
    }


#: identifier -> record data, as MDMS holds them for a tenant.
PUBLISHED = {"facility.all": facility_all, "user.all": user_all}
