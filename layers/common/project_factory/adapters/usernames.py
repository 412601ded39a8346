"""Readable usernames, unique per tenant: a pattern over a per-tenant sequence.

Field workers type their username on a phone, so it is short and readable
(`USR-MZ-000042`), never a row reference. The sequence is one DynamoDB item per tenant
(`SEQ#<tenant>#user` in the registry table) advanced with an atomic ADD, which reserves a
block of numbers per call: numbers of rows that end up not created are skipped, which is
fine for usernames. The names are given out when a file is validated and travel with the
rows, so every retry sends the same one; a row of a file validated before usernames were
given out at validation gets one when the registry writes it (`fill_in`).
"""

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.settings import check_username_pattern

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

DEFAULT_USERNAME_PATTERN = "USR-{tenant}-{sequence:06d}"
#: Blocks grow from the first to the last size: a small file leaves a small gap.
_FIRST_BLOCK, _LAST_BLOCK = 8, 1024


def tenant_short(tenant_id: str) -> str:
    """`pb.amritsar` -> `PB`: the state part, upper case, safe in a username."""
    short = re.sub(r"[^A-Z0-9]", "", tenant_id.split(".")[0].upper())[:6]
    return short or "T"


class UsernameAllocator:
    def __init__(self, table: "Table", pattern: str) -> None:
        self._table = table
        self._pattern = check_username_pattern(pattern)

    def allocate(self, tenant_id: str, count: int) -> list[str]:
        """`count` new usernames of the tenant, in sequence order."""
        if count <= 0:
            return []
        with outage_is_transient("username sequence"):
            response = self._table.update_item(
                Key={"pk": f"SEQ#{tenant_id}#user", "sk": "SEQ"},
                UpdateExpression="ADD lastValue :count",
                ExpressionAttributeValues={":count": count},
                ReturnValues="UPDATED_NEW",
            )
        # ADD keeps lastValue a number, which the table resource reads as a Decimal.
        last = int(cast(Decimal, response["Attributes"]["lastValue"]))
        tenant = tenant_short(tenant_id)
        return [
            self._pattern.format(tenant=tenant, sequence=number)
            for number in range(last - count + 1, last + 1)
        ]

    def fill_in(self, tenant_id: str, carried: Sequence[str | None]) -> list[str]:
        """Each row's username: the one it carries (a retry keeps its own), else a new one,
        given out in the rows' order by one allocation."""
        new = iter(self.allocate(tenant_id, sum(1 for username in carried if not username)))
        return [username or next(new) for username in carried]

    def stream(self, tenant_id: str) -> Iterator[str]:
        """Usernames one by one, for a file of unknown length: reserved in blocks that
        double, so a file of n users leaves fewer than n numbers unused."""
        block = _FIRST_BLOCK
        while True:
            yield from self.allocate(tenant_id, block)
            block = min(block * 2, _LAST_BLOCK)
