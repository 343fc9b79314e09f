"""Deleting a connection while its first sync writes (issue 10): the delete always succeeds,
never a 500 (it used to deadlock with the sync's batch commit)."""

from __future__ import annotations

import time

import pytest

from tests.factories.auth import sign_up
from tests.rest.banking.sandbox import plaid_public_token
from tests.rest.client import bearer, call


# The delete lands at different points of the sync: before its first batch, and while the
# batches of 5,000 rows are written and committed.
@pytest.mark.parametrize("delay_s", [0, 0.2, 0.4, 0.6, 0.8, 1.0])
def test_delete_while_the_first_sync_writes(rest, stack, delay_s):
    user = sign_up(rest)
    # Thousands of rows: the sync is still committing batches when the delete arrives.
    code = plaid_public_token(
        stack.sandbox_url, accounts=["checking", "savings"], count_per_account=4000
    )
    connected = call(
        rest,
        "POST",
        "/api/v1/integrations/PLAID/connect",
        201,
        json={"code": code, "state": "s"},
        headers=bearer(user.token),
    )
    path = f"/api/v1/banking/connections/{connected['data']['id']}"
    time.sleep(delay_s)
    deleted = call(rest, "DELETE", path, 200, headers=bearer(user.token))
    assert deleted == {"success": True, "message": "Connection deleted successfully"}
    call(rest, "GET", path, 404, headers=bearer(user.token))
    accounts = call(rest, "GET", "/api/v1/banking/accounts", 200, headers=bearer(user.token))
    assert accounts["data"] == []
