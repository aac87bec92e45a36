"""A Dintero merchant's account settings: ``GET`` and ``PUT /v1/accounts/{aid}/management/settings``.

The settings are the account's ``company`` and ``billing`` (Dintero's Account schema). A PUT replaces each
member it gives as a whole and leaves the other as it is; the first PUT for an aid creates the account
record, as a first signup does. The answer, of GET and PUT, is the account without its connections.
"""

from __future__ import annotations

from reconciler.sandbox.dintero.accounts import KIND, get_account, iso_time, new_account
from reconciler.sandbox.dintero.models import SettingsUpdate
from reconciler.sandbox.platform.store import Document, Store


def settings_view(account: Document) -> Document:
    return {k: v for k, v in account.items() if k != "connections"}


def get_settings(store: Store, aid: str) -> Document:
    return settings_view(get_account(store, aid))


def put_settings(
    store: Store, aid: str, update: SettingsUpdate, *, partner_id: str, created_by: str, now: float
) -> Document:
    with store.transaction():
        account = store.get(KIND, aid) or new_account(aid, partner_id, created_by, now)
        account.update(update.model_dump(mode="json", exclude_unset=True, exclude_none=True))
        account["updated_at"] = iso_time(now)
        store.put(KIND, aid, account)
    return settings_view(account)
