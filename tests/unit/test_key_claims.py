"""The claims store: one owner per business key, by conditional writes (one PutItem, or a
batch's in one transaction)."""

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from project_factory.adapters.dynamo_key_claims import DynamoKeyClaims
from project_factory.adapters.key_claims import ClaimRequest, key_pk
from project_factory.errors import TransientError
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"
DAY_MS = 24 * 3600 * 1000
NOW_S = 1_800_000_000.0


@pytest.fixture
def table():
    with mock_aws():
        yield create_registry_table(TABLE)


def store(table, now=NOW_S):
    return DynamoKeyClaims(table, clock=lambda: now)


def claim_item(table, key, kind="facility"):
    return table.get_item(Key={"pk": key_pk(TENANT, kind, key), "sk": "KEY"}).get("Item")


def test_the_first_reference_owns_a_free_key(table):
    # Given a free key
    # When a reference claims it
    claims = store(table).claim(
        TENANT, "facility", [ClaimRequest("depot", "res-1:1", {"id": "F-1"})]
    )

    # Then it owns it, nothing was there before, and the claim records it with its attributes
    assert (claims["depot"].won, claims["depot"].owner, dict(claims["depot"].item)) == (
        True,
        "res-1:1",
        {},
    )
    item = claim_item(table, "depot")
    assert (item["clientReferenceId"], item["id"], item["claimedAt"]) == (
        "res-1:1",
        "F-1",
        NOW_S * 1000,
    )


def test_another_reference_is_refused_and_told_the_owner(table):
    # Given a key owned by res-1:1
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-1:1", {"id": "F-1"})])

    # When res-2:1 claims it
    answer = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1", {"id": "F-2"})])

    # Then it is refused, told the owner and the owner's id, and the claim is unchanged
    assert (answer["depot"].won, answer["depot"].owner, answer["depot"].owner_id) == (
        False,
        "res-1:1",
        "F-1",
    )
    assert claim_item(table, "depot")["id"] == "F-1"


def test_the_owner_claims_again_and_gets_what_its_claim_held(table):
    # Given a key claimed by res-1:1 with a username
    claims = store(table)
    claims.claim(TENANT, "user", [ClaimRequest("9876543210", "res-1:1", {"username": "USR-1"})])

    # When the same reference claims it again (a retry)
    again = claims.claim(TENANT, "user", [ClaimRequest("9876543210", "res-1:1")])

    # Then it still owns it and learns the username its earlier claim recorded
    assert again["9876543210"].won is True
    assert again["9876543210"].item["username"] == "USR-1"


def test_the_owner_is_read_when_the_refusal_does_not_carry_it(table):
    # Given a key owned by res-1:1, and a store whose refusals come without the item
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-1:1", {"id": "F-1"})])
    put = table.meta.client.put_item

    def put_without_item(**arguments):
        arguments.pop("ReturnValuesOnConditionCheckFailure", None)
        return put(**arguments)

    claims._client = type("Client", (), {"put_item": staticmethod(put_without_item)})()

    # When res-2:1 claims it
    answer = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1")])

    # Then the owner is read from the table
    assert (answer["depot"].won, answer["depot"].owner_id) == (False, "F-1")


def test_many_keys_are_claimed_in_one_call(table):
    # Given 30 free keys and one already owned by someone else
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("k07", "other:1")])
    requests = [ClaimRequest(f"k{n:02d}", f"res-1:{n}") for n in range(30)]

    # When they are claimed together
    answer = claims.claim(TENANT, "facility", requests)

    # Then every key is answered, all won but the one owned by another
    assert sorted(answer) == sorted(r.key for r in requests)
    assert [key for key, claim in answer.items() if not claim.won] == ["k07"]


def operations_of(table):
    """The DynamoDB operations the table's client sends, in order (a list that grows)."""
    sent = []
    table.meta.client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: sent.append(model.name)
    )
    return sent


def before_transaction(table, number, act):
    """Runs `act` just before the table's client sends its `number`th TransactWriteItems;
    the operations it sends (a list that grows)."""
    sent = operations_of(table)

    def hook(model, **_):
        if model.name == "TransactWriteItems" and sent.count("TransactWriteItems") == number:
            act()

    table.meta.client.meta.events.register("before-call.dynamodb.*", hook)
    return sent


def another_client():
    """A claims store on a client of its own (another upload's, or a twin invocation's)."""
    return DynamoKeyClaims(boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE))


