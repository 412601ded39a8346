"""The local stack's S3 on loopback: the URLs the FileStore API hands out work over plain
HTTP, from any process, and nothing but the stack's buckets is served there."""

from urllib.parse import urlsplit

import requests

from local.samples import facility_workbook
from tests.support.api import ProjectFactoryClient, bearer

TENANT = "mz.loopback"


def _download_url(api_url: str, file_store_id: str) -> str:
    return ProjectFactoryClient(api_url, TENANT).file_url(file_store_id)


def test_a_download_url_is_on_loopback_and_gives_the_bytes_and_the_filename(api_url, stack):
    # Given a file uploaded through the API
    file_id = ProjectFactoryClient(api_url, TENANT).upload(b"the bytes", filename="plan é.xlsx")
    # When its URL is asked for and fetched with plain requests
    url = _download_url(api_url, file_id)
    answer = requests.get(url, timeout=10)
    # Then the URL is the stack's S3 on 127.0.0.1 (no mock in between), with the file and
    # its name as an attachment
    assert f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == stack.s3_url
    assert urlsplit(url).hostname == "127.0.0.1"
    assert answer.status_code == 200
    assert answer.content == b"the bytes"
    assert (
        answer.headers["Content-Disposition"] == "attachment; filename*=UTF-8''plan%20%C3%A9.xlsx"
    )


def test_a_presigned_post_over_loopback_stores_a_file_that_creates(api_url, stack):
    # Given a presigned upload for a facility workbook
    workbook = facility_workbook(rows=4, invalid=0)
    ticket = requests.post(
        f"{api_url}/filestore/v1/files/upload-url",
        json={"tenantId": TENANT, "fileName": "facilities.xlsx"},
        headers=bearer(TENANT),
        timeout=10,
    ).json()
    assert urlsplit(ticket["url"]).hostname == "127.0.0.1" and ticket["method"] == "POST"
    # When the workbook is POSTed there with plain requests: the fields, then the file
    posted = requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("facilities.xlsx", workbook)},
        timeout=30,
    )
    # Then it is a FileStore file: it reads back with its name, and _create creates its rows
    assert posted.status_code == 204, posted.text
    back = requests.get(_download_url(api_url, ticket["fileStoreId"]), timeout=10)
    assert back.content == workbook
    assert back.headers["Content-Disposition"].endswith("''facilities.xlsx")
    client = ProjectFactoryClient(api_url, TENANT)
    accepted = client.create(ticket["fileStoreId"], "facility")
    assert accepted.status_code == 200, accepted.text
    final = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    assert final["status"] == "created"
    assert final["additionalDetails"]["counts"]["created"] == 4


def test_moto_api_is_refused_and_resets_nothing(api_url, stack):
    # Given a stored file
    file_id = ProjectFactoryClient(api_url, TENANT).upload(b"kept")
    # When moto's own API is called on the loopback S3 (its reset would empty every backend)
    answers = [
        requests.post(f"{stack.s3_url}/moto-api/reset", timeout=10),
        requests.get(f"{stack.s3_url}/moto-api/data.json", timeout=10),
    ]
    # Then it is refused, and the file is still there
    assert [answer.status_code for answer in answers] == [403, 403]
    assert requests.get(_download_url(api_url, file_id), timeout=10).content == b"kept"


def test_only_signed_requests_for_the_stacks_bucket_are_served(api_url, stack):
    # Given a stored file and its bucket
    file_id = ProjectFactoryClient(api_url, TENANT).upload(b"private")
    bucket = stack.physical_id("FilesBucket")
    # When it, the bucket, the service root or another bucket are asked for without a signature
    unsigned = [
        requests.get(f"{stack.s3_url}/{bucket}/files/{TENANT}/{file_id}", timeout=10),
        requests.get(f"{stack.s3_url}/{bucket}?list-type=2", timeout=10),
        requests.delete(f"{stack.s3_url}/{bucket}/files/{TENANT}/{file_id}", timeout=10),
        requests.get(f"{stack.s3_url}/", timeout=10),
        requests.get(f"{stack.s3_url}/another-bucket/key", timeout=10),
    ]
    # Then each is AccessDenied, as for a bucket that blocks public access, and the file stays
    assert [answer.status_code for answer in unsigned] == [403] * 5
    assert all(b"<Code>AccessDenied</Code>" in answer.content for answer in unsigned)
    assert requests.get(_download_url(api_url, file_id), timeout=10).content == b"private"
