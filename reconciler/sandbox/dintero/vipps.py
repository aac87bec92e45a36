"""The older (non-PSP) Vipps connection: a signup link from Dintero, then Vipps's callback with credentials.

- ``PUT /v1/accounts/{aid}/management/settings/connections/vipps`` (no body) starts, or restarts, the signup
  while the connection is not enabled: it needs the company's ``organization_number`` (as Dintero documents),
  answers the connection ``pending`` with ``signup`` (``id``, ``url``, ``created_at``, ``expires_at``) and
  appends a ``signature_required`` event whose ``metadata.signature_link`` is the signup's URL. On an enabled
  connection it is 409.
- ``POST …/connections/vipps/{callback_reference}`` is Vipps's callback (the provider's action; the reference is
  the signup's ``id``): the connection becomes ``enabled`` and its ``configuration`` holds what Vipps sent:
  ``merchant_name``, ``created_time``, ``merchant_serial_number``, ``client_id`` and ``subscription_keys``
  (``product``, ``ocp_apim_subscription_key``), secrets that every read of the connection returns, as
  Dintero's reference shows. ``client_secret`` is not kept: no read shows it. It answers ``{}``.
"""

from __future__ import annotations

import uuid

from reconciler.sandbox.dintero.accounts import (
    CONNECTION_SCHEMA_VERSION,
    KIND,
    get_account,
    iso_time,
    new_account,
    new_event,
    require_organization_number,
)
from reconciler.sandbox.dintero.models import VippsCallback
from reconciler.sandbox.platform.problems import DinteroProblem, dintero_not_found
from reconciler.sandbox.platform.store import Document, Store

NAME = "vipps"
SIGNUP_TTL_SECONDS = 14 * 24 * 3600
PAYMENT_OPTIONS = [{"type": "vipps", "currencies": ["NOK"]}]


def start_signup(store: Store, aid: str, *, partner_id: str, created_by: str, now: float) -> Document:
    with store.transaction():
        account = store.get(KIND, aid) or new_account(aid, partner_id, created_by, now)
        require_organization_number(account, "Vipps signup")
        connections = account.setdefault("connections", {})
        connection = connections.get(NAME)
        if connection is not None and connection.get("status") == "enabled":
            raise DinteroProblem(409, "conflict", "The vipps connection is already enabled")
        signup_id = str(uuid.uuid4())
        url = f"https://sandbox.vipps.local/signup/{signup_id}"
        stamp = iso_time(now)
        event = new_event(
            "pending", "signature_required", "Vipps awaiting signature", {"signature_link": url}, created_by, now
        )
        signup = {"id": signup_id, "url": url, "created_at": stamp, "expires_at": iso_time(now + SIGNUP_TTL_SECONDS)}
        if connection is None:
            connection = {
                "created_at": stamp,
                "created_by": created_by,
                "metadata": {},
                "events": [],
                "schema": CONNECTION_SCHEMA_VERSION,
            }
            connections[NAME] = connection
        connection.update(signup=signup, status="pending", updated_at=stamp)
        connection["events"].append(event)
        account["updated_at"] = stamp
        store.put(KIND, aid, account)
    return dict(connection)


def complete_signup(store: Store, aid: str, reference: str, callback: VippsCallback, *, now: float) -> None:
    with store.transaction():
        account = get_account(store, aid)
        connection = account.get("connections", {}).get(NAME)
        if connection is None or connection.get("signup", {}).get("id") != reference:
            raise dintero_not_found(f"The Vipps signup {reference} of account {aid}")
        stamp = iso_time(now)
        connection["signup"]["callback_at"] = stamp
        connection["configuration"] = {
            "payment_options": PAYMENT_OPTIONS,
            "merchant_name": callback.merchant_name,
            "created_time": callback.created_time,
            "merchant_serial_number": callback.merchant_serial_number,
            "client_id": callback.client_id,
            "subscription_keys": [k.model_dump() for k in callback.subscription_keys],
        }
        connection["status"] = "enabled"
        completed = new_event("enabled", "signup_completed", "Vipps signup completed", {}, "vipps", now)
        connection["events"].append(completed)
        connection["updated_at"] = account["updated_at"] = stamp
        store.put(KIND, aid, account)