def test_a_batch_of_free_keys_is_claimed_with_one_transaction_and_no_read(table):
    # Given 100 free keys
    claims = store(table)
    sent = operations_of(table)
    requests = [ClaimRequest(f"k{n:03d}", f"res-1:{n}", {"id": f"F-{n}"}) for n in range(100)]

    # When they are claimed together
    answer = claims.claim(TENANT, "facility", requests)

    # Then one transaction claimed them all, each with its attributes, and nothing was read
    assert sent == ["TransactWriteItems"]
    assert all(claim.won and claim.item == {} for claim in answer.values()) and len(answer) == 100
    assert claim_item(table, "k042")["id"] == "F-42"


def test_more_keys_than_a_transaction_holds_are_claimed_in_groups(table):
    # Given 250 free keys
    claims = store(table)
    sent = operations_of(table)

    # When they are claimed together
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest(f"k{n:03d}", f"res-1:{n}") for n in range(250)]
    )

    # Then three groups of at most 100 were claimed, each with one transaction
    assert sent == ["TransactWriteItems"] * 3
    assert sum(claim.won for claim in answer.values()) == 250


def test_a_batch_retried_by_its_owner_gets_what_each_claim_held(table):
    # Given two keys claimed by their rows with usernames, and one free key
    claims = store(table)
    claims.claim(
        TENANT,
        "user",
        [ClaimRequest(f"98765432{n}0", f"res-1:{n}", {"username": f"USR-{n}"}) for n in (1, 2)],
    )

    # When the batch is claimed again with a third row (a retry of a grown batch)
    again = claims.claim(
        TENANT, "user", [ClaimRequest(f"98765432{n}0", f"res-1:{n}") for n in (1, 2, 3)]
    )

    # Then all are won, the first two with the usernames their claims held
    assert [again[f"98765432{n}0"].item.get("username") for n in (1, 2, 3)] == [
        "USR-1",
        "USR-2",
        None,
    ]
    assert all(claim.won for claim in again.values())


def test_a_key_taken_just_before_the_transaction_goes_to_its_taker(table):
    # Given 20 free keys, one of which another upload claims just before the transaction
    claims = store(table)
    rival = another_client()
    sent = before_transaction(
        table,
        1,
        lambda: rival.claim(
            TENANT, "facility", [ClaimRequest("k05", "other:5", {"id": "F-other"})]
        ),
    )

    # When the 20 are claimed together
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest(f"k{n:02d}", f"res-1:{n}") for n in range(20)]
    )

    # Then the taker keeps its key, named as the owner, and the 19 others are claimed by a
    # second transaction
    assert (answer["k05"].won, answer["k05"].owner, answer["k05"].owner_id) == (
        False,
        "other:5",
        "F-other",
    )
    assert sorted(key for key, claim in answer.items() if claim.won) == sorted(
        f"k{n:02d}" for n in range(20) if n != 5
    )
    assert sent.count("TransactWriteItems") == 2
    assert claim_item(table, "k05")["clientReferenceId"] == "other:5"


def conditions_sent(table):
    """(condition, values) of each Put of each TransactWriteItems the client sends."""
    sent = []

    def record(params, **_):
        sent.extend(
            (action["Put"]["ConditionExpression"], action["Put"].get("ExpressionAttributeValues"))
            for action in params["TransactItems"]
        )

    table.meta.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", record
    )
    return sent


def test_new_keys_are_claimed_under_one_condition_with_no_values(table):
    # Given 100 free keys
    claims = store(table)
    sent = conditions_sent(table)

    # When they are claimed together
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest(f"k{n:03d}", f"res-1:{n}") for n in range(100)]
    )

    # Then every Put carries the same expression, naming no value (an emulator parses it
    # once), and all are won
    assert len(sent) == 100 and set(sent) == {("attribute_not_exists(pk)", None)}
    assert all(claim.won for claim in answer.values())


