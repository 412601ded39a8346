"""What the credentials tests look at: the credentials file, and every scratch object."""

from typing import Any

import boto3

from project_factory.sheets.credentials import SHEET
from tests.support.api import ProjectFactoryClient, sheet_rows
from tests.support.checks import header

USERNAME = "HCM_ADMIN_CONSOLE_USER_USERNAME"
PASSWORD = "HCM_ADMIN_CONSOLE_USER_PASSWORD"
ROW = "PF_CREDENTIALS_ROW"


def credentials_rows(
    client: ProjectFactoryClient, resource: dict[str, Any]
) -> list[dict[str, Any]]:
    """The lines of a resource's credentials file, fetched through the URL the API gives
    (keyed by header text; `header(code)` names a column)."""
    file_store_id = resource["additionalDetails"]["credentialsFileStoreId"]
    return sheet_rows(client.download(file_store_id), sheet=header(SHEET))


def passwords_by_username(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row[header(USERNAME)]: row[header(PASSWORD)] for row in rows}


def scratch_objects(stack: Any, resource_id: str) -> dict[str, bytes]:
    """Every version of every object under the resource's scratch prefix (key@version)."""
    s3 = boto3.client("s3", region_name=stack.region)
    bucket = stack.physical_id("FilesBucket")
    found: dict[str, bytes] = {}
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"scratch/{resource_id}/"):
        for version in page.get("Versions", []):
            key, version_id = version["Key"], version["VersionId"]
            body = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"].read()
            found[f"{key}@{version_id}"] = body
    return found


def holding(objects: dict[str, bytes], secrets: list[str]) -> dict[str, list[str]]:
    """Object -> the secrets its bytes hold in plaintext (none, for a sealed scratch)."""
    held = {
        name: [secret for secret in secrets if secret.encode() in body]
        for name, body in objects.items()
    }
    return {name: found for name, found in held.items() if found}
