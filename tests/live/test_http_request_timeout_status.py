"""A 408 (a proxy or the server gave up waiting for the request) is repeated where a repeat is safe, and
leaves no write's outcome unknown: the request was not acted on."""

from __future__ import annotations

import pytest

from reconciler.errors import ApiError
from reconciler.live import ApiClients, KlarnaClient
from reconciler.live.models import Stakeholder

from .conftest import Admin, FakeTime, onboarded

pytestmark = pytest.mark.anyio

ACCOUNTS = r"^/klarna/v1/accounts"


async def test_a_read_answered_408_is_read_again(timed_clients: ApiClients, admin: Admin, fake_time: FakeTime) -> None:
    klarna_client = timed_clients.klarna
    await onboarded(klarna_client, "T408A")
    await admin.fail_next(api="klarna", method="GET", path_pattern=ACCOUNTS, status=408, count=1)
    before = klarna_client.stats.as_dict()

    account = await klarna_client.resolve_account("T408A")

    assert account is not None and account.account_reference == "T408A"
    assert klarna_client.stats.retries - before["retries"] == 1
    assert len(fake_time.waits) == 1


async def test_a_write_answered_408_without_a_key_fails_with_a_known_outcome(
    klarna_client: KlarnaClient, admin: Admin
) -> None:
    account = await onboarded(klarna_client, "T408B")
    await admin.clear_requests()
    await admin.fail_next(api="klarna", method="POST", path_pattern="/stakeholders$", status=408)
    person = Stakeholder(given_name="Ada", family_name="Lovelace", date_of_birth="1970-01-01", roles=["OWNER"])

    with pytest.raises(ApiError) as caught:
        await klarna_client.create_stakeholder(account.account_id, person)

    assert caught.value.status == 408 and not caught.value.outcome_unknown
    assert len([r for r in await admin.requests() if r["method"] == "POST"]) == 1
    assert await klarna_client.list_stakeholders(account.account_id) == []
