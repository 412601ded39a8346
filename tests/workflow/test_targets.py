"""Campaign targets (#13): a target template filled on every tab, created in the built-in
store per campaign, boundary and column, answered by campaign search, set again by a later
upload, refused where wrong, planned by a dry run, and stored once under injected faults."""

import pytest

from local.fault_injection import CRASH, THROTTLE, MotoFaults
from local.lambdas import set_fault_hook
from tests.support.checks import header
from tests.support.targets import (
    BOUNDARY,
    DISTRICTS,
    HOUSEHOLDS,
    TARGET,
    campaign_details,
    every_target,
    filled,
    localities,
    run_targets,
    tab_rows,
    target_template,
    with_row_added,
)

#: CRASH: a seed whose first draw kills the (one chunk's) first Create invocation.
SEEDS = {THROTTLE: 7, CRASH: 31}


@pytest.fixture
def campaign(client):
    answer = client.campaign("create", campaign_details())
    assert answer.status_code == 200, answer.text
    return answer.json()["CampaignDetails"]


def _searched_targets(client, campaign_id):
    answer = client.campaign("search", {"ids": [campaign_id], "includeTargets": True})
    assert answer.status_code == 200, answer.text
    [found] = answer.json()["CampaignDetails"]
    return {item["boundaryCode"]: item["targets"] for item in found["targets"]}


def _expected(codes):
    return {code: every_target(code) for code in codes}


def test_targets_filled_on_every_tab_are_created_and_answered_by_campaign_search(client, campaign):
    # Given the campaign's target template, one tab per district, every locality filled
    template = target_template(client, campaign["id"])
    codes = [code for district in DISTRICTS for code in localities(district)]
    # When it is uploaded and created
    resource = run_targets(client, filled(template, every_target), campaign["id"])
    # Then every row on every tab is CREATED, and the counts say so
    assert resource["status"] == "created", resource["additionalDetails"]
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert sorted(rows) == sorted(codes)
    assert {row["#status#"] for row in rows.values()} == {"CREATED"}
    assert len({row["tab"] for row in rows.values()}) == len(DISTRICTS)
    assert resource["additionalDetails"]["counts"]["created"] == len(codes)
    # And campaign search answers each boundary's targets, per column
    assert _searched_targets(client, campaign["id"]) == _expected(codes)


def test_a_later_upload_updates_the_changed_targets_and_skips_the_same_ones(client, campaign):
    # Given targets created for the campaign
    template = target_template(client, campaign["id"])
    first = run_targets(client, filled(template, every_target), campaign["id"])
    assert first["status"] == "created", first["additionalDetails"]
    changed = localities(DISTRICTS[1])[0]

    def one_changed(code):
        return every_target(code) | ({TARGET: 999_999} if code == changed else {})

    # When the template is filled again with one target changed, and uploaded
    again = run_targets(client, filled(template, one_changed), campaign["id"])
    # Then that row is UPDATED, the others SKIPPED, and search holds the new value
    assert again["status"] == "created", again["additionalDetails"]
    statuses = {
        code: row["#status#"]
        for code, row in tab_rows(client.download(again["processedFileStoreId"])).items()
    }
    assert statuses.pop(changed) == "UPDATED"
    assert statuses and set(statuses.values()) == {"SKIPPED"}
    counts = again["additionalDetails"]["counts"]
    assert (counts["updated"], counts["skipped"], counts["created"]) == (1, len(statuses), 0)
    assert _searched_targets(client, campaign["id"])[changed][TARGET] == 999_999


