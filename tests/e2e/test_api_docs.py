"""The served stack's /docs: Swagger UI over the API's document, in a real browser, with
no network but loopback (its files come from the stack, not a CDN)."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.openapi import DOCUMENT
from tests.support.chromium import browser as launch_browser
from tests.support.served_stack import TIMEOUT


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as launched:
        yield launched


def test_the_served_document_is_the_committed_one(served):
    # When the document is fetched from the served stack, with no token (it is public)
    answer = requests.get(f"{served.url}/docs/openapi.json", timeout=TIMEOUT)
    # Then it is docs/openapi.json
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == json.loads(DOCUMENT.read_text())


def test_swagger_ui_lists_every_operation_and_calls_the_api_with_a_token(
    served, integrator, browser
):
    from playwright.sync_api import expect

    # Given Swagger UI at /docs, in a browser that may reach nothing but loopback
    context = browser.new_context()
    outside: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(served.url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.url}/docs")

    # Then it lists the API's operations
    expect(page.locator(".opblock")).to_have_count(11, timeout=30_000)
    expect(page.get_by_text("/project-factory/v1/data/_search")).to_be_visible()

    # When the user authorizes with a bearer token and tries the search
    page.get_by_role("button", name="Authorize").click()
    dialog = page.locator(".dialog-ux")
    dialog.locator(".auth-container input").fill(integrator.token)
    dialog.locator("button.modal-btn.authorize").click()
    dialog.locator("button.modal-btn.btn-done").click()
    search = page.locator("#operations-data-search_resources_project_factory_v1_data__search_post")
    search.locator(".opblock-summary").click()
    search.get_by_role("button", name="Try it out").click()
    search.locator("textarea.body-param__text").fill(
        json.dumps({"RequestInfo": {}, "SearchCriteria": {"tenantId": integrator.tenant_id}})
    )
    search.get_by_role("button", name="Execute").click()

    # Then the API answers 200 with the tenant's (empty) resources
    expect(search.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200", timeout=30_000
    )
    assert outside == [] and errors == []
    context.close()
