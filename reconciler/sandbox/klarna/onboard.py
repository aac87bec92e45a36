"""Incremental onboarding: ``POST /v1/distribution/onboard``.

What one onboard call accepts: the account fields (``account_reference``, ``account_name``, ``account_owner``,
``account_group_reference``), ``products`` (one, of ``type`` ``PAYMENT``; required only by the call that creates the
account), ``websites[]`` (``website_reference``, ``website_name``, ``channel_collection_reference``) and
``collections[]`` (``collection_reference``, ``branding``, ``support_contact``, ``social_media_links``). Everything
else a merchant has is created through its own route (stakeholders, bank accounts, account information, business
information, settlement information, enablements).

The first call with an ``account_reference`` creates the account. A later call with the same reference only adds
sub-resources whose natural key is unseen (product ``type``, ``website_reference``, ``collection_reference``).
A field the call gives for an existing account or sub-resource must equal the stored value, otherwise the whole
call is refused with 409 ``RESOURCE_CONFLICT`` and nothing changes; what the call leaves out stays as it is.
A product with ``merchant_id`` onboards an existing (legacy) Klarna merchant instead, which overwrites rather
than extends (``klarna.legacy``). A website's ``channel_collection_reference`` must name a collection of the
account or of the same call.
An account Klarna has DISABLED gets nothing new: onboard with its reference is 403 ``OPERATION_FORBIDDEN``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reconciler.sandbox.klarna.accounts import (
    COLLECTION_PREFIX,
    DISABLED,
    KIND,
    PRODUCT_PREFIX,
    WEBSITE_PREFIX,
    account_state,
    klarna_forbidden,
    new_account_document,
    new_account_id,
    new_krn,
    save_account,
)
from reconciler.sandbox.klarna.catalogue import DISTRIBUTION_PROFILE_IDS
from reconciler.sandbox.klarna.legacy import adopt, legacy_merchant_of
from reconciler.sandbox.klarna.models import OnboardCollection, OnboardRequest, OnboardWebsite
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_validation
from reconciler.sandbox.platform.store import Store


def first_difference(given: Any, stored: Any, path: str) -> str | None:
    """The path of the first field ``given`` sets to something other than ``stored`` has, if any."""
    if isinstance(given, dict) and isinstance(stored, dict):
        for key, value in given.items():
            found = first_difference(value, stored.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    return None if given == stored else path


def _bad(parameter: str, message: str) -> Exception:
    return klarna_validation("The request body is invalid", [{"parameter": parameter, "error_message": message}])


def _check_payload(payload: OnboardRequest, existing_collections: set[str]) -> None:
    for i, product in enumerate(payload.products):
        if product.merchant_id is None:
            # Only an existing merchant's onboard may leave these to the merchant's own values.
            if product.distribution_profile_id is None:
                raise _bad(f"products.{i}.distribution_profile_id", "Field required")
            if product.merchant_category_code is None:
                raise _bad(f"products.{i}.merchant_category_code", "Field required")
        if product.distribution_profile_id is None:
            continue
        if product.distribution_profile_id not in DISTRIBUTION_PROFILE_IDS:
            raise _bad(f"products.{i}.distribution_profile_id", "unknown distribution profile")
    seen: set[str] = set()
    for i, collection in enumerate(payload.collections):
        if collection.collection_reference in seen:
            raise _bad(f"collections.{i}.collection_reference", "duplicate collection_reference")
        seen.add(collection.collection_reference)
    known_collections = seen | existing_collections
    seen = set()
    for i, website in enumerate(payload.websites):
        if website.website_reference in seen:
            raise _bad(f"websites.{i}.website_reference", "duplicate website_reference")
        seen.add(website.website_reference)
        ref = website.channel_collection_reference
        if ref is not None and ref not in known_collections:
            raise _bad(f"websites.{i}.channel_collection_reference", "no collection has this reference")


def collection_document(fields: OnboardCollection) -> dict[str, Any]:
    given = fields.patch_fields()
    doc: dict[str, Any] = {"collection_id": new_krn(COLLECTION_PREFIX), "branding": {}, "social_media_links": []}
    doc.update(given)
    return doc


def website_document(fields: OnboardWebsite, collections: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {"website_id": new_krn(WEBSITE_PREFIX), **fields.patch_fields()}
    link_collection(doc, collections)
    return doc


def link_collection(website: dict[str, Any], collections: list[dict[str, Any]]) -> None:
    """Fill ``channel_collection_id`` from the website's collection reference."""
    ref = website.get("channel_collection_reference")
    for collection in collections:
        if collection["collection_reference"] == ref:
            website["channel_collection_id"] = collection["collection_id"]
            return
    website.pop("channel_collection_id", None)