def test_targets_out_of_bounds_or_outside_the_campaign_are_invalid_naming_the_tab(client, campaign):
    # Given a template with one target too large, one not a whole number, and a row added
    # on a tab for a boundary outside the campaign
    template = target_template(client, campaign["id"])
    too_large, fraction = localities(DISTRICTS[0])[:2]

    def wrong(code):
        if code == too_large:
            return {TARGET: 1_000_001}
        if code == fraction:
            return {TARGET: 12.5}
        return every_target(code)

    outside = localities("KOLO_F765D1")[0]
    upload = with_row_added(filled(template, wrong), {BOUNDARY: outside, TARGET: 10})
    # When it is created
    resource = run_targets(client, upload, campaign["id"])
    # Then those rows are INVALID with the column's bounds or the campaign's boundaries,
    # the file stores nothing, and the stored row errors name each row's tab
    assert resource["status"] == "invalid", resource["additionalDetails"]
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert rows[too_large]["#status#"] == "INVALID"
    assert "1000000" in rows[too_large]["#errorDetails#"]
    assert rows[fraction]["#status#"] == "INVALID"
    assert header(TARGET) in rows[fraction]["#errorDetails#"]
    assert rows[outside]["#status#"] == "INVALID"
    assert outside in rows[outside]["#errorDetails#"]
    wrong_rows = (too_large, fraction, outside)
    assert {row["#status#"] for code, row in rows.items() if code not in wrong_rows} == {"VALID"}
    errors = resource["additionalDetails"]["rowErrors"]
    assert {error["sheet"] for error in errors} == {rows[too_large]["tab"]}
    assert all(isinstance(error["row"], int) and error["row"] < 1000 for error in errors)
    assert _searched_targets(client, campaign["id"]) == {}


def test_a_target_file_without_a_campaign_is_refused(client):
    # When a target file is created without a campaign
    answer = client.create(client.upload(b"PK"), "boundaryWithTarget")
    # Then it is a 400 naming the missing campaign, and nothing is stored
    assert answer.status_code == 400, answer.text
    assert answer.json()["Errors"][0]["code"] == "CAMPAIGN_REQUIRED"


def test_a_dry_run_of_targets_plans_each_row_and_stores_nothing(client, campaign):
    # Given a filled target template
    template = target_template(client, campaign["id"])
    # When it is validated only
    resource = run_targets(
        client, filled(template, every_target), campaign["id"], action="validate"
    )
    # Then each row plans a create, and no target is stored
    assert resource["status"] == "validated", resource["additionalDetails"]
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert rows and {row["#plan#"] for row in rows.values()} == {"create"}
    assert resource["additionalDetails"]["plan"] == {"create": len(rows)}
    assert _searched_targets(client, campaign["id"]) == {}


@pytest.mark.parametrize("kind", [THROTTLE, CRASH])
def test_targets_under_injected_faults_are_each_stored_once(client, stack, campaign, kind):
    # Given a filled target template, created while 10% of the registry's calls are
    # throttled (or the Create step dies midway)
    template = target_template(client, campaign["id"])
    codes = [code for district in DISTRICTS for code in localities(district)]
    faults = MotoFaults(registry_table=stack.physical_id("RegistryTable"))
    set_fault_hook(faults)
    try:
        faults.inject(kind, rate=0.1, seed=SEEDS[kind])
        resource = run_targets(client, filled(template, every_target), campaign["id"])
    finally:
        set_fault_hook(None)
    # Then faults happened, and yet every row is CREATED once, each target stored once
    assert faults.injected[kind] > 0
    assert resource["status"] == "created", resource["additionalDetails"]
    rows = tab_rows(client.download(resource["processedFileStoreId"]))
    assert sorted(rows) == sorted(codes)
    assert {row["#status#"] for row in rows.values()} == {"CREATED"}
    assert _searched_targets(client, campaign["id"]) == _expected(codes)


def test_a_child_campaigns_target_template_starts_from_the_created_targets(client, stack, campaign):
    # Given the parent's targets created
    template = target_template(client, campaign["id"])
    created = run_targets(client, filled(template, every_target), campaign["id"])
    assert created["status"] == "created", created["additionalDetails"]
    # When a child campaign adds a district
    child = client.campaign(
        "create",
        {
            "name": "Bednets 2026, wave 2",
            "hierarchyType": "ADMIN",
            "parentId": campaign["id"],
            "boundaries": [{"code": "KOLO_F765D1", "type": "District", "includeAllChildren": True}],
            "additionalDetails": campaign["additionalDetails"],
        },
    )
    assert child.status_code == 200, child.text
    stack.settle()
    # Then its target template holds the parent's targets in the parent's rows
    rows = tab_rows(target_template(client, child.json()["CampaignDetails"]["id"]))
    kept = localities(DISTRICTS[0])[0]
    assert rows[kept][header(TARGET)] == every_target(kept)[TARGET]
    assert rows[kept][header(HOUSEHOLDS)] == every_target(kept)[HOUSEHOLDS]
    assert any(row[header(BOUNDARY)] in localities("KOLO_F765D1") for row in rows.values())
