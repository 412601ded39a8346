"""The local stack's S3 URL patterns: moto's module, reloaded only when its setting changes."""

import importlib

import pytest

from local import moto_s3_urls


@pytest.fixture
def loads():
    """The loads of moto's S3 URL module by the property the patch wraps (a list that grows)."""
    return []


@pytest.fixture
def backend(monkeypatch, loads):
    """An S3 backend whose URL module moto loads as it does (a reload each time it is asked),
    counted, with the patch installed afresh over that."""
    from moto.s3.models import S3Backend

    def loading(self):
        module = importlib.import_module("moto.s3.urls")
        loads.append(module.__name__)
        return importlib.reload(module)

    # The patch replaces moto's property for the whole process; the test gives it back.
    monkeypatch.setattr(S3Backend, "_url_module", property(loading))
    monkeypatch.setattr(moto_s3_urls, "_installed", False)
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS", raising=False)
    moto_s3_urls.install()
    yield S3Backend("us-east-1", "123456789012")
    # moto's module as the rest of the process knows it: with no custom endpoint
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS", raising=False)
    importlib.reload(importlib.import_module("moto.s3.urls"))


def test_the_url_patterns_are_loaded_once_while_the_endpoints_stay(backend, loads):
    # Given the patch installed
    # When moto asks the backend for its URL patterns three times, as three S3 calls do
    first = backend.url_bases
    for _ in range(2):
        assert backend.url_bases == first

    # Then the module was loaded once
    assert loads == ["moto.s3.urls"]


def test_a_custom_endpoint_set_later_is_among_the_patterns(backend, loads, monkeypatch):
    # Given the patterns loaded with no custom endpoint
    assert not any("s3.local.test" in base for base in backend.url_bases)

    # When a custom S3 endpoint is set, as MOTO_S3_CUSTOM_ENDPOINTS does
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "http://s3.local.test")

    # Then the module is loaded again and its patterns include it
    assert any("s3.local.test" in base for base in backend.url_bases)
    assert loads == ["moto.s3.urls", "moto.s3.urls"]
