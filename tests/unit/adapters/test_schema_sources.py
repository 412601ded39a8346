import json

import pytest

from project_factory.adapters.schema_source import (
    BundledSchemaSource,
    MdmsSchemaSource,
    schema_source,
)
from project_factory.errors import InvalidSchemaError, NotFoundError, TransientError
from tests.fakes.digit_services import MDMS_SEARCH
from tests.support.settings import wired_settings

TENANT = "mz"
SCHEMA_CODE = "HCM-ADMIN-CONSOLE.adminSchema"


def record(title: str) -> dict:
    return {"title": title, "properties": {"stringProperties": [{"name": "NAME"}]}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- bundled ----------------------------------------------------------------------------------


@pytest.fixture
def schema_dir(tmp_path):
    (tmp_path / "facility.all.json").write_text(json.dumps(record("facility all")))
    (tmp_path / "facility.bednet.json").write_text(json.dumps(record("facility bednet")))
    return tmp_path


def test_bundled_source_reads_the_campaign_types_schema(schema_dir):
    # Given bundled schemas for facility.all and facility.bednet
    source = BundledSchemaSource(schema_dir)

    # When the bednet facility schema is asked for
    # Then that campaign type's own file is read
    assert source.get(TENANT, "facility", "bednet")["title"] == "facility bednet"


def test_bundled_source_falls_back_to_the_all_schema(schema_dir):
    # Given no facility schema for the smc campaign type
    source = BundledSchemaSource(schema_dir)

    # When it is asked for
    # Then the type's .all schema answers
    assert source.get(TENANT, "facility", "smc")["title"] == "facility all"


def test_bundled_source_reports_an_unknown_type_as_not_found(schema_dir):
    # Given no schema at all for a type
    source = BundledSchemaSource(schema_dir)

    # When it is asked for
    # Then it is not found
    with pytest.raises(NotFoundError, match="warehouse"):
        source.get(TENANT, "warehouse")


def test_bundled_source_refuses_a_schema_that_is_not_an_object(tmp_path):
    # Given a bundled schema file holding a list
    (tmp_path / "user.all.json").write_text("[]")

    # When it is read
    # Then it is reported as an invalid schema
    with pytest.raises(InvalidSchemaError):
        BundledSchemaSource(tmp_path).get(TENANT, "user")


def test_bundled_source_hands_out_copies_of_its_cached_schema(schema_dir):
    # Given a schema read once and altered by the caller
    source = BundledSchemaSource(schema_dir)
    source.get(TENANT, "facility")["title"] = "changed"

    # When it is read again
    # Then the cached schema is unaltered
    assert source.get(TENANT, "facility")["title"] == "facility all"


@pytest.mark.parametrize("resource_type", ["facility", "user", "boundary", "boundaryWithTarget"])
def test_the_packaged_schemas_are_readable(resource_type):
    # Given the schemas shipped in the package
    # When each type's schema is read for any campaign type
    schema = BundledSchemaSource().get(TENANT, resource_type, "bednet")

    # Then it is an adminSchema record with properties
    assert "properties" in schema


# -- MDMS -------------------------------------------------------------------------------------


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def mdms(client, clock):
    return MdmsSchemaSource(client, SCHEMA_CODE, ttl_seconds=300, clock=clock)


def test_mdms_source_returns_the_records_data(digit, mdms):
    # Given an MDMS record facility.all
    digit.set_schema("facility.all", record("from mdms"))

    # When the facility schema is asked for
    schema = mdms.get(TENANT, "facility")

    # Then the record's data comes back, searched by schema code and identifier
    assert schema == record("from mdms")
    criteria = digit.bodies(MDMS_SEARCH)[0]["MdmsCriteria"]
    assert criteria == {
        "tenantId": TENANT,
        "schemaCode": SCHEMA_CODE,
        "uniqueIdentifiers": ["facility.all"],
    }


def test_mdms_source_prefers_the_campaign_type_and_falls_back_to_all(digit, mdms):
    # Given MDMS records user.all and user.bednet
    digit.set_schema("user.all", record("user all"))
    digit.set_schema("user.bednet", record("user bednet"))

    # When bednet and smc user schemas are asked for
    # Then bednet has its own, smc falls back to all
    assert mdms.get(TENANT, "user", "bednet")["title"] == "user bednet"
    assert mdms.get(TENANT, "user", "smc")["title"] == "user all"


def test_mdms_source_caches_within_the_ttl(digit, mdms, clock):
    # Given an MDMS record read once
    digit.set_schema("facility.all", record("first"))
    mdms.get(TENANT, "facility")

    # When it is read again before the TTL ends, after MDMS changed
    digit.set_schema("facility.all", record("second"))
    clock.now += 299

    # Then the cached record answers without another call
    assert mdms.get(TENANT, "facility")["title"] == "first"
    assert digit.calls(MDMS_SEARCH) == 1


def test_mdms_source_fetches_again_after_the_ttl(digit, mdms, clock):
    # Given an MDMS record read once, then changed
    digit.set_schema("facility.all", record("first"))
    mdms.get(TENANT, "facility")
    digit.set_schema("facility.all", record("second"))

    # When it is read after the TTL
    clock.now += 301

    # Then the new record is fetched
    assert mdms.get(TENANT, "facility")["title"] == "second"
    assert digit.calls(MDMS_SEARCH) == 2


def test_mdms_source_caches_per_tenant(digit, mdms):
    # Given an MDMS record
    digit.set_schema("facility.all", record("shared"))

    # When two tenants ask for it
    mdms.get("mz", "facility")
    mdms.get("ng", "facility")

    # Then each tenant was fetched once
    assert digit.calls(MDMS_SEARCH) == 2


def test_mdms_source_reports_a_missing_record_as_not_found(mdms):
    # Given MDMS without a boundary schema
    # When it is asked for
    # Then it is not found
    with pytest.raises(NotFoundError, match=r"boundary\.all"):
        mdms.get(TENANT, "boundary")


def test_mdms_source_outage_is_transient(digit, mdms):
    # Given MDMS failing with 503
    digit.fail_next(MDMS_SEARCH, 1, status=503)

    # When a schema is asked for
    # Then the failure is transient
    with pytest.raises(TransientError, match="mdms-v2"):
        mdms.get(TENANT, "facility")


# -- choice by settings -----------------------------------------------------------------------


def test_settings_choose_the_bundled_source():
    # Given settings for bundled schemas
    # When the source is built
    # Then it reads bundled files
    assert isinstance(schema_source(wired_settings(schema_source="bundled")), BundledSchemaSource)


def test_settings_choose_mdms_and_the_source_is_kept_per_process(digit):
    # Given settings for MDMS
    settings = wired_settings(schema_source="mdms", mdms_url=digit.url)

    # When the source is built twice
    # Then it is one MDMS source, so its cache lives as long as the process
    assert isinstance(schema_source(settings), MdmsSchemaSource)
    assert schema_source(settings) is schema_source(settings)


def test_mdms_without_a_url_is_a_configuration_error():
    # Given settings for MDMS without its URL
    # When the source is built
    # Then it says what is missing
    with pytest.raises(ValueError, match="MDMS_URL"):
        schema_source(wired_settings(schema_source="mdms"))
