"""The local stack's condition parse: moto's, once per (expression, names, values)."""

import pytest
from moto import mock_aws

from local import moto_conditions
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
UNCLAIMED_OR_OURS = "attribute_not_exists(pk) OR clientReferenceId = :ref"


@pytest.fixture
def parses(monkeypatch):
    """The texts moto's own parser was given, with the patch installed over it."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser.parse
    seen: list[str] = []

    def counted(self):
        seen.append(self.condition_expression)
        return original(self)

    # The patch replaces moto's method for the whole process; the test gives it back.
    monkeypatch.setattr(ConditionExpressionParser, "parse", counted)
    monkeypatch.setattr(moto_conditions, "_installed", False)
    moto_conditions.install()
    return seen


@pytest.fixture
def table():
    with mock_aws():
        yield create_registry_table(TABLE)


def claim(pk, ref):
    return {
        "Put": {
            "TableName": TABLE,
            "Item": {"pk": pk, "sk": "KEY", "clientReferenceId": ref},
            "ConditionExpression": UNCLAIMED_OR_OURS,
            "ExpressionAttributeValues": {":ref": ref},
        }
    }


def test_a_transaction_parses_each_items_condition_once(parses, table):
    # Given ten claims, each with its own reference
    claims = [claim(f"KEY#{n}", f"ref-{n}") for n in range(10)]

    # When they are written in one transaction
    table.meta.client.transact_write_items(TransactItems=claims)

    # Then moto parsed each condition once (not three times), and all ten are written
    assert parses == [UNCLAIMED_OR_OURS] * 10
    assert table.scan(ConsistentRead=True)["Count"] == 10


def test_a_kept_parse_answers_for_its_own_values_only(parses, table):
    # Given a key claimed by ref-1
    table.put_item(
        Item={"pk": "KEY#a", "sk": "KEY", "clientReferenceId": "ref-1"},
        ConditionExpression=UNCLAIMED_OR_OURS,
        ExpressionAttributeValues={":ref": "ref-1"},
    )

    # When ref-1 writes it again (its retry), and then ref-2 tries
    table.put_item(
        Item={"pk": "KEY#a", "sk": "KEY", "clientReferenceId": "ref-1", "again": True},
        ConditionExpression=UNCLAIMED_OR_OURS,
        ExpressionAttributeValues={":ref": "ref-1"},
    )
    with pytest.raises(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.put_item(
            Item={"pk": "KEY#a", "sk": "KEY", "clientReferenceId": "ref-2"},
            ConditionExpression=UNCLAIMED_OR_OURS,
            ExpressionAttributeValues={":ref": "ref-2"},
        )

    # Then the retry was let in and the other reference refused; one parse per value
    item = table.get_item(Key={"pk": "KEY#a", "sk": "KEY"}, ConsistentRead=True)["Item"]
    assert item["clientReferenceId"] == "ref-1" and item["again"] is True
    assert parses == [UNCLAIMED_OR_OURS, UNCLAIMED_OR_OURS]


def test_a_kept_parse_still_counts_the_values_its_condition_uses(parses, table):
    # Given an update whose condition uses :ref, and a second value :unused used nowhere
    def update(**extra):
        table.update_item(
            Key={"pk": "KEY#b", "sk": "KEY"},
            UpdateExpression="SET clientReferenceId = :ref",
            ConditionExpression=UNCLAIMED_OR_OURS,
            ExpressionAttributeValues={":ref": "ref-1"} | extra,
        )

    # When it is sent twice as it is (the second parse is the kept one)
    update()
    update()

    # Then neither is refused for :ref, and the one with :unused is refused, naming it
    with pytest.raises(table.meta.client.exceptions.ClientError, match="unused"):
        update(**{":unused": "x"})
    assert parses.count(UNCLAIMED_OR_OURS) == 2  # one per distinct set of values


def test_the_patch_fails_at_install_when_moto_changes_the_parser(monkeypatch):
    # Given a moto whose parser's parse takes another shape
    from moto.dynamodb.comparisons import ConditionExpressionParser

    from local.moto_patches import MotoPatchError

    monkeypatch.setattr(ConditionExpressionParser, "parse", lambda self, extra: None)
    monkeypatch.setattr(moto_conditions, "_installed", False)

    # When / Then installing the patch fails, naming it
    with pytest.raises(MotoPatchError, match="parse"):
        moto_conditions.install()
