"""The local stack's TransactWriteItems: moto's, with a rollback point of the items it names."""

import pytest
from moto import mock_aws

from local import moto_transactions
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"


@pytest.fixture
def table(monkeypatch):
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    # The patch replaces moto's method for the whole process; the test gives it back.
    monkeypatch.setattr(
        DynamoDBBackend, "transact_write_items", DynamoDBBackend.transact_write_items
    )
    monkeypatch.setattr(moto_transactions, "_installed", False)
    moto_transactions.install()

    def refuse_to_copy(self, memo):
        raise AssertionError("a table was deep-copied")

    with mock_aws():
        table = create_registry_table(TABLE)
        for n in range(50):
            table.put_item(Item={"pk": f"ENTITY#{n}", "sk": "E", "n": n})
        # Copying a table now fails the test: the rollback point must not need one.
        monkeypatch.setattr(Table, "__deepcopy__", refuse_to_copy, raising=False)
        yield table


def put(pk, condition="attribute_not_exists(pk)", **attributes):
    return {
        "Put": {
            "TableName": TABLE,
            "Item": {"pk": pk, "sk": "E"} | attributes,
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def everything(table):
    return sorted(
        (item["pk"], item.get("n"), item.get("new"))
        for item in table.scan(ConsistentRead=True)["Items"]
    )


def test_a_transaction_is_written_without_copying_the_table(table):
    # Given a table of 50 items
    # When a transaction adds two items and overwrites a third
    table.meta.client.transact_write_items(
        TransactItems=[
            put("NEW#1"),
            put("NEW#2"),
            put("ENTITY#7", condition="attribute_exists(pk)", n=7, new=True),
        ]
    )

    # Then all three are written and nothing else changed
    after = everything(table)
    assert len(after) == 52
    assert ("NEW#2", None, None) in after and ("ENTITY#7", 7, True) in after


def test_a_cancelled_transaction_leaves_every_item_as_it_was(table):
    # Given a table of 50 items
    before = everything(table)

    # When a transaction that adds one item, overwrites another and fails a third's
    # condition is sent
    with pytest.raises(table.meta.client.exceptions.TransactionCanceledException) as refused:
        table.meta.client.transact_write_items(
            TransactItems=[
                put("NEW#1"),
                put("ENTITY#3", condition="attribute_exists(pk)", new=True),
                put("ENTITY#4"),  # exists: its condition fails
            ]
        )

    # Then it is cancelled with moto's reasons, naming the failed item, and nothing changed
    reasons = refused.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "ConditionalCheckFailed"]
    assert reasons[2]["Item"]["pk"] == {"S": "ENTITY#4"}
    assert everything(table) == before


def test_the_patch_fails_at_install_when_moto_renames_the_method(monkeypatch):
    # Given a moto whose backend has no transact_write_items of that shape
    from moto.dynamodb.models import DynamoDBBackend

    from local.moto_patches import MotoPatchError

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", lambda self, items, extra: None)
    monkeypatch.setattr(moto_transactions, "_installed", False)

    # When / Then installing the patch fails, naming it
    with pytest.raises(MotoPatchError, match="transact_write_items"):
        moto_transactions.install()