def test_a_retried_key_is_claimed_again_under_its_own_reference(table):
    # Given a key its row claimed, and a free one
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("k1", "res-1:1", {"id": "F-1"})])
    sent = conditions_sent(table)

    # When the row claims it again with a new row beside it
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest("k1", "res-1:1"), ClaimRequest("k2", "res-1:2")]
    )

    # Then the first transaction, which expected both free, was cancelled by the row's own
    # claim, and the second expected the row's claim on it and none on the other; both win,
    # the retried one with what its claim held
    assert sent == [
        ("attribute_not_exists(pk)", None),
        ("attribute_not_exists(pk)", None),
        ("clientReferenceId = :ref", {":ref": "res-1:1"}),
        ("attribute_not_exists(pk)", None),
    ]
    assert (answer["k1"].won, answer["k1"].item.get("id"), answer["k2"].won) == (True, "F-1", True)


def test_a_key_its_own_twin_claims_just_before_the_transaction_is_won(table):
    # Given 20 free keys, one of which a twin invocation of the same row claims just
    # before the transaction (a Lambda retried while the first still runs)
    claims = store(table)
    twin = another_client()
    sent = before_transaction(
        table, 1, lambda: twin.claim(TENANT, "facility", [ClaimRequest("k05", "res-1:5")])
    )

    # When the 20 are claimed together
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest(f"k{n:02d}", f"res-1:{n}") for n in range(20)]
    )

    # Then the twin's key is the row's own (won, not refused by its own claim), and all 20
    # are claimed by a second transaction
    assert (answer["k05"].won, answer["k05"].owner) == (True, "res-1:5")
    assert all(claim.won for claim in answer.values()) and len(answer) == 20
    assert sent.count("TransactWriteItems") == 2
    assert claim_item(table, "k19")["clientReferenceId"] == "res-1:19"


def test_a_batch_another_upload_holds_is_refused_by_one_transaction(table):
    # Given 20 keys another upload holds
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest(f"k{n:02d}", f"other:{n}") for n in range(20)])
    sent = operations_of(table)

    # When this upload's rows claim them
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest(f"k{n:02d}", f"res-1:{n}") for n in range(20)]
    )

    # Then one cancelled transaction names every owner, and nothing more is sent
    assert sent == ["TransactWriteItems"]
    assert [(claim.won, claim.owner) for claim in answer.values()] == [
        (False, f"other:{n}") for n in range(20)
    ]


def test_a_retried_key_released_meanwhile_is_claimed_anew(table):
    # Given a key its row claimed, whose claim is released just before the row's second
    # transaction (the one that expects the row's own claim there)
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("k1", "res-1:1", {"id": "F-1"})])
    sent = before_transaction(table, 2, lambda: claims.release(TENANT, "facility", "k1", "res-1:1"))

    # When the row claims it again with a new row beside it
    answer = claims.claim(
        TENANT, "facility", [ClaimRequest("k1", "res-1:1"), ClaimRequest("k2", "res-1:2")]
    )

    # Then a third transaction claims both as new: nothing held before, the row owns k1
    assert sent.count("TransactWriteItems") == 3
    assert (answer["k1"].won, dict(answer["k1"].item), answer["k2"].won) == (True, {}, True)
    assert claim_item(table, "k1")["clientReferenceId"] == "res-1:1"


def cancelled(stubber, *codes):
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


