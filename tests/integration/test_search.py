"""_search over resource rows: by id, type, status, newest first, paginated, from indexes."""

import pytest

from tests.support.api import ProjectFactoryClient


@pytest.fixture(scope="module")
def tenant_with_rows(api_url):
    client = ProjectFactoryClient(api_url, tenant_id="mz.search")
    created = []
    for index in range(5):
        file_id = client.upload(f"not a workbook {index}".encode())
        kind = "facility" if index % 2 == 0 else "user"
        created.append(client.create(file_id, kind, action="validate").json()["ResourceDetails"])
    for row in created:
        client.wait_until_final(row["id"])
    return client, created


def test_search_by_type_is_newest_first(tenant_with_rows):
    # Given 3 facility and 2 user resources
    client, created = tenant_with_rows
    # When facilities are searched
    found = client.search(type="facility").json()["ResourceDetails"]
    # Then exactly the facilities come back, newest first
    assert [row["id"] for row in found] == [
        row["id"] for row in reversed(created) if row["type"] == "facility"
    ]


def test_search_pages_with_limit_and_offset(tenant_with_rows):
    # Given 5 resources of a tenant
    client, created = tenant_with_rows
    # When they are read two at a time
    pages = [
        client.search(limit=2, offset=offset).json()["ResourceDetails"] for offset in (0, 2, 4)
    ]
    # Then the pages together are every resource once, newest first
    assert [row["id"] for page in pages for row in page] == [row["id"] for row in reversed(created)]


def test_search_by_ids_and_status(tenant_with_rows):
    # Given resources that all failed (their files are not workbooks)
    client, created = tenant_with_rows
    # When two ids are searched with status failed, and with status created
    ids = [created[0]["id"], created[1]["id"]]
    failed = client.search(id=ids, status="failed").json()["ResourceDetails"]
    done = client.search(id=ids, status="created").json()["ResourceDetails"]
    # Then the status filters them
    assert sorted(row["id"] for row in failed) == sorted(ids)
    assert done == []


def test_search_without_a_tenant_is_a_400(api_url):
    # When SearchCriteria lacks tenantId
    import requests

    from tests.support.api import bearer

    answer = requests.post(
        f"{api_url}/project-factory/v1/data/_search",
        json={"RequestInfo": {}, "SearchCriteria": {"type": "facility"}},
        headers=bearer("mz"),
        timeout=10,
    )
    # Then it is refused, naming the field
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["params"] == ["SearchCriteria.tenantId"]
