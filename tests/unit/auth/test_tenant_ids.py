"""Tenant ids follow a strict pattern wherever they are accepted: 400 INVALID_TENANT."""

import pytest
from pydantic import ValidationError

from project_factory.domain.resources import SearchCriteria
from project_factory.domain.tenants import tenant_id_problem
from project_factory.errors import InvalidRequestError
from project_factory.flows.filestore import check_tenant_id
from project_factory.http_api import validation_error

VALID = ["mz", "ke", "pb.amritsar", "mz.t1", "mz.e2e1", "mz.chimoio.x.y", "bench.10000.0"]
INVALID = [
    "",
    "m",
    "Mz",
    "mz/../ke",
    "mz#facility",
    "mz.",
    ".mz",
    "mz..t1",
    "mz.a.b.c.d",
    "mz t1",
    "mz.someone-else",
    "1mz",
    "mz\x00",
    "a" * 33,
    "mz." + "a" * 33,
    "mz." + ".".join(["a" * 20] * 3),
]


@pytest.mark.parametrize("tenant_id", VALID)
def test_digits_tenant_ids_are_tenant_ids(tenant_id):
    assert tenant_id_problem(tenant_id) is None
    assert check_tenant_id(tenant_id) == tenant_id
    assert SearchCriteria(tenantId=tenant_id).tenantId == tenant_id


@pytest.mark.parametrize("tenant_id", INVALID)
def test_anything_else_is_refused_with_invalid_tenant(tenant_id):
    # When a body or a query names it
    assert tenant_id_problem(tenant_id)
    with pytest.raises(ValidationError) as refused:
        SearchCriteria(tenantId=tenant_id)
    status, body = validation_error(refused.value)
    # Then it is 400 INVALID_TENANT, naming the field
    assert status == 400
    assert [(e["code"], e["params"]) for e in body["Errors"]] == [("INVALID_TENANT", ["tenantId"])]
    if tenant_id:
        with pytest.raises(InvalidRequestError) as query:
            check_tenant_id(tenant_id)
        assert query.value.code == "INVALID_TENANT"
