"""The web console in a real browser: headless Chromium (Debian's) driven by Playwright,
against the stack served as a separate process, the console at the stack's own URL.

A campaign administrator signs in with a token of the stack's issuer, downloads a
template, fills it (openpyxl, here), uploads it, watches the run end and downloads the
processed file; an invalid file shows its row errors a page at a time; a child campaign is
created. Every test fails on any error the page logs (a script error, a CSP violation, a
refused request it did not expect). Screenshots of each screen go to out/console/.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from openpyxl import Workbook

from tests.e2e import workbooks as wb
from tests.support.chromium import browser as launch_browser
from tests.support.served_stack import REPO_ROOT, TIMEOUT

SCREENSHOTS = REPO_ROOT / "out" / "console"
DISTRICT_NAME = "Kolo"
FACILITIES = ["Kolo Store 1", "Kolo Store 2", "Kolo Store 3"]
#: a run's end, and each step of the page (the stack's Waits are real time)
RUN_TIMEOUT_MS = 90_000
STEP_TIMEOUT_MS = 30_000


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as launched:
        yield launched


@pytest.fixture
def expected_refusals() -> list[re.Pattern[str]]:
    """Console errors a test expects (Chromium logs every 4xx answer a script gets)."""
    return []


@pytest.fixture
def page(browser, served, expected_refusals) -> Iterator[Any]:
    """A fresh browser profile on the console; fails the test on any error the page logs."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []

    def logged(message: Any) -> None:
        if message.type == "error" and not any(
            expected.search(message.text) for expected in expected_refusals
        ):
            problems.append(f"console {message.type}: {message.text}")

    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on("console", logged)
    opened.goto(f"{served.url}/")
    yield opened
    context.close()
    assert not problems, "the page logged errors:\n" + "\n".join(problems)


def _sign_in(page, served, tenant: str, *, token: str | None = None) -> None:
    screen = page.locator("#screen-connection")
    screen.get_by_label("Tenant").fill(tenant)
    screen.get_by_label("Access token").fill(token or served.mint([tenant]))
    screen.get_by_role("button", name="Use this token").click()
    page.locator("#who-tenant").filter(has_text=tenant).wait_for()


def _download(page, click) -> bytes:
    with page.expect_download(timeout=STEP_TIMEOUT_MS) as info:
        click()
    return Path(info.value.path()).read_bytes()


def _template(page, template_type: str = "facilityWithBoundary", campaign: str = "") -> bytes:
    page.get_by_role("link", name="Templates").click()
    screen = page.locator("#screen-templates")
    screen.get_by_label("Type").select_option(template_type)
    screen.get_by_label("Hierarchy").fill("ADMIN")
    screen.get_by_label("Campaign").fill(campaign)
    data = _download(page, screen.get_by_role("button", name="Generate and download").click)
    page.locator("#template-status").filter(has_text="Downloaded").wait_for()
    return data


def _facilities(template: bytes, names: list[str], capacity: Any = 40, **other: Any) -> bytes:
    book = wb.open_book(template)
    codes = wb.localities(book, DISTRICT_NAME, len(names))
    rows = [
        {
            wb.FACILITY_NAME: name,
            wb.FACILITY_TYPE: "Storing Resource",
            wb.FACILITY_STATUS: "Temporary",
            wb.CAPACITY: capacity,
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Active",
        }
        | other.get(name, {})
        for name, code in zip(names, codes, strict=True)
    ]
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    return wb.save(book)