@pytest.mark.parametrize("code", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_a_transaction_cancelled_as_throttled_is_a_transient_error(code):
    # Given DynamoDB cancels the claims' transaction because it is throttled
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        cancelled(stubber, "None", code)

        # When / Then the claim raises TransientError, for the flow's retry
        with pytest.raises(TransientError, match=code):
            store(table).claim(
                TENANT, "facility", [ClaimRequest("a", "res-1:1"), ClaimRequest("b", "res-1:2")]
            )


def test_a_transaction_cancelled_by_a_conflicting_one_is_sent_again():
    # Given DynamoDB cancels the claims' transaction once, for another one on the same keys
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        cancelled(stubber, "TransactionConflict", "None")
        stubber.add_response("transact_write_items", {})

        # When the keys are claimed
        answer = store(table).claim(
            TENANT, "facility", [ClaimRequest("a", "res-1:1"), ClaimRequest("b", "res-1:2")]
        )

        # Then the second transaction claims both
        assert {key: claim.won for key, claim in answer.items()} == {"a": True, "b": True}
        stubber.assert_no_pending_responses()


def test_a_transaction_cancelled_as_malformed_is_raised():
    # Given DynamoDB cancels the claims' transaction because a claim is invalid
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        cancelled(stubber, "ValidationError", "None")

        # When / Then the cancellation is raised as it is: a defect, not a race nor an outage
        with pytest.raises(Exception, match="TransactionCanceledException") as raised:
            store(table).claim(
                TENANT, "facility", [ClaimRequest("a", "res-1:1"), ClaimRequest("b", "res-1:2")]
            )
        assert not isinstance(raised.value, TransientError)


def test_one_call_refuses_the_same_key_twice(table):
    # Given / When two requests of one call name one key / Then the call is refused
    with pytest.raises(ValueError, match="one request per call"):
        store(table).claim(TENANT, "facility", [ClaimRequest("k", "a:1"), ClaimRequest("k", "b:1")])


def test_release_frees_only_the_owners_key(table):
    # Given a key owned by res-1:1
    claims = store(table)
    claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-1:1")])

    # When another reference releases it, then the owner does
    claims.release(TENANT, "facility", "depot", "res-2:1")
    kept = claim_item(table, "depot")
    claims.release(TENANT, "facility", "depot", "res-1:1")

    # Then only the owner's release freed it
    assert kept["clientReferenceId"] == "res-1:1"
    assert claim_item(table, "depot") is None


def test_a_stale_claim_is_taken_over(table):
    # Given a key claimed more than a day ago by a reference that made no record
    store(table, now=NOW_S - 2 * 86400).claim(TENANT, "facility", [ClaimRequest("depot", "dead:1")])
    claims = store(table)
    [held] = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1")]).values()

    # When another reference takes it over
    taken = claims.take_over_stale(TENANT, "facility", ClaimRequest("depot", "res-2:1"), held)

    # Then it owns the key now
    assert taken is True
    assert claim_item(table, "depot")["clientReferenceId"] == "res-2:1"


def test_a_fresh_claim_is_not_taken_over(table):
    # Given a key claimed an hour ago
    store(table, now=NOW_S - 3600).claim(TENANT, "facility", [ClaimRequest("depot", "busy:1")])
    claims = store(table)
    [held] = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1")]).values()

    # When another reference tries to take it over
    taken = claims.take_over_stale(TENANT, "facility", ClaimRequest("depot", "res-2:1"), held)

    # Then the owner keeps it
    assert taken is False
    assert claim_item(table, "depot")["clientReferenceId"] == "busy:1"


def test_a_stale_claim_renewed_meanwhile_is_not_taken_over(table):
    # Given a stale claim read by res-2:1, then claimed again by its owner (its retry)
    store(table, now=NOW_S - 2 * 86400).claim(TENANT, "facility", [ClaimRequest("depot", "slow:1")])
    claims = store(table)
    [held] = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1")]).values()
    claims.claim(TENANT, "facility", [ClaimRequest("depot", "slow:1")])

    # When res-2:1 tries to take it over with what it read
    taken = claims.take_over_stale(TENANT, "facility", ClaimRequest("depot", "res-2:1"), held)

    # Then the owner keeps it
    assert taken is False
    assert claim_item(table, "depot")["clientReferenceId"] == "slow:1"


def test_an_undated_claim_is_never_taken_over(table):
    # Given a claim written before claims were dated
    table.put_item(
        Item={"pk": key_pk(TENANT, "facility", "depot"), "sk": "KEY", "clientReferenceId": "old:1"}
    )
    claims = store(table, now=NOW_S + 365 * 86400)
    [held] = claims.claim(TENANT, "facility", [ClaimRequest("depot", "res-2:1")]).values()

    # When another reference tries to take it over
    # Then it is refused
    assert (
        claims.take_over_stale(TENANT, "facility", ClaimRequest("depot", "res-2:1"), held) is False
    )


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_a_throttled_claim_is_a_transient_error(code):
    # Given DynamoDB throttles the conditional PutItem
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        stubber.add_client_error("put_item", service_error_code=code, http_status_code=400)

        # When / Then the claim raises TransientError
        with pytest.raises(TransientError, match=code):
            store(table).claim(TENANT, "facility", [ClaimRequest("depot", "res-1:1")])


def test_a_refusal_other_than_the_condition_is_raised():
    # Given DynamoDB refuses the PutItem as malformed
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        stubber.add_client_error("put_item", service_error_code="ValidationException")

        # When / Then the claim raises it as it is, not as transient nor as lost
        with pytest.raises(Exception, match="ValidationException") as raised:
            store(table).claim(TENANT, "facility", [ClaimRequest("depot", "res-1:1")])
        assert not isinstance(raised.value, TransientError)
