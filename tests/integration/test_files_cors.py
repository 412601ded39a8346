"""The files bucket's CORS, locally as on AWS: the web console, on the API's own origin,
may read what it fetches and uploads through presigned URLs; a page on any other origin
may not. Locally the API's origin is loopback at whatever port it is served on."""

import requests

from local.samples import facility_workbook
from tests.support.api import ProjectFactoryClient, bearer

TENANT = "mz.cors"


def _download_url(api_url: str, file_store_id: str) -> str:
    return ProjectFactoryClient(api_url, TENANT).file_url(file_store_id)


def _grant(api_url: str) -> dict:
    answer = requests.post(
        f"{api_url}/filestore/v1/files/upload-url",
        json={"tenantId": TENANT, "fileName": "facilities.xlsx"},
        headers=bearer(TENANT),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def test_the_bucket_allows_the_apis_origin_alone(stack):
    # Given the files bucket as the template declares it
    s3 = stack.client("s3")
    [rule] = s3.get_bucket_cors(Bucket=stack.physical_id("FilesBucket"))["CORSRules"]
    # Then it allows the HTTP API's endpoint (loopback, any port, here) and nothing else
    assert rule["AllowedOrigins"] == ["http://127.0.0.1:*"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST", "PUT"]
    assert rule["ExposeHeaders"] == ["Content-Disposition", "ETag"]


def test_a_download_from_the_console_origin_is_readable_and_another_origin_is_not(api_url, stack):
    file_id = ProjectFactoryClient(api_url, TENANT).upload(b"bytes", filename="plan.xlsx")
    url = _download_url(api_url, file_id)
    # When the console's origin fetches it, and a page on another origin does
    ours = requests.get(url, headers={"Origin": api_url}, timeout=10)
    theirs = requests.get(url, headers={"Origin": "https://elsewhere.example"}, timeout=10)
    # Then the console may read the answer and its file name; the other page may not
    assert ours.headers["Access-Control-Allow-Origin"] == api_url
    assert "Content-Disposition" in ours.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in theirs.headers


def test_a_presigned_post_from_the_console_origin_answers_with_cors_headers(api_url, stack):
    # Given a presigned POST, sent as a browser sends it: with the page's Origin
    grant = _grant(api_url)
    posted = requests.post(
        grant["url"],
        data=grant["fields"],
        files={"file": ("facilities.xlsx", facility_workbook(rows=2, invalid=0))},
        headers={"Origin": api_url},
        timeout=30,
    )
    # Then S3's answer carries the CORS headers the page needs to read it
    assert posted.status_code == 204, posted.text
    assert posted.headers["Access-Control-Allow-Origin"] == api_url
    # and a refusal does too, so the page can show S3's code and message
    refused = requests.post(
        grant["url"],
        data={**grant["fields"], "key": "files/mz.cors/elsewhere"},
        files={"file": ("facilities.xlsx", b"x")},
        headers={"Origin": api_url},
        timeout=30,
    )
    assert refused.status_code == 403, refused.text
    assert refused.headers["Access-Control-Allow-Origin"] == api_url


def test_a_preflight_from_another_origin_is_refused(api_url, stack):
    file_id = ProjectFactoryClient(api_url, TENANT).upload(b"bytes", filename="plan.xlsx")
    url = _download_url(api_url, file_id)
    preflight = {"Access-Control-Request-Method": "PUT"}
    ours = requests.options(url, headers={"Origin": api_url, **preflight}, timeout=10)
    theirs = requests.options(
        url, headers={"Origin": "https://elsewhere.example", **preflight}, timeout=10
    )
    assert ours.status_code == 200 and ours.headers["Access-Control-Allow-Origin"] == api_url
    assert theirs.status_code == 403
