"""Typed request bodies that have no response model of the same shape.

Bodies are sent as ``model_dump(mode="json", exclude_unset=True, by_alias=True)``: a field the
caller did not set is not sent, which is what a PATCH needs.
"""

from __future__ import annotations

from reconciler.live.models import (
    AccountOwner,
    ApiModel,
    Collection,
    DinteroSignup,
    Market,
    Website,
)


class ProductRequest(ApiModel):
    type: str = "PAYMENT"
    distribution_profile_id: str | None = None
    merchant_category_code: str | None = None
    merchant_id: str | None = None  # an existing Klarna merchant this onboard adopts (it overwrites its data)


class OnboardRequest(ApiModel):
    """``POST /v1/distribution/onboard``: an account and the sub-resources it starts with."""

    account_reference: str
    account_name: str | None = None
    account_owner: AccountOwner | None = None
    account_group_reference: str | None = None
    products: list[ProductRequest] | None = None
    websites: list[Website] | None = None
    collections: list[Collection] | None = None


class AccountPatchRequest(ApiModel):
    """``PATCH /v1/accounts/{account_id}``: the account's own fields (its reference cannot change)."""

    account_name: str | None = None
    account_owner: AccountOwner | None = None
    account_group_reference: str | None = None


class DisableProductRequest(ApiModel):
    reason: str
    reason_details: str | None = None


class EnablementCriteriaRequest(ApiModel):
    markets: list[Market] | None = None
    merchant_category_codes: list[str] | None = None
    payment_program_enablement_code: str | None = None


class EnablementRequest(ApiModel):
    payment_program_id: str | None = None
    enablement_criteria: EnablementCriteriaRequest | None = None
    effective_from: str | None = None
    effective_to: str | None = None


class CredentialRequest(ApiModel):
    description: str
    type: str = "API"
    environment: str = "TEST"



class SignupRequest(ApiModel):
    """The body of a connection signup: ``{"signup": {...}}``."""

    signup: DinteroSignup
