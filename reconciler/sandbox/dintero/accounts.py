"""Dintero merchant accounts and their connections, as documents in the sandbox's store.

One document of kind ``dintero.account`` per merchant (id = aid) holds the account, its settings
(``company`` and ``billing`` at the top level, as in Dintero's Account schema) and a map of its
connections (``klarna``, ``vipps-psp``, ``common``, ``vipps``), each in the envelope of the seed
references: signups, created_at, created_by, updated_at, metadata, status, events, schema,
configuration. The partner view (``partner_view``) shows the settings once more as ``settings``.

Rules the sandbox keeps (the real API documents some of them only loosely):
- the first signup for a valid aid creates the merchant's account record and the connection,
  ``pending``, with one event;
- Klarna and Vipps PSP signups are kept in ``signups[]``, one per (``case_id``, ``store_id``) as Dintero
  documents: a signup with a new key is appended, one with the key of an entry replaces that entry in
  place; the common connection shows its latest signup as ``signup`` (the seed's shape);
- a common signup needs the account's company to have an ``organization_number`` (``dintero.settings``);
- a signup while the connection is ``pending`` is 409 unless ``force_new_signup``; a signup on an
  ``enabled`` connection is 409 always; on ``failed`` or ``declined`` it is accepted and the status
  stays as it is;
- only a status event moves the status, and each event is appended to ``events[]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from reconciler.sandbox.platform.problems import DinteroProblem, dintero_not_found
from reconciler.sandbox.platform.store import Document, Store

KIND = "dintero.account"
CONNECTION_SCHEMA_VERSION = 1
SETTINGS_FIELDS = ("company", "billing")
_PROVIDER_NAMES = {"klarna": "Klarna", "vipps-psp": "Vipps", "common": "Dintero"}


def iso_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_id(client_id: str) -> str:
    """The ``created_by`` of a client: a stable UUID, as Dintero shows user and client ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dintero-client:{client_id}"))


def new_account(aid: str, partner_id: str, created_by: str, now: float) -> Document:
    stamp = iso_time(now)
    return {
        "id": aid,
        "account_id": aid,
        "partner_id": partner_id,
        "livemode": aid.startswith("P"),
        "created_at": stamp,
        "created_by": created_by,
        "updated_at": stamp,
        "connections": {},
    }


def new_event(
    status: str,
    event: str | None,
    description: str | None,
    metadata: dict[str, Any] | None,
    created_by: str,
    now: float,
    event_id: str | None = None,
) -> Document:
    return {
        "id": event_id or str(uuid.uuid4()),
        "created_at": iso_time(now),
        "created_by": created_by,
        "status": status,
        "event": event,
        "description": description,
        "metadata": metadata or {},
    }


def _digits(aid: str, salt: str, length: int) -> str:
    number = int(hashlib.sha256(f"{salt}:{aid}".encode()).hexdigest(), 16)
    return str(number % 10**length).zfill(length)


def configuration_for(name: str, aid: str, signup: Document, previous: Document | None) -> Document | None:
    """The provider's configuration as the seed shows it; the common connection has none."""
    options = signup["payment_options"]
    if name == "klarna":
        credentials = list((previous or {}).get("credentials", []))
        if all(c["case_id"] != signup["case_id"] for c in credentials):
            credentials.append(
                {
                    "case_id": signup["case_id"],
                    "merchant_id": "K" + _digits(aid + signup["case_id"], "klarna-mid", 6),
                    "username": f"dintero_{aid.lower()}",
                }
            )
        return {"payment_options": options, "credentials": credentials}
    if name == "vipps-psp":
        return {"payment_options": options, "merchant_serial_number": _digits(aid, "vipps-msn", 6)}
    return None


def signup_entry(name: str, signup: Document, now: float) -> Document:
    stamp = iso_time(now)
    entry = {**signup, "created_at": stamp}
    if name == "klarna":
        entry["callback_at"] = stamp
    return entry


