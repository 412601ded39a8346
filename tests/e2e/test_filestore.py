"""FileStore over HTTP from another process: every file fetched through the URL the API
returns for it, as an integrator's script or a browser would."""

import os

from tests.support.served_stack import is_loopback


def test_a_multipart_upload_is_fetched_back_through_the_url_the_api_returns(integrator):
    # Given a file uploaded as multipart/form-data
    data = os.urandom(4096) + b"end of file"
    file_store_id = integrator.upload(data, filename="notes from the field.xlsx")
    # When the integrator asks for its URL and fetches it with a plain GET
    urls = integrator.file_urls(file_store_id)
    # Then the URL points at this machine and serves exactly the bytes uploaded
    assert list(urls) == [file_store_id]
    assert is_loopback(urls[file_store_id]), urls
    assert integrator.fetch_url(urls[file_store_id]) == data


def test_a_presigned_upload_is_fetched_back_through_the_url_the_api_returns(integrator):
    # Given a presigned upload: a grant asked for, then the bytes POSTed as its form
    data = os.urandom(8192)
    grant = integrator.upload_url("big campaign file.xlsx")
    assert grant["method"] == "POST" and is_loopback(grant["url"]), grant
    file_store_id = integrator.upload_presigned(data, filename="big campaign file.xlsx")
    # When the file is fetched through the URL the API returns for it
    fetched = integrator.fetch(file_store_id)
    # Then it is the bytes that were posted
    assert fetched == data


def test_urls_of_several_files_come_in_one_answer(integrator):
    # Given two uploaded files
    first = integrator.upload(b"first", filename="a.xlsx")
    second = integrator.upload(b"second", filename="b.xlsx")
    # When both URLs are asked for at once
    urls = integrator.file_urls(first, second)
    # Then each URL serves its own file
    assert set(urls) == {first, second}
    assert [integrator.fetch_url(urls[first]), integrator.fetch_url(urls[second])] == [
        b"first",
        b"second",
    ]


def test_a_file_is_not_found_through_another_tenant(integrator, served):
    # Given a file of one tenant
    file_store_id = integrator.upload(b"private", filename="mine.xlsx")
    # When another tenant asks for its URL
    answer = served.client("mz.someoneelse").get(
        "/filestore/v1/files/url",
        params={"tenantId": "mz.someoneelse", "fileStoreIds": file_store_id},
    )
    # Then it is not found, and no URL is handed out
    assert answer.status_code == 404, answer.text
    assert "url" not in answer.text
