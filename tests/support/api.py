"""A small client of the project-factory HTTP API, as a user's script would use it.

It carries a token as a client does (`Authorization: Bearer`): by default one minted by the
local stack's development issuer (the machine's key file, which the in-process LocalStack
trusts) for its tenant with the admin role; `token=` gives another, `token=None` none.
"""

import io
import time
from typing import Any

import requests
from openpyxl import load_workbook

FINAL = {"invalid", "validated", "created", "partially-created", "failed"}
REQUEST_INFO = {"apiId": "tests", "msgId": "tests|en_IN", "userInfo": {"uuid": "user-1"}}
ADMIN_ROLE = "CAMPAIGN_ADMIN"
#: `token=MINT` (the default): a development token for the client's tenant, admin role
MINT = "mint"


def dev_token(
    tenants: list[str], roles: list[str] | None = None, *, subject: str = "user-1", **options: Any
) -> str:
    """A token of the machine's development issuer (local/auth.py), as `make token` mints."""
    from local.auth import DevIssuer

    return DevIssuer.load_or_create().mint(
        tenants=tenants, roles=[ADMIN_ROLE] if roles is None else roles, subject=subject, **options
    )


def bearer(*tenants: str, roles: list[str] | None = None) -> dict[str, str]:
    """The Authorization header of a development token (admin of `tenants` by default)."""
    return {"Authorization": f"Bearer {dev_token(list(tenants), roles)}"}


class ProjectFactoryClient:
    def __init__(self, base_url: str, tenant_id: str = "mz", *, token: str | None = MINT) -> None:
        self.base_url = base_url
        self.tenant_id = tenant_id
        self.token = dev_token([tenant_id]) if token == MINT else token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def upload(self, data: bytes, filename: str = "upload.xlsx") -> str:
        answer = requests.post(
            f"{self.base_url}/filestore/v1/files",
            data={"tenantId": self.tenant_id, "module": "HCM-ADMIN-CONSOLE"},
            files={"file": (filename, data, "application/vnd.ms-excel")},
            headers=self.headers,
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["files"][0]["fileStoreId"]

    def file_url(self, file_store_id: str) -> str:
        """The presigned URL `/filestore/v1/files/url` answers for one file."""
        urls = requests.get(
            f"{self.base_url}/filestore/v1/files/url",
            params={"tenantId": self.tenant_id, "fileStoreIds": file_store_id},
            headers=self.headers,
            timeout=30,
        )
        urls.raise_for_status()
        return urls.json()["fileStoreIds"][0]["url"]

    def download(self, file_store_id: str) -> bytes:
        answer = requests.get(self.file_url(file_store_id), timeout=30)
        answer.raise_for_status()
        return answer.content

    def create(
        self,
        file_store_id: str,
        resource_type: str,
        action: str = "create",
        hierarchy_type: str = "ADMIN",
        **extra: Any,
    ) -> requests.Response:
        details = {
            "type": resource_type,
            "tenantId": self.tenant_id,
            "fileStoreId": file_store_id,
            "action": action,
            "hierarchyType": hierarchy_type,
            **extra,
        }
        return self.create_with(details)

    def create_with(self, details: dict[str, Any]) -> requests.Response:
        return requests.post(
            f"{self.base_url}/project-factory/v1/data/_create",
            json={"RequestInfo": REQUEST_INFO, "ResourceDetails": details},
            headers=self.headers,
            timeout=30,
        )

    def search(self, **criteria: Any) -> requests.Response:
        return requests.post(
            f"{self.base_url}/project-factory/v1/data/_search",
            json={
                "RequestInfo": REQUEST_INFO,
                "SearchCriteria": {"tenantId": self.tenant_id, **criteria},
            },
            headers=self.headers,
            timeout=30,
        )

    def generate(
        self,
        template_type: str,
        *,
        hierarchy_type: str = "ADMIN",
        force: bool = False,
        campaign_id: str | None = None,
        filters: dict[str, Any] | None = None,
        include_existing: bool = False,
    ) -> requests.Response:
        query = {
            "tenantId": self.tenant_id,
            "type": template_type,
            "hierarchyType": hierarchy_type,
            "forceUpdate": str(force).lower(),
        } | ({"campaignId": campaign_id} if campaign_id else {})
        if include_existing:
            query["includeExisting"] = "true"
        body: dict[str, Any] = {"RequestInfo": REQUEST_INFO} | (
            {"Filters": filters} if filters else {}
        )
        return requests.post(
            f"{self.base_url}/project-factory/v1/data/_generate",
            params=query,
            json=body,
            headers=self.headers,
            timeout=30,
        )

    def download_template(
        self, template_type: str, *, hierarchy_type: str = "ADMIN", **query: str
    ) -> requests.Response:
        params = {
            "tenantId": self.tenant_id,
            "type": template_type,
            "hierarchyType": hierarchy_type,
        }
        return requests.post(
            f"{self.base_url}/project-factory/v1/data/_download",
            params=params | query,
            json={"RequestInfo": REQUEST_INFO},
            headers=self.headers,
            timeout=30,
        )

    def wait_until_generated(
        self, template_type: str, generated_id: str, timeout: float = 120, **query: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.download_template(template_type, id=generated_id, **query).json()[
                "GeneratedResource"
            ]
            if rows and rows[0]["status"] in ("completed", "failed", "expired"):
                return rows[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"generation {generated_id} not done after {timeout}s: {rows}")
            time.sleep(0.1)

    def campaign(self, action: str, details: dict[str, Any]) -> requests.Response:
        return requests.post(
            f"{self.base_url}/project-factory/v1/project-type/{action}",
            json={
                "RequestInfo": REQUEST_INFO,
                "CampaignDetails": {"tenantId": self.tenant_id} | details,
            },
            headers=self.headers,
            timeout=30,
        )

    def wait_until_final(
        self, resource_id: str, timeout: float = 120, *, longest_pause: float = 0.1
    ) -> dict[str, Any]:
        """The resource once final, asked every 0.1 s, then less often up to `longest_pause`
        (a benchmark's searches would otherwise take the CPU the flow it times needs)."""
        deadline = time.monotonic() + timeout
        pause = min(0.1, longest_pause)
        while True:
            rows = self.search(id=[resource_id]).json()["ResourceDetails"]
            if rows and rows[0]["status"] in FINAL:
                return rows[0]
            if time.monotonic() > deadline:
                raise TimeoutError(f"resource {resource_id} not final after {timeout}s: {rows}")
            time.sleep(pause)
            pause = min(pause * 2, longest_pause)


def sheet_rows(data: bytes, sheet: str | None = None) -> list[dict[str, Any]]:
    """The rows of a workbook's data sheet as dicts keyed by header text."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    worksheet = book[sheet] if sheet else book.worksheets[1 if len(book.worksheets) > 1 else 0]
    rows = worksheet.iter_rows(values_only=True)
    header = [str(cell) if cell is not None else "" for cell in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows if any(v is not None for v in row)]