def new_connection(
    name: str, aid: str, signup: Document, created_by: str, now: float, first_event: Document | None = None
) -> Document:
    stamp = iso_time(now)
    event = first_event or new_event(
        "pending",
        "signature_required",
        f"{_PROVIDER_NAMES[name]} awaiting signature",
        {"signature_link": f"https://sandbox.dintero.local/sign/{aid}/{name}"},
        created_by,
        now,
    )
    connection: Document = {}
    entry = signup_entry(name, signup, now)
    if name == "common":
        connection["signup"] = entry
    else:
        connection["signups"] = [entry]
    connection.update(
        {
            "created_at": stamp,
            "created_by": created_by,
            "updated_at": stamp,
            "metadata": {},
            "status": event["status"],
            "events": [event],
            "schema": CONNECTION_SCHEMA_VERSION,
        }
    )
    configuration = configuration_for(name, aid, signup, None)
    if configuration is not None:
        connection["configuration"] = configuration
    return connection


def _signup_key(signup: Document) -> tuple[Any, Any]:
    return signup.get("case_id"), signup.get("store_id")


def add_signup(connection: Document, name: str, aid: str, signup: Document, force: bool, now: float) -> None:
    """Record another signup on an existing connection, or refuse it with 409."""
    status = connection.get("status")
    if status == "enabled":
        raise DinteroProblem(409, "conflict", f"The {name} connection is already enabled")
    if status == "pending" and not force:
        raise DinteroProblem(
            409,
            "conflict",
            f"A {name} signup is already pending; use force_new_signup=true to sign up again",
        )
    entry = signup_entry(name, signup, now)
    if name == "common":
        connection["signup"] = entry
    else:
        signups = connection.setdefault("signups", [])
        same = [i for i, s in enumerate(signups) if _signup_key(s) == _signup_key(signup)]
        if same:
            signups[same[0]] = entry
        else:
            signups.append(entry)
    configuration = configuration_for(name, aid, signup, connection.get("configuration"))
    if configuration is not None:
        connection["configuration"] = configuration
    connection["updated_at"] = iso_time(now)


def sign_up(
    store: Store, aid: str, name: str, signup: Document, *, force: bool, partner_id: str, created_by: str, now: float
) -> Document:
    """Create or extend a connection; creates the merchant's account record on first use."""
    with store.transaction():
        account = store.get(KIND, aid) or new_account(aid, partner_id, created_by, now)
        if name == "common":
            require_organization_number(account, "common signup")
        connections = account.setdefault("connections", {})
        if name in connections:
            add_signup(connections[name], name, aid, signup, force, now)
        else:
            connections[name] = new_connection(name, aid, signup, created_by, now)
        account["updated_at"] = iso_time(now)
        store.put(KIND, aid, account)
    return dict(connections[name])


def require_organization_number(account: Document, what: str) -> None:
    """Dintero: a common (and a Vipps) signup requires the company to be configured with organization_number."""
    company = account.get("company") or {}
    if not company.get("organization_number"):
        raise DinteroProblem(
            400,
            "organization_number_required",
            f"A {what} requires the account company to be configured with organization_number "
            f"(PUT /v1/accounts/{account['account_id']}/management/settings)",
            [{"field": "company.organization_number", "message": "required before this signup"}],
        )


def get_account(store: Store, aid: str) -> Document:
    account = store.get(KIND, aid)
    if account is None:
        raise dintero_not_found(f"Account {aid}")
    return account


def partner_view(account: Document) -> Document:
    """The partner's view of a merchant: the account, its connections, and its settings as ``settings``."""
    settings = {k: account[k] for k in SETTINGS_FIELDS if k in account}
    return {**account, "settings": settings} if settings else account


def get_connection(store: Store, aid: str, name: str) -> Document:
    account = store.get(KIND, aid)
    connection = (account or {}).get("connections", {}).get(name)
    if connection is None:
        raise dintero_not_found(f"The {name} connection of account {aid}")
    return dict(connection)


def record_event(
    store: Store,
    aid: str,
    name: str,
    *,
    status: str,
    event: str | None,
    description: str | None,
    metadata: dict[str, Any] | None,
    created_by: str,
    now: float,
) -> Document:
    """Move a connection's status and append the event; the only way a status changes."""
    with store.transaction():
        account = get_account(store, aid)
        connection = account.get("connections", {}).get(name)
        if connection is None:
            raise dintero_not_found(f"The {name} connection of account {aid}")
        entry = new_event(status, event, description, metadata, created_by, now)
        connection["status"] = status
        connection["events"].append(entry)
        connection["updated_at"] = account["updated_at"] = iso_time(now)
        store.put(KIND, aid, account)
    return entry
