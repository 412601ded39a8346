"""The project-factory HTTP API as `pf` speaks it: plain HTTP, a bearer token, DIGIT errors.

Nothing here knows of the local stack: the same calls go to a deployed API or to the
embedded one (pf/embedded.py), which only supplies the URL and a token.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

#: The statuses a resource ends in (the create flow's last states).
FINAL_STATUSES = frozenset({"invalid", "validated", "created", "partially-created", "failed"})
#: Larger files go through a presigned upload: API Gateway takes at most 10 MB a request.
MULTIPART_MAX_BYTES = 6 * 1024 * 1024
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MODULE = "HCM-ADMIN-CONSOLE"


class ApiError(Exception):
    """An answer that is not a success: the API's own code and message when it gave them."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def from_response(cls, answer: requests.Response) -> "ApiError":
        try:
            body = answer.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("Errors"):
            first = body["Errors"][0]
            return cls(answer.status_code, str(first.get("code")), str(first.get("message")))
        if isinstance(body, dict) and "message" in body:
            # API Gateway's own answers (401 from the JWT authorizer, 429 from throttling).
            reason = answer.headers.get("www-authenticate", "")
            message = f"{body['message']} {reason}".strip()
            return cls(answer.status_code, f"HTTP_{answer.status_code}", message)
        return cls(answer.status_code, f"HTTP_{answer.status_code}", answer.text[:300])


@dataclass
class ApiClient:
    base_url: str
    token: str | None = None
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _answer(self, answer: requests.Response) -> Any:
        if not answer.ok:
            raise ApiError.from_response(answer)
        return answer.json()

    def _post(self, path: str, body: Any, params: Mapping[str, str] | None = None) -> Any:
        return self._answer(
            self.session.post(
                f"{self.base_url.rstrip('/')}{path}",
                json=body,
                params=params,
                headers=self._headers,
                timeout=self.timeout,
            )
        )

    def _get(self, path: str, params: Mapping[str, str]) -> Any:
        return self._answer(
            self.session.get(
                f"{self.base_url.rstrip('/')}{path}",
                params=params,
                headers=self._headers,
                timeout=self.timeout,
            )
        )

    # ------------------------------------------------------------------ FileStore
    def upload(self, tenant_id: str, data: bytes, filename: str) -> str:
        """Stores a file; its fileStoreId. Large files take the presigned upload."""
        if len(data) > MULTIPART_MAX_BYTES:
            return self._upload_presigned(tenant_id, data, filename)
        answer = self._answer(
            self.session.post(
                f"{self.base_url.rstrip('/')}/filestore/v1/files",
                data={"tenantId": tenant_id, "module": _MODULE},
                files={"file": (filename, data, _XLSX)},
                headers=self._headers,
                timeout=self.timeout,
            )
        )
        return str(answer["files"][0]["fileStoreId"])

    def _upload_presigned(self, tenant_id: str, data: bytes, filename: str) -> str:
        grant = self._post(
            "/filestore/v1/files/upload-url",
            {"tenantId": tenant_id, "fileName": filename, "module": _MODULE},
        )
        if grant.get("method") == "POST":
            sent = self.session.post(
                grant["url"],
                data=grant.get("fields", {}),
                files={"file": (filename, data, _XLSX)},
                timeout=self.timeout,
            )
        else:
            sent = self.session.put(
                grant["url"], data=data, headers=grant.get("headers", {}), timeout=self.timeout
            )
        if not sent.ok:
            raise ApiError(sent.status_code, "UPLOAD_REFUSED", sent.text[:300])
        return str(grant["fileStoreId"])

    def file_url(self, tenant_id: str, file_store_id: str) -> str:
        answer = self._get(
            "/filestore/v1/files/url", {"tenantId": tenant_id, "fileStoreIds": file_store_id}
        )
        return str(answer["fileStoreIds"][0]["url"])

    def fetch(self, url: str) -> bytes:
        """A file through a URL the API gave (presigned: it carries no token)."""
        answer = self.session.get(url, timeout=self.timeout)
        if not answer.ok:
            raise ApiError(answer.status_code, "DOWNLOAD_FAILED", answer.text[:300])
        return answer.content

    def download(self, tenant_id: str, file_store_id: str) -> bytes:
        return self.fetch(self.file_url(tenant_id, file_store_id))

    # ------------------------------------------------------------------ resources
    def create(self, details: Mapping[str, Any]) -> dict[str, Any]:
        """`_create` with these ResourceDetails; the resource row it answers."""
        answer = self._post(
            "/project-factory/v1/data/_create",
            {"RequestInfo": {"apiId": "pf"}, "ResourceDetails": dict(details)},
        )
        return dict(answer["ResourceDetails"])

    def search(self, tenant_id: str, **criteria: Any) -> list[dict[str, Any]]:
        criteria = {key: value for key, value in criteria.items() if value is not None}
        answer = self._post(
            "/project-factory/v1/data/_search",
            {"RequestInfo": {"apiId": "pf"}, "SearchCriteria": {"tenantId": tenant_id, **criteria}},
        )
        return list(answer["ResourceDetails"])

    def resource(self, tenant_id: str, resource_id: str) -> dict[str, Any]:
        rows = self.search(tenant_id, id=[resource_id])
        if not rows:
            raise ApiError(404, "RESOURCE_NOT_FOUND", f"no resource {resource_id} in {tenant_id}")
        return rows[0]

    # ------------------------------------------------------------------ templates
    def generate(self, query: Mapping[str, str]) -> dict[str, Any]:
        answer = self._post(
            "/project-factory/v1/data/_generate", {"RequestInfo": {"apiId": "pf"}}, query
        )
        return dict(answer["GeneratedResource"][0])

    def generated(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        answer = self._post(
            "/project-factory/v1/data/_download", {"RequestInfo": {"apiId": "pf"}}, query
        )
        return list(answer["GeneratedResource"])
