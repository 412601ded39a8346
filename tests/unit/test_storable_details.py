"""A caller's additionalDetails are checked as the store can keep them: a clear 400
INVALID_DETAILS up front, never a 500 from DynamoDB when the record is written."""

import pytest
from pydantic import ValidationError

from project_factory.domain.campaigns import CampaignInput
from project_factory.domain.details import MAX_DETAILS_BYTES
from project_factory.domain.resources import ResourceDetailsInput
from project_factory.http_api import validation_error


def _resource(details: dict) -> ResourceDetailsInput:
    return ResourceDetailsInput.model_validate(
        {
            "type": "facility",
            "tenantId": "mz",
            "fileStoreId": "f-1",
            "action": "create",
            "hierarchyType": "ADMIN",
            "additionalDetails": details,
        }
    )


def _refusal(details: dict) -> dict:
    with pytest.raises(ValidationError) as refused:
        _resource(details)
    status, body = validation_error(refused.value)
    assert status == 400
    return body["Errors"][0]


def test_details_the_store_can_keep_are_accepted_as_given():
    # Given details with nested maps, lists, big and small numbers
    details = {"source": "HCM", "n": [1, 2.5, -3e120, 1e-129], "m": {"ok": True, "x": None}}
    # When / Then they are kept as they are
    assert _resource(details).additionalDetails == details


@pytest.mark.parametrize(
    "details",
    [{"": 1}, {"a": {"": None}}, {"a": [{"": True}]}],
    ids=["top-level", "nested", "in-a-list"],
)
def test_an_empty_key_is_invalid_details(details):
    # When details carry an empty key / Then the error says so, with its code
    error = _refusal(details)
    assert error["code"] == "INVALID_DETAILS"
    assert "empty" in error["message"]
    assert error["params"] == ["additionalDetails"]


@pytest.mark.parametrize(
    "number", [1.1680531840743481e257, -2.225073858507e-311, 10**40 + 1, float("inf")]
)
def test_a_number_dynamodb_cannot_hold_exactly_is_invalid_details(number):
    # When a number is out of DynamoDB's range or precision / Then INVALID_DETAILS
    error = _refusal({"n": {"deep": [number]}})
    assert error["code"] == "INVALID_DETAILS"


def test_details_larger_than_the_limit_are_invalid_details():
    # When the details are larger than MAX_DETAILS_BYTES as JSON
    error = _refusal({"blob": "x" * MAX_DETAILS_BYTES})
    # Then INVALID_DETAILS names the limit
    assert error["code"] == "INVALID_DETAILS"
    assert f"{MAX_DETAILS_BYTES:,}" in error["message"]


def test_a_campaigns_resources_with_an_empty_type_is_invalid_details():
    # When a campaign's resources have an empty key
    with pytest.raises(ValidationError) as refused:
        CampaignInput.model_validate(
            {
                "tenantId": "mz",
                "hierarchyType": "ADMIN",
                "name": "Bednets",
                "boundaries": [{"code": "MZ", "type": "Country"}],
                "resources": {"": ["f-1"]},
            }
        )
    # Then INVALID_DETAILS, for the resources field
    assert validation_error(refused.value)[1]["Errors"][0]["code"] == "INVALID_DETAILS"
