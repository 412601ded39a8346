"""FileStore on S3, compatible with DIGIT's: upload, presigned URLs, presigned uploads."""

import requests

from tests.support.api import ProjectFactoryClient, bearer


def test_uploaded_files_get_opaque_ids_and_come_back_through_presigned_urls(api_url, stack):
    # Given two files posted in one multipart request
    answer = requests.post(
        f"{api_url}/filestore/v1/files",
        data={"tenantId": "mz", "module": "HCM-ADMIN-CONSOLE"},
        files=[
            ("file", ("a.xlsx", b"first", "application/octet-stream")),
            ("file", ("b.xlsx", b"second", "application/octet-stream")),
        ],
        headers=bearer("mz"),
        timeout=10,
    )
    # When their URLs are asked for
    files = answer.json()["files"]
    ids = [f["fileStoreId"] for f in files]
    urls = requests.get(
        f"{api_url}/filestore/v1/files/url",
        params={"tenantId": "mz", "fileStoreIds": ",".join(ids)},
        headers=bearer("mz"),
        timeout=10,
    ).json()
    # Then each id maps to its own content, under the tenant's prefix, with a short-lived URL
    assert answer.status_code == 200 and [f["tenantId"] for f in files] == ["mz", "mz"]
    assert [entry["id"] for entry in urls["fileStoreIds"]] == ids
    contents = [requests.get(entry["url"], timeout=10).content for entry in urls["fileStoreIds"]]
    assert contents == [b"first", b"second"]
    assert all("X-Amz-Expires=900" in entry["url"] for entry in urls["fileStoreIds"])
    keys = {
        o["Key"]
        for o in stack.client("s3").list_objects_v2(
            Bucket=stack.physical_id("FilesBucket"), Prefix="files/mz/"
        )["Contents"]
    }
    assert {f"files/mz/{file_id}" for file_id in ids} <= keys


def test_a_file_is_not_found_under_another_tenant(api_url):
    # Given a file of tenant mz
    file_id = ProjectFactoryClient(api_url, "mz").upload(b"data")
    # When an admin of tenant ke asks for it in ke
    answer = requests.get(
        f"{api_url}/filestore/v1/files/url",
        params={"tenantId": "ke", "fileStoreIds": file_id},
        headers=bearer("ke"),
        timeout=10,
    )
    # Then it does not exist for them (the key holds the tenant: nothing says it is mz's)
    assert answer.status_code == 404
    assert answer.json()["Errors"][0]["code"] == "FILE_NOT_FOUND"


def test_a_file_asked_for_in_another_tenant_is_403(api_url):
    # Given a file of tenant mz
    file_id = ProjectFactoryClient(api_url, "mz").upload(b"data")
    # When an admin of tenant ke asks for it in mz
    answer = requests.get(
        f"{api_url}/filestore/v1/files/url",
        params={"tenantId": "mz", "fileStoreIds": file_id},
        headers=bearer("ke"),
        timeout=10,
    )
    # Then the tenant is refused whole, and no URL is handed out
    assert answer.status_code == 403
    assert answer.json()["Errors"][0]["code"] == "TENANT_FORBIDDEN"
    assert "url" not in answer.text


def test_an_upload_without_a_tenant_is_a_400(api_url):
    # When a file is posted without tenantId
    answer = requests.post(
        f"{api_url}/filestore/v1/files",
        files={"file": ("a.xlsx", b"x")},
        headers=bearer("mz"),
        timeout=10,
    )
    # Then it is refused with a clear code
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "TENANT_ID_REQUIRED"


def test_a_large_file_goes_up_through_a_presigned_post_and_is_then_a_filestore_file(api_url):
    # Given a presigned upload asked for a file too large for API Gateway
    ticket = requests.post(
        f"{api_url}/filestore/v1/files/upload-url",
        json={"tenantId": "mz", "fileName": "big.xlsx"},
        headers=bearer("mz"),
        timeout=10,
    ).json()
    # When the file is POSTed to the URL as a form: the given fields, then the file
    posted = requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("big.xlsx", b"x" * (11 * 1024 * 1024))},
        timeout=30,
    )
    # Then it is a FileStore file like any other
    assert posted.status_code == 204, posted.text
    url = requests.get(
        f"{api_url}/filestore/v1/files/url",
        params={"tenantId": "mz", "fileStoreIds": ticket["fileStoreId"]},
        headers=bearer("mz"),
        timeout=10,
    )
    assert url.status_code == 200
    assert (
        len(requests.get(url.json()["fileStoreIds"][0]["url"], timeout=30).content)
        == 11 * 1024 * 1024
    )


def test_a_request_above_the_api_gateway_limit_is_refused_with_413(api_url):
    # When more than 10 MB are posted to the API
    answer = requests.post(
        f"{api_url}/filestore/v1/files",
        data=b"x" * (10 * 1024 * 1024 + 1),
        headers={"content-type": "application/octet-stream", **bearer("mz")},
        timeout=30,
    )
    # Then API Gateway's limit applies, as it would on AWS
    assert answer.status_code == 413


def test_the_presigned_upload_is_a_post_form_limited_to_the_upload_size(api_url, stack):
    # When a presigned upload is asked for
    answer = requests.post(
        f"{api_url}/filestore/v1/files/upload-url",
        json={"tenantId": "mz", "fileName": "big.xlsx", "module": "HCM"},
        headers=bearer("mz"),
        timeout=10,
    )
    # Then it is a POST of a form: the url, the fields to send as given, the size limit
    assert answer.status_code == 200, answer.text
    grant = answer.json()
    assert set(grant) == {
        "fileStoreId",
        "tenantId",
        "url",
        "method",
        "fields",
        "maxBytes",
        "expiresInSeconds",
    }
    assert grant["method"] == "POST" and grant["tenantId"] == "mz"
    assert grant["maxBytes"] == 64 << 20 and grant["expiresInSeconds"] == 900
    assert grant["url"].endswith("/" + stack.physical_id("FilesBucket"))
    fields = grant["fields"]
    assert fields["key"] == f"files/mz/{grant['fileStoreId']}"
    assert {fields["x-amz-meta-filename"], fields["x-amz-meta-module"]} == {"big.xlsx", "HCM"}
    assert fields["x-amz-meta-tenantid"] == "mz" and fields["policy"] and fields["x-amz-signature"]


def test_the_files_bucket_keeps_versions_and_expires_the_old_ones(stack):
    # Given the local stack deployed from the template
    s3 = stack.client("s3")
    bucket = stack.physical_id("FilesBucket")
    # When its bucket's versioning and lifecycle are read
    versioning = s3.get_bucket_versioning(Bucket=bucket)
    rules = {
        rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    }
    # Then versions are kept (an accepted file survives a later upload under its id), old
    # versions expire after NoncurrentVersionRetentionDays, and scratch's after a day
    assert versioning["Status"] == "Enabled"
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30
    }
    assert rules["expire-scratch"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
