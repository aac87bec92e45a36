"""The desired state: YAML files with positions, pydantic models, validation, secret references, JSON Schema.

Past the loader, a merchant is its canonical document (``DeclaredMerchant``). Entry point: ``load_desired(directory)``.
"""

from __future__ import annotations

from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.introspect import is_sensitive, sensitive_paths
from reconciler.desired.load import DesiredState, load_desired
from reconciler.desired.models import Merchant, Partner, PartnerCredential
from reconciler.desired.normalise import (
    normalise_country,
    normalise_currency,
    normalise_iban,
    normalise_mcc,
    normalise_phone,
    normalise_timestamp,
)
from reconciler.desired.positions import SourcePosition
from reconciler.sensitive import fingerprint, mask

__all__ = [
    "DeclaredMerchant",
    "DesiredState",
    "Merchant",
    "Partner",
    "PartnerCredential",
    "SourcePosition",
    "fingerprint",
    "is_sensitive",
    "load_desired",
    "mask",
    "normalise_country",
    "normalise_currency",
    "normalise_iban",
    "normalise_mcc",
    "normalise_phone",
    "normalise_timestamp",
    "sensitive_paths",
]