def _merge(doc: dict[str, Any], payload: OnboardRequest) -> None:
    """Add the payload's unseen sub-resources to ``doc``; a changed existing one raises 409."""
    account_fields = payload.model_dump(
        include={"account_name", "account_owner", "account_group_reference"}, exclude_none=True
    )
    diff = first_difference(account_fields, doc, "")
    if diff:
        raise klarna_conflict(f"The account exists with a different {diff}")
    _merge_members(
        doc["products"],
        payload.products,
        "type",
        lambda product: {
            "product_id": new_krn(PRODUCT_PREFIX),
            **product.patch_fields(),
            "state": "ENABLED",
            "state_reason": "APPROVED",
        },
        "The {} product",
    )
    _merge_members(
        doc["collections"], payload.collections, "collection_reference", collection_document, "Collection {}"
    )
    _merge_members(
        doc["websites"],
        payload.websites,
        "website_reference",
        lambda website: website_document(website, doc["collections"]),
        "Website {}",
    )


def _merge_members(
    stored: list[dict[str, Any]],
    incoming: Sequence[Any],
    key: str,
    new_document: Callable[[Any], dict[str, Any]],
    label: str,
) -> None:
    """Append each incoming member whose ``key`` is new; one that exists with other fields raises 409."""
    by_key = {member[key]: member for member in stored}
    for member in incoming:
        existing = by_key.get(getattr(member, key))
        if existing is None:
            stored.append(new_document(member))
            continue
        diff = first_difference(member.patch_fields(), existing, "")
        if diff:
            raise klarna_conflict(f"{label.format(getattr(member, key))} exists with a different {diff}")


def onboard(store: Store, payload: OnboardRequest, *, now: float, delay: float) -> tuple[dict[str, Any], bool]:
    """Create or extend the account of ``payload.account_reference``; returns the stored document and whether
    this call created it."""
    merchant_id = legacy_merchant_of(payload)
    if merchant_id is not None:
        return _onboard_existing_merchant(store, payload, merchant_id, now=now, delay=delay)
    with store.transaction():
        doc = store.get_by_ref(KIND, payload.account_reference)
        created = doc is None
        if doc is not None and account_state(doc, now)[0] == DISABLED:
            raise klarna_forbidden(
                "The account is DISABLED by Klarna: it cannot be managed or get new products or channels"
            )
        existing = {c["collection_reference"] for c in doc["collections"]} if doc else set()
        _check_payload(payload, existing)
        if doc is None:
            if not payload.products:
                raise _bad("products", "Field required: onboarding a new account needs its payment product")
            account_id = new_account_id()
            while store.get(KIND, account_id) is not None:
                account_id = new_account_id()
            fields = payload.model_dump(
                include={"account_name", "account_owner", "account_group_reference"}, exclude_none=True
            )
            doc = new_account_document(
                account_id, payload.account_reference, fields, created_at=now, operational_at=now + delay
            )
        _merge(doc, payload)
        save_account(store, doc)
    return doc, created


def _onboard_existing_merchant(
    store: Store, payload: OnboardRequest, merchant_id: str, *, now: float, delay: float
) -> tuple[dict[str, Any], bool]:
    """"Onboard an existing merchant to Management API": the request overwrites the account (``klarna.legacy``)."""
    with store.transaction():
        _check_payload(payload, set())
        doc, created = adopt(store, payload, merchant_id, now=now, delay=delay)
        doc["collections"] = [collection_document(c) for c in payload.collections]
        doc["websites"] = [website_document(w, doc["collections"]) for w in payload.websites]
        save_account(store, doc)
    return doc, created
