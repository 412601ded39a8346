"""Where the sheet schemas come from: files bundled with the code, or DIGIT MDMS.

A schema is the `data` of an MDMS `HCM-ADMIN-CONSOLE.adminSchema` record, identified by
`<type>.<campaignType>` (facility.all, user.all, boundary.bednet, ...). A campaign type
without a schema of its own uses its type's `.all` schema.

Both sources cache per warm process: the original fetched the same records over and over.
Bundled files never change while a process runs; MDMS records do (an administrator edits
them), so they are kept for a bounded time only. Callers get copies: they cannot alter a
cached schema.
"""

import copy
import json
import threading
import time
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Protocol

from project_factory.adapters.digit_paths import DEFAULT_PATHS
from project_factory.adapters.http import JsonHttpClient
from project_factory.errors import InvalidSchemaError, NotFoundError
from project_factory.settings import Settings

MDMS_TTL_SECONDS = 300.0
_FALLBACK_CAMPAIGN_TYPE = "all"


class SchemaSource(Protocol):
    def get(self, tenant_id: str, resource_type: str, campaign_type: str = "all") -> dict[str, Any]:
        """The adminSchema record's data; NotFoundError when there is none."""
        ...


class BundledSchemaSource:
    """Schemas shipped in the package: project_factory/data/schemas/<type>.<campaignType>.json."""

    def __init__(self, root: Traversable | None = None) -> None:
        self._root = root or resources.files("project_factory").joinpath("data", "schemas")
        self._cache: dict[str, dict[str, Any]] = {}

    def get(self, tenant_id: str, resource_type: str, campaign_type: str = "all") -> dict[str, Any]:
        # Bundled schemas are the same for every tenant.
        for identifier in _identifiers(resource_type, campaign_type):
            if identifier not in self._cache:
                schema = self._read(identifier)
                if schema is None:
                    continue
                self._cache[identifier] = schema
            return copy.deepcopy(self._cache[identifier])
        raise NotFoundError(
            f"no bundled schema for {resource_type!r} (campaign type {campaign_type!r})",
            resourceType=resource_type,
            campaignType=campaign_type,
        )

    def _read(self, identifier: str) -> dict[str, Any] | None:
        resource = self._root.joinpath(f"{identifier}.json")
        if not resource.is_file():
            return None
        try:
            schema = json.loads(resource.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidSchemaError(f"bundled schema {identifier} is not JSON: {exc}") from exc
        return _as_record(schema, f"bundled schema {identifier}")


class MdmsSchemaSource:
    """Schemas from MDMS v2, kept per tenant and identifier for `ttl_seconds`."""

    def __init__(
        self,
        client: JsonHttpClient,
        schema_code: str,
        *,
        ttl_seconds: float = MDMS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        search_path: str = DEFAULT_PATHS.mdms_search,
    ) -> None:
        self._client = client
        self._search_path = search_path
        self._schema_code = schema_code
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}

    def get(self, tenant_id: str, resource_type: str, campaign_type: str = "all") -> dict[str, Any]:
        key = (tenant_id, resource_type, campaign_type)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now < cached[0]:
            return copy.deepcopy(cached[1])
        schema = self._fetch(tenant_id, resource_type, campaign_type)
        with self._lock:
            # Expired entries of other keys go too, so the cache stays as small as its use.
            self._cache = {k: v for k, v in self._cache.items() if now < v[0]}
            self._cache[key] = (now + self._ttl_seconds, schema)
        return copy.deepcopy(schema)

    def _fetch(self, tenant_id: str, resource_type: str, campaign_type: str) -> dict[str, Any]:
        identifiers = _identifiers(resource_type, campaign_type)
        # One search for the campaign's own schema and its fallback.
        answer = self._client.post(
            self._search_path,
            {
                "MdmsCriteria": {
                    "tenantId": tenant_id,
                    "schemaCode": self._schema_code,
                    "uniqueIdentifiers": identifiers,
                }
            },
        )
        records = {
            record.get("uniqueIdentifier"): record
            for record in answer.get("mdms") or []
            if isinstance(record, dict) and record.get("isActive", True)
        }
        for identifier in identifiers:
            if identifier in records:
                return _as_record(records[identifier].get("data"), f"MDMS record {identifier}")
        raise NotFoundError(
            f"MDMS has no {self._schema_code} record {' or '.join(identifiers)} "
            f"for tenant {tenant_id}",
            tenantId=tenant_id,
            resourceType=resource_type,
            campaignType=campaign_type,
        )


@cache
def schema_source(settings: Settings) -> SchemaSource:
    """The schema source settings choose, one per process so its cache outlives a request."""
    if settings.schema_source == "bundled":
        return BundledSchemaSource()
    client = JsonHttpClient.for_service(
        settings.mdms_url, "MDMS_URL (SCHEMA_SOURCE is mdms)", settings
    )
    return MdmsSchemaSource(
        client, settings.mdms_schema_code, search_path=settings.egov_mdms_v2_search_endpoint
    )


def _identifiers(resource_type: str, campaign_type: str) -> list[str]:
    campaign_type = campaign_type or _FALLBACK_CAMPAIGN_TYPE
    identifiers = [f"{resource_type}.{campaign_type}"]
    if campaign_type != _FALLBACK_CAMPAIGN_TYPE:
        identifiers.append(f"{resource_type}.{_FALLBACK_CAMPAIGN_TYPE}")
    return identifiers


def _as_record(schema: Any, where: str) -> dict[str, Any]:
    if not isinstance(schema, dict):
        raise InvalidSchemaError(f"{where} is a {type(schema).__name__}, not an object")
    return schema
