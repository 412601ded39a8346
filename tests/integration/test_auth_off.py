"""Authentication off: an explicit choice for tests of other things, never silent."""

import logging

import requests

from local.stack import LocalStack
from tests.conftest import FAST
from tests.support.api import ProjectFactoryClient


def test_auth_off_is_explicit_logged_and_checks_nothing(caplog):
    # Given a local stack started with auth off
    with caplog.at_level(logging.WARNING, logger="local.stack"):
        stack = LocalStack(parameter_overrides=FAST, auth="off")
        with stack, stack.http_api() as api_url:
            # When a client without any token uploads and searches in any tenant
            client = ProjectFactoryClient(api_url, "ke.anywhere", token=None)
            file_id = client.upload(b"x")
            search = client.search()
            urls = requests.get(
                f"{api_url}/filestore/v1/files/url",
                params={"tenantId": "ke.anywhere", "fileStoreIds": file_id},
                timeout=10,
            )
    # Then everything passes, and the start said loudly that nothing is checked
    assert search.status_code == 200 and urls.status_code == 200
    assert any("authentication is OFF" in record.message for record in caplog.records)


def test_auth_is_on_unless_asked_otherwise():
    with LocalStack(parameter_overrides=FAST) as stack, stack.http_api() as api_url:
        anonymous = ProjectFactoryClient(api_url, "mz", token=None)
        assert anonymous.search().status_code == 401
        assert ProjectFactoryClient(api_url, "mz").search().status_code == 200
