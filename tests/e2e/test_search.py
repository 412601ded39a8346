"""_search from outside: by id, by type and status, and page by page."""

import pytest

from tests.e2e import workbooks as wb

LOCALITY = {"code": "NDOPO_E47341", "type": "Locality", "includeAllChildren": True}


def _file(integrator, name: str) -> bytes:
    """A one-facility file made from a fetched one-locality template."""
    started = integrator.generate("facilityWithBoundary", filters={"boundaries": [LOCALITY]})
    done = integrator.wait_for_template("facilityWithBoundary", generated_id=started["id"])
    book = wb.open_book(integrator.fetch(done["fileStoreId"]))
    wb.fill_rows(
        book,
        wb.FACILITY_NAME,
        [
            {
                wb.FACILITY_NAME: name,
                wb.FACILITY_TYPE: "Warehouse",
                wb.FACILITY_STATUS: "Temporary",
                wb.CAPACITY: 10,
                wb.BOUNDARY_CODE: LOCALITY["code"],
                wb.FACILITY_USAGE: "Active",
            }
        ],
    )
    return wb.save(book)


@pytest.fixture
def five_resources(integrator) -> list[dict]:
    """Five validate-only resources of the tenant, each final, oldest first."""
    data = _file(integrator, "Ndopo Store")
    resources = []
    for _ in range(5):
        accepted = integrator.create(integrator.upload(data), "facility", action="validate")
        resources.append(integrator.wait_until_final(accepted["id"]))
    assert [row["status"] for row in resources] == ["validated"] * 5
    return resources


def test_search_by_id_returns_exactly_the_rows_asked_for(integrator, five_resources):
    # When two of the five are searched by id
    wanted = [five_resources[1]["id"], five_resources[3]["id"]]
    found = integrator.search(id=wanted)
    # Then exactly those two come back, with what _create and the flow stored
    assert sorted(row["id"] for row in found) == sorted(wanted)
    for row in found:
        assert row["tenantId"] == integrator.tenant_id and row["processedFileStoreId"]
        assert row["type"] == "facility" and row["action"] == "validate"


def test_a_row_is_not_found_by_id_from_another_tenant(integrator, served, five_resources):
    # When another tenant searches for one of this tenant's rows by id
    other = served.client("mz.e2eothertenant")
    # Then it finds nothing
    assert other.search(id=[five_resources[0]["id"]]) == []


def test_the_listing_comes_page_by_page_newest_first_each_row_once(integrator, five_resources):
    # When the tenant's facility resources are listed two at a time
    pages = [integrator.search(type="facility", limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    # Then the pages hold 2, 2, 1 and 0 rows, every row exactly once, newest first
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    listed = [row["id"] for page in pages for row in page]
    assert listed == [row["id"] for row in reversed(five_resources)]
    # and a listing by status, or of the whole tenant, finds the same rows
    assert [row["id"] for row in integrator.search(status="validated", limit=10)] == listed
    assert [row["id"] for row in integrator.search(limit=10)] == listed
    assert integrator.search(status="created") == []


@pytest.mark.parametrize("limit", [0, 501])
def test_a_page_size_out_of_bounds_is_a_400(integrator, limit):
    # When a page of `limit` rows is asked for
    answer = integrator.post(
        "/project-factory/v1/data/_search",
        {"RequestInfo": {}, "SearchCriteria": {"tenantId": integrator.tenant_id, "limit": limit}},
    )
    # Then it is refused in the DIGIT error envelope
    assert answer.status_code == 400, answer.text
    assert answer.json()["Errors"], answer.text
