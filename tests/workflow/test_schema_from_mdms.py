"""Schemas from DIGIT MDMS: a valid one is used; one that is not a valid JSON Schema is a 500
with a clear code, and nothing is stored or started."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.fakes.digit_server import FakeDigit

BUNDLED = Path(__file__).resolve().parents[2] / "layers/common/project_factory/data/schemas"


@pytest.fixture(scope="module")
def digit() -> Iterator[FakeDigit]:
    with FakeDigit(lifetime_seconds=600) as fake:
        fake.set_schema("facility.all", json.loads((BUNDLED / "facility.all.json").read_text()))
        yield fake


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    return {"SchemaSource": "mdms", "MdmsUrl": digit.url}


def test_a_schema_from_mdms_validates_and_creates_the_rows(client):
    # Given MDMS serving the facility schema
    rows = facility_rows(3, invalid=0)
    # When a facility file is created
    accepted = client.create(client.upload(workbook_from_rows(FACILITY, rows)), "facility")
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then the rows are created with it
    assert resource["status"] == "created"


def test_a_schema_that_is_not_valid_json_schema_is_a_500_and_stores_nothing(client, digit):
    # Given MDMS serving a user schema whose name column has a negative minimum length
    broken = json.loads((BUNDLED / "user.all.json").read_text())
    for column in broken["properties"]["stringProperties"]:
        column["minLength"] = -5
    digit.set_schema("user.all", broken)
    # When a user file is submitted
    answer = client.create(client.upload(b"any file"), "user")
    # Then the answer is a 500 with the schema's code, and no resource exists
    assert answer.status_code == 500
    assert answer.json()["Errors"][0]["code"] == "INVALID_SCHEMA"
    assert client.search().json()["ResourceDetails"] == []