def _upload(page, path: Path, *, action: str, presigned: bool = False, shot: str = "") -> str:
    """Uploads the file from the Upload screen; the id of the run it starts."""
    page.get_by_role("link", name="Upload", exact=True).click()
    screen = page.locator("#screen-upload")
    screen.get_by_label("Workbook").set_input_files(str(path))
    screen.get_by_label("Type").select_option("facility")
    screen.get_by_label("Hierarchy").fill("ADMIN")
    screen.get_by_label("Validate only" if action == "validate" else "Validate and create").check()
    screen.get_by_label("Upload straight to storage").set_checked(presigned)
    if shot:
        _shot(page, shot)
    screen.get_by_role("button", name="Upload and start").click()
    page.wait_for_url(re.compile(r"#/runs/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def _wait_for_status(page, text: str) -> None:
    page.locator("#run-facts .badge").filter(has_text=re.compile(f"^{text}$")).wait_for(
        timeout=RUN_TIMEOUT_MS
    )


def _count(page, name: str) -> int:
    return int(page.locator(f'#run-counts td[data-count="{name}"]').inner_text())


def test_a_template_filled_and_uploaded_is_created_and_its_processed_file_downloaded(
    page, served, integrator, tmp_path
):
    from playwright.sync_api import expect

    # Given the console, opened with no token: it asks for one
    screen = page.locator("#screen-connection")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screen.get_by_label("Tenant").fill(integrator.tenant_id)
    screen.get_by_label("Access token").fill(served.mint([integrator.tenant_id]))
    _shot(page, "01-sign-in")
    screen.get_by_role("button", name="Use this token").click()
    expect(page.locator("#who-tenant")).to_have_text(integrator.tenant_id)
    # When a facility template of the whole hierarchy is generated and downloaded
    template = _template(page)
    _shot(page, "02-template")
    # Then it is the workbook to fill: its data sheet, and the boundaries to pick from
    book = wb.open_book(template)
    assert wb.localities(book, DISTRICT_NAME, 3)
    # When three facilities are filled in and the file is uploaded to be created
    path = tmp_path / "facilities.xlsx"
    path.write_bytes(_facilities(template, FACILITIES))
    resource_id = _upload(page, path, action="create", shot="03-upload")
    # Then the run is watched until it is created, the bar full, every row created
    _wait_for_status(page, "Created")
    bar = page.locator("#run-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "100"
    expect(page.locator("#run-percent")).to_have_text("100%")
    assert {name: _count(page, name) for name in ("total", "created", "invalid", "failed")} == {
        "total": 3,
        "created": 3,
        "invalid": 0,
        "failed": 0,
    }
    expect(page.locator("#run-errors-section")).to_be_hidden()
    _shot(page, "04-run-created")
    # and the processed workbook downloaded from it marks each row CREATED, with its id
    processed = _download(
        page, page.get_by_role("button", name="Download the processed workbook").click
    )
    rows = wb.sheet_rows(processed, wb.FACILITY_NAME)
    assert [row[wb.FACILITY_NAME] for row in rows] == FACILITIES
    assert [row[wb.STATUS] for row in rows] == ["CREATED"] * 3
    assert all(row[wb.FACILITY_CODE] for row in rows)
    # and it is what the API says of the run
    [resource] = integrator.search(id=[resource_id])
    assert resource["status"] == "created"
    assert wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    # When the uploads are listed
    page.get_by_role("link", name="Uploads").click()
    listed = page.locator(f'#uploads-table tr[data-resource="{resource_id}"]')
    # Then the upload is there with its status and counts, and leads back to its run
    expect(listed).to_contain_text("Created")
    expect(listed.locator("td.num").first).to_have_text("3")
    _shot(page, "06-uploads")
    listed.get_by_role("link").click()
    _wait_for_status(page, "Created")


def test_an_invalid_file_shows_its_row_errors_a_page_at_a_time(page, served, integrator, tmp_path):
    from playwright.sync_api import expect

    _sign_in(page, served, integrator.tenant_id)
    template = _template(page)
    # Given twelve facilities with a capacity of 0, the last also of an unknown type
    names = [f"Kolo Post {number}" for number in range(1, 13)]
    path = tmp_path / "invalid.xlsx"
    path.write_bytes(
        _facilities(template, names, capacity=0, **{names[-1]: {wb.FACILITY_TYPE: "Castle"}})
    )
    # When it is uploaded straight to storage (a presigned upload) and validated only
    sent: list[tuple[str, str]] = []
    page.on("request", lambda request: sent.append((request.method, request.url)))
    resource_id = _upload(page, path, action="validate", presigned=True)
    # (the file went to the bucket's URL, not through the API)
    straight = [m for m, url in sent if m in ("PUT", "POST") and not url.startswith(served.url)]
    assert len(straight) == 1, sent
    assert ("POST", f"{served.url}/filestore/v1/files") not in sent
    # Then the run ends invalid, every row counted invalid
    _wait_for_status(page, "Invalid")
    assert _count(page, "invalid") == 12 and _count(page, "created") == 0
    # and its 13 row errors show ten at a time: row number, column and message
    table = page.locator("#run-errors tbody tr")
    expect(table).to_have_count(10)
    first = table.first.locator("td")
    expect(first.nth(0)).to_have_text("2")
    expect(first.nth(1)).to_have_text("INVALID")
    expect(first.nth(2)).to_have_text("Capacity")
    expect(first.nth(3)).to_contain_text("Capacity must be a number")
    pager = page.get_by_role("navigation", name="Row error pages")
    expect(pager).to_contain_text("Errors 1 to 10 of 13")
    _shot(page, "05-row-errors")
    pager.get_by_role("button", name="Next").click()
    expect(table).to_have_count(3)
    last = table.last.locator("td")
    expect(last.nth(0)).to_have_text("13")
    columns = table.locator("td:nth-child(3)").all_inner_texts()
    assert "Facility Type" in columns, columns
    expect(pager.get_by_role("button", name="Next")).to_be_disabled()
    # and the processed workbook says the same of each row
    processed = _download(
        page, page.get_by_role("button", name="Download the processed workbook").click
    )
    rows = wb.sheet_rows(processed, wb.FACILITY_NAME)
    assert [row[wb.STATUS] for row in rows] == ["INVALID"] * 12
    assert "Capacity" in rows[0][wb.ERRORS]
    [resource] = integrator.search(id=[resource_id])
    assert resource["status"] == "invalid" and resource["action"] == "validate"


def test_a_user_file_gives_its_admin_the_credentials_file(page, served, integrator, tmp_path):
    from playwright.sync_api import expect

    _sign_in(page, served, integrator.tenant_id)
    # Given the user template, filled with two users
    book = wb.open_book(_template(page, "userWithBoundary"))
    codes = wb.localities(book, "Nerage", 2)
    users = [
        {
            wb.USER_NAME: f"Nerage Nurse {number}",
            wb.PHONE: 9_400_000_000 + number,
            wb.ROLE: "Registrar",
            wb.EMPLOYMENT_TYPE: "Temporary",
            wb.BOUNDARY_CODE: code,
            wb.USER_USAGE: "Active",
        }
        for number, code in enumerate(codes)
    ]
    wb.fill_rows(book, wb.USER_NAME, users)
    path = tmp_path / "users.xlsx"
    path.write_bytes(wb.save(book))
    # When it is uploaded as users and created
    page.get_by_role("link", name="Upload", exact=True).click()
    screen = page.locator("#screen-upload")
    screen.get_by_label("Workbook").set_input_files(str(path))
    screen.get_by_label("Type").select_option("user")
    screen.get_by_role("button", name="Upload and start").click()
    _wait_for_status(page, "Created")
    # Then the admin downloads the credentials file: one line per user, with a password
    credentials = page.get_by_role("button", name="Download the credentials")
    expect(credentials).to_be_visible()
    _shot(page, "08-run-users")
    lines = wb.sheet_rows(_download(page, credentials.click), wb.USERNAME)
    processed = wb.sheet_rows(
        _download(page, page.get_by_role("button", name="Download the processed workbook").click),
        wb.USER_NAME,
    )
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 2
    assert sorted(line[wb.USERNAME] for line in lines) == sorted(
        row[wb.USERNAME] for row in processed
    )
    assert all(line[wb.PASSWORD] for line in lines) and len(lines) == 2


def test_a_child_campaign_is_created_under_a_listed_campaign(
    page, served, integrator, expected_refusals
):
    from playwright.sync_api import expect

    expected_refusals.append(re.compile(r"status of 400"))
    _sign_in(page, served, integrator.tenant_id)
    page.get_by_role("link", name="Campaigns").click()
    form = page.locator("#campaign-form")
    # Given a campaign over one district, created from the console
    form.get_by_label("Name").fill("Bednets 2026")
    form.get_by_label("Boundaries").fill("SHADI_A11E8E District")
    form.get_by_role("button", name="Create the campaign").click()
    expect(page.locator("#campaign-status")).to_contain_text("Created Bednets 2026")
    parent_row = page.locator("#campaigns-table tbody tr").filter(has_text="Bednets 2026")
    expect(parent_row).to_have_count(1)
    parent_id = parent_row.get_attribute("data-campaign")
    # When a child is started from its row, repeating a boundary of the parent
    parent_row.get_by_role("button", name="Add a child campaign to Bednets 2026").click()
    expect(page.locator("#campaign-form-title")).to_have_text("New child campaign of Bednets 2026")
    expect(form.get_by_label("Parent campaign")).to_have_value(parent_id)
    form.get_by_label("Name").fill("Bednets 2026, wave 2")
    form.get_by_label("Boundaries").fill("SHADI_A11E8E District")
    form.get_by_role("button", name="Create the campaign").click()
    # Then the API's refusal shows with its code and message
    expect(page.locator("#campaign-error")).to_contain_text("BOUNDARY_IN_PARENT")
    expect(page.locator("#campaign-error")).to_contain_text("HTTP 400")
    # When it adds a new district instead
    form.get_by_label("Boundaries").fill("KOLO_F765D1 District")
    form.get_by_role("button", name="Create the campaign").click()
    # Then the child is listed under its parent
    expect(page.locator("#campaign-status")).to_contain_text("Created Bednets 2026, wave 2")
    expect(page.locator("#campaign-error")).to_be_hidden()
    child_row = page.locator("#campaigns-table tbody tr").filter(has_text="wave 2")
    expect(child_row.locator("td.parent")).to_have_text("Bednets 2026")
    _shot(page, "07-campaigns")
    # and the API has it as the parent's child, with the new district
    child_id = child_row.get_attribute("data-campaign")
    [child] = integrator.search_campaigns(child_id)
    assert child["parentId"] == parent_id
    assert [boundary["code"] for boundary in child["boundaries"]] == ["KOLO_F765D1"]
    # When its template is asked for from its row, before the parent has any facilities
    child_row.get_by_role("link", name="Download a template for Bednets 2026, wave 2").click()
    templates = page.locator("#screen-templates")
    expect(templates.get_by_label("Campaign")).to_have_value(child_id)
    templates.get_by_role("button", name="Generate and download").click()
    # Then the generation's failure shows with its code and message
    error = page.locator("#template-error")
    expect(error).to_contain_text("PARENT_FILE_NOT_FOUND")
    expect(error).to_contain_text(f"parent campaign {parent_id} has no created facility file")


def test_refusals_show_the_apis_code_and_message(page, served, integrator, expected_refusals):
    from playwright.sync_api import expect

    # Given a token of another tenant than the one the console works in
    expected_refusals.append(re.compile(r"status of 40[13]"))
    _sign_in(page, served, integrator.tenant_id, token=served.mint(["mz.stranger"]))
    page.get_by_role("button", name="Generate and download").click()
    # Then the API's 403 shows with its DIGIT code and message
    error = page.locator("#template-error")
    expect(error).to_contain_text("TENANT_FORBIDDEN")
    expect(error).to_contain_text("HTTP 403")
    _shot(page, "09-refused")
    # Given an expired token
    expired = served.mint([integrator.tenant_id], issued_at=time.time() - 3600, ttl_seconds=60)
    page.get_by_role("link", name="Sign in").click()
    _sign_in(page, served, integrator.tenant_id, token=expired)
    expect(page.locator("#who")).to_contain_text("token expired")
    page.get_by_role("button", name="Generate and download").click()
    # Then API Gateway's own 401 shows, with the reason its www-authenticate gives
    expect(error).to_contain_text("UNAUTHORIZED")
    expect(error).to_contain_text("Unauthorized: ")
    expect(error).to_contain_text("HTTP 401")


def test_the_page_reads_progress_and_errors_from_the_row(page):
    # The console's own reading of a row (console/progress.js), in the browser that runs it
    read = page.evaluate(
        """async () => {
            const p = await import("/console/progress.js");
            const running = {status: "data-accepted", additionalDetails: {progress:
                {stage: "creating", done: 250, total: 1000, attempt: 2, created: 240, failed: 10}}};
            return {
                running: p.progressOf(running),
                waiting: p.progressOf({status: "validation-started", additionalDetails: {}}),
                ended: p.progressOf({status: "partially-created",
                    additionalDetails: {counts: {total: 7}}}),
                columns: [
                    "Capacity must be a number from 1 to 100000000",
                    "Boundary Code: not within the campaign's boundaries: XX",
                    "Facility Name 'Depot' is repeated; it first appears on row 3",
                    "ERR_HRMS_USER_EXIST_MOB: User already exists with this mobile number",
                    "This boundary is repeated; it first appears on row 4",
                    "Not created after 3 attempt(s)",
                ].map(p.columnOf),
            };
        }"""
    )
    assert read["running"] == {
        "label": "Creating (attempt 2)",
        "detail": "250 of 1000 rows, 240 created, 10 failed",
        "done": 250,
        "total": 1000,
        "percent": 25,
    }
    assert read["waiting"]["percent"] is None and read["waiting"]["label"] == "Validating"
    assert read["ended"]["percent"] == 100 and read["ended"]["label"] == "Partially created"
    assert read["columns"] == ["Capacity", "Boundary Code", "Facility Name", "", "", ""]


def test_the_console_is_served_with_its_security_headers(served, integrator):
    # When the console's page and assets are asked for, with no token
    index = requests.get(f"{served.url}/", timeout=TIMEOUT)
    script = requests.get(f"{served.url}/console/app.js", timeout=TIMEOUT)
    style = requests.get(f"{served.url}/console/style.css", timeout=TIMEOUT)
    source = requests.get(f"{served.url}/console/handler.py", timeout=TIMEOUT)
    # Then each comes with its content type, and the handler's source is not among them
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    assert source.status_code == 404 and source.json()["Errors"][0]["code"] == "NOT_FOUND"
    # and the page may talk to its own origin and to the S3 its presigned URLs point at
    s3 = urlsplit(integrator.file_urls(integrator.upload(wb.save(Workbook()))).popitem()[1])
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert f"connect-src 'self' {s3.scheme}://{s3.netloc}" in policy
    assert "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert index.headers["x-content-type-options"] == "nosniff"
    assert index.headers["referrer-policy"] == "no-referrer"
    # and an unchanged file is not sent again
    again = requests.get(
        f"{served.url}/console/app.js",
        headers={"If-None-Match": script.headers["etag"]},
        timeout=TIMEOUT,
    )
    assert again.status_code == 304
