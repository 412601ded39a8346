"""An event put on the application's bus reaches its rule's target, the real handler."""

import json


def test_an_event_on_the_bus_invokes_the_rule_target(stack):
    # Given the campaign bus and its boundary-change rule from the template
    bus = stack.physical_id("CampaignBus")
    calls = stack.runtime.invocations.get("BoundaryChangeFunction", 0)
    detail = {
        "tenantId": "mz.rule",
        "campaignId": "campaign-1",
        "parentCampaignId": None,
        "hierarchyType": "ADMIN",
        "addedBoundaries": [{"code": "NDOPO_E47341", "type": "Locality"}],
    }
    # When a CampaignBoundariesChanged event is put on it
    answer = stack.client("events").put_events(
        Entries=[
            {
                "Source": "project-factory.campaigns",
                "DetailType": "CampaignBoundariesChanged",
                "Detail": json.dumps(detail),
                "EventBusName": bus,
            }
        ]
    )
    stack.settle()
    # Then the boundary-change function ran once with it
    assert answer["FailedEntryCount"] == 0
    assert stack.runtime.invocations["BoundaryChangeFunction"] == calls + 1


def test_an_event_of_another_type_does_not_match_the_rule(stack):
    # Given the campaign bus
    calls = stack.runtime.invocations.get("BoundaryChangeFunction", 0)
    # When an event of another detail-type is put on it
    stack.client("events").put_events(
        Entries=[
            {
                "Source": "project-factory.campaigns",
                "DetailType": "CampaignRenamed",
                "Detail": "{}",
                "EventBusName": stack.physical_id("CampaignBus"),
            }
        ]
    )
    stack.settle()
    # Then the rule's target is not invoked
    assert stack.runtime.invocations.get("BoundaryChangeFunction", 0) == calls
