"""`make faults`' client side: files created at the same moment over the local API, waited
for until final, and their processed files read back (local/faults.py)."""

import io
import itertools
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.spec import SheetSpec
from tests.support.api import FINAL, ProjectFactoryClient

RUN_TIMEOUT_SECONDS = 300.0


def create_at_once(requests: list[tuple[ProjectFactoryClient, str, str]]) -> list[str]:
    """`_create` for every file at the same moment; the resource ids, in order."""
    barrier = threading.Barrier(len(requests))

    def create(request: tuple[ProjectFactoryClient, str, str]) -> str:
        import requests

        client, file_id, resource_type = request
        barrier.wait(timeout=60)
        for attempt in itertools.count(1):
            try:
                answer = client.create(file_id, resource_type)
                break
            except requests.ConnectionError:
                # The local API listens with socketserver's backlog of 5: a burst of
                # connections beyond it is reset. `_create` is idempotent, so ask again.
                if attempt == 5:
                    raise
                time.sleep(0.2 * attempt)
        answer.raise_for_status()
        return str(answer.json()["ResourceDetails"]["id"])

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(create, requests))


def wait_until_final(
    requests: list[tuple[ProjectFactoryClient, str, str]], resource_ids: list[str]
) -> list[dict[str, Any] | None]:
    """Each resource's row once final (None: not final within RUN_TIMEOUT_SECONDS)."""
    by_tenant: dict[str, tuple[ProjectFactoryClient, list[str]]] = {}
    for (client, _, _), resource_id in zip(requests, resource_ids, strict=True):
        by_tenant.setdefault(client.tenant_id, (client, []))[1].append(resource_id)
    final: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while len(final) < len(resource_ids) and time.monotonic() < deadline:
        for client, ids in by_tenant.values():
            _poll(client, [resource_id for resource_id in ids if resource_id not in final], final)
        time.sleep(0.5)
    return [final.get(resource_id) for resource_id in resource_ids]


def _poll(client: ProjectFactoryClient, waiting: list[str], final: dict[str, Any]) -> None:
    """One search for the resources still `waiting`; those now final go into `final`."""
    if not waiting:
        return
    answer = client.search(id=waiting, limit=len(waiting))
    for row in answer.json().get("ResourceDetails") or []:
        if row["status"] in FINAL:
            final[row["id"]] = row


def _header(code: str) -> str:
    return load_bundled_messages().text(code, "en_IN")


def processed_statuses(
    client: ProjectFactoryClient, resource: Mapping[str, Any] | None, spec: SheetSpec
) -> dict[int, tuple[str, str | None]] | None:
    """Sheet row number -> (#status#, id column) of the processed file, read by header text
    (None: no processed file)."""
    if resource is None or not resource.get("processedFileStoreId"):
        return None
    assert spec.id_column is not None
    rows = _sheet_values(client.download(resource["processedFileStoreId"]), spec)
    index = next((i for i, cells in enumerate(rows) if "#status#" in [str(c) for c in cells]), None)
    if index is None:
        raise ValueError("the processed file has no #status# column")
    header = [str(cell) if cell is not None else "" for cell in rows[index]]
    status_at, id_at = header.index("#status#"), header.index(_header(spec.id_column))
    return {
        number: _status_and_id(cells, status_at, id_at)
        for number, cells in enumerate(rows[index + 1 :], start=index + 2)
        if any(cell is not None for cell in cells)
    }


def _status_and_id(cells: tuple[Any, ...], status_at: int, id_at: int) -> tuple[str, str | None]:
    value = cells[id_at] if id_at < len(cells) else None
    return str(cells[status_at]), str(value) if value else None


def _sheet_values(data: bytes, spec: SheetSpec) -> list[tuple[Any, ...]]:
    """The values of the data sheet of a processed file, row by row (openpyxl: the test's
    own reader, not the service's)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(book[_header(spec.data_sheet)].iter_rows(values_only=True))
    finally:
        book.close()
