"""The guard on the local stack's patches of moto's private code fails loudly, naming the
name and the moto it was checked against, when moto no longer has what it replaces."""

import re
import types
from importlib.metadata import version
from pathlib import Path

import pytest

from local import moto_patches
from local.moto_patches import CHECKED, CHECKED_BELOW, CHECKED_FROM, MotoPatchError, replaced

ROOT = Path(__file__).resolve().parents[2]


class Answerer:
    def __call__(self, event_name: str, request: object, **kwargs: object) -> None:
        pass

    def invoke(self, body: str, headers: dict[str, str]) -> bytes:
        return b""


class NoCall:
    pass


def module(**names: object) -> types.ModuleType:
    fake = types.ModuleType("moto.fake")
    fake.__dict__.update(names)
    return fake


def helper(account_id: str, body: str) -> None:
    pass


def test_the_original_is_returned_when_moto_still_has_it_as_it_was():
    # Given names as they were read, on a class and on a module
    # When / Then each original comes back, its signature checked without annotations
    assert replaced(Answerer, "__call__", signature="(self, event_name, request, **kwargs)") is (
        Answerer.__call__
    )
    assert replaced(module(_send=helper), "_send", signature="(account_id, body)") is helper
    assert replaced(module(FLAG=False), "FLAG") is False


def test_a_missing_name_is_refused_naming_it_and_the_moto_it_was_checked_against():
    # Given a module that has lost the private function a patch replaces
    # When / Then the guard refuses it, naming the function and both moto versions
    with pytest.raises(MotoPatchError) as refused:
        replaced(module(), "_invoke_awslambda", checked="moto 5.2.5")
    message = str(refused.value)
    assert "moto.fake._invoke_awslambda is gone" in message
    assert "moto 5.2.5" in message
    assert f"moto {version('moto')} is installed" in message


def test_a_name_every_class_has_does_not_count_as_the_class_defining_it():
    # Given a class that no longer defines __call__ (type's own is still reachable)
    # When / Then the guard refuses it rather than handing back type.__call__
    with pytest.raises(MotoPatchError, match=r"NoCall\.__call__ is gone"):
        replaced(NoCall, "__call__")


def test_a_changed_signature_is_refused_with_both_signatures():
    # Given a method that takes other parameters than the patch was written for
    # When / Then the guard refuses it, saying what it takes now
    expected = "(self, body, request_headers, response_headers)"
    with pytest.raises(MotoPatchError) as refused:
        replaced(Answerer, "invoke", signature=expected)
    assert "takes (self, body, headers), not " + expected in str(refused.value)


def test_a_name_that_is_no_longer_callable_is_refused():
    with pytest.raises(MotoPatchError, match="no longer callable"):
        replaced(module(_get_s3_event=None), "_get_s3_event", signature="(event_name)")


def test_the_patches_were_checked_against_the_pinned_moto():
    # Given the moto requirements/dev.txt pins
    pins = re.findall(
        r"^moto(?:\[[^\]]*\])?==(\S+)", (ROOT / "requirements/dev.txt").read_text(), re.M
    )
    assert len(pins) == 1
    # Then the patches were read against it, the first version of their range: a new pin
    # means reading each patched name (local/lambdas.py, local/s3_server.py) again, then
    # moving the range
    pinned = tuple(int(part) for part in pins[0].split("."))
    assert pinned == CHECKED_FROM and CHECKED_FROM < CHECKED_BELOW
    assert "moto >=" + pins[0] + ",<" + ".".join(map(str, CHECKED_BELOW)) == CHECKED


def test_a_moto_outside_the_checked_versions_is_refused(monkeypatch):
    # Given a moto newer than the versions the patches were read against
    monkeypatch.setattr(moto_patches, "_installed", lambda: "5.3.0")

    # When a patch takes its original / Then it is refused, naming both versions
    with pytest.raises(MotoPatchError, match=r"moto 5\.3\.0 is installed.*>=5\.2\.5,<5\.3"):
        replaced(module(_get_s3_event=lambda event_name: None), "_get_s3_event")
