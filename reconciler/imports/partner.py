"""``partner.yaml`` from the live partner-level resources: credentials, signing keys, webhook subscriptions.

Only what the desired state declares is written: a credential's description, type and environment; a
signing key's description (its secret is Klarna's, answered once to the create, and never read here); a
webhook's URL, event types, event version, status and its key named by description
(``signing_key_description``, looked up from the webhook's ``signing_key_id``).

Declaring a list makes the reconciler manage the whole list: every live member the file leaves out would
be planned for deletion. So a list is declared only when every live member can be written as it is; when
one cannot (a key without a description, two keys with one description, a webhook whose key has no
description; webhooks also when signing_keys is left out, since a webhook names a declared key), the
list is left out, with a comment that says why, and the plan leaves it alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reconciler.compare.sides import live_partner_view, partner_view
from reconciler.desired.models import Partner, webhook_identity
from reconciler.desired.positions import Positions
from reconciler.desired.text import single_line
from reconciler.desired.validate import check_partner as validate_partner
from reconciler.desired.yaml_loader import YamlDocument
from reconciler.imports.document import Path
from reconciler.live.models import Credential, SigningKey, Webhook
from reconciler.live.read import LiveMerchant
from reconciler.plan import plan_merchant
from reconciler.sensitive import shown_name

HEADER = "Partner-level resources, imported by `reconciler import`."
LISTS: Path = ("klarna",)


@dataclass
class ImportedPartner:
    document: dict[str, Any]
    comments: dict[Path, str] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)  # what is not declared, and why


def _repeated(descriptions: Iterable[str]) -> str:
    """The descriptions given more than once, as validate tells them apart (as the model keeps them:
    stripped, in NFC), shown for a report; empty when there is none."""
    counted = Counter(_as_kept(description) for description in descriptions)
    return ", ".join(repr(shown_name(description)) for description, n in sorted(counted.items()) if n > 1)


def _as_kept(description: str) -> str:
    try:
        return str(single_line(description))
    except ValueError:  # a character no text may hold: the model refuses it, and check_partner says where
        return description


def _credentials(credentials: Sequence[Credential], out: ImportedPartner) -> list[dict[str, Any]] | None:
    complete = [c for c in credentials if c.description and c.type and c.environment]
    if len(complete) != len(credentials):
        out.left_out.append("credentials: a credential has no description, type or environment")
        return None
    repeated = _repeated(c.description or "" for c in complete)
    if repeated:
        out.left_out.append(f"credentials: several credentials share the description {repeated}")
        return None
    return [
        {"description": c.description, "type": c.type, "environment": c.environment}
        for c in sorted(complete, key=lambda c: c.description or "")
    ]


def _signing_keys(keys: Sequence[SigningKey], out: ImportedPartner) -> list[dict[str, Any]] | None:
    described = [k.description for k in keys if k.description]
    if len(described) != len(keys):
        out.left_out.append("signing_keys: a signing key has no description (a key is declared by its description)")
        return None
    repeated = _repeated(described)
    if repeated:
        out.left_out.append(f"signing_keys: several keys share the description {repeated}")
        return None
    return [{"description": d} for d in sorted(described)]


def _webhooks(
    webhooks: Sequence[Webhook], keys: Sequence[SigningKey], out: ImportedPartner
) -> list[dict[str, Any]] | None:
    by_id = {k.signing_key_id: k.description for k in keys if k.signing_key_id and k.description}
    urls = Counter(webhook_identity(w.url) for w in webhooks if w.url)
    if any(n > 1 for n in urls.values()):
        out.left_out.append("webhooks: several subscriptions share one URL (a webhook is declared by its URL)")
        return None
    listed = []
    for webhook in sorted(webhooks, key=lambda w: (w.url or "", sorted(w.event_types or []))):
        description = by_id.get(webhook.signing_key_id or "")
        if not webhook.url or not webhook.event_types or description is None:
            out.left_out.append(
                "webhooks: a subscription has no URL, no event types, or a signing key without a description"
            )
            return None
        item: dict[str, Any] = {
            "url": webhook.url,
            "event_types": sorted(webhook.event_types),
            "signing_key_description": description,
        }
        if webhook.event_version is not None:
            item["event_version"] = webhook.event_version
        if webhook.status is not None:
            item["status"] = webhook.status
        listed.append(item)
    return listed


def partner_document(live: LiveMerchant) -> ImportedPartner:
    """The ``partner.yaml`` document of the live partner-level resources."""
    out = ImportedPartner({})
    klarna: dict[str, Any] = {}
    credentials = _credentials(live.credentials, out)
    keys = _signing_keys(live.signing_keys, out)
    webhooks: list[dict[str, Any]] | None = None
    if keys is not None:
        webhooks = _webhooks(live.webhooks, live.signing_keys, out)
    elif live.webhooks:
        out.left_out.append("webhooks: each names a signing key of signing_keys, which is not declared")
    for name, value in (("credentials", credentials), ("signing_keys", keys), ("webhooks", webhooks)):
        if value is not None:
            klarna[name] = value
    out.document = {"klarna": klarna}
    if out.left_out:
        out.comments[LISTS] = "\n".join(
            [f"Not declared, so not managed: {why}." for why in out.left_out]
            + ["Give each a description in Klarna (or remove it there), then import again to manage the list."]
        )
    return out


def check_partner(imported: ImportedPartner, live: LiveMerchant) -> list[str]:
    """What the imported ``partner.yaml`` would plan against the live state it came from (empty: exact)."""
    try:
        model = Partner.model_validate(imported.document)
    except ValidationError as error:
        # Its messages hold the input values: only where and how many, as a mismatch to report.
        places = sorted({".".join(str(part) for part in problem["loc"]) for problem in error.errors()})
        return [f"partner.yaml: not valid as written ({', '.join(places)})"]
    # validate's own rules beyond the model (a description or a URL twice, a webhook's key): a file they
    # refuse would stop every later load. Named by place only, as above.
    issues = validate_partner(model, YamlDocument("partner.yaml", imported.document, Positions()))
    if issues:
        places = sorted({issue.message.partition(": ")[0] for issue in issues})
        return [f"partner.yaml: not valid as written ({', '.join(places)})"]
    desired = partner_view(model)
    if desired is None:
        return []
    return [f"{op.address}: {op.action.value}" for op in plan_merchant(desired, live_partner_view(desired, live))]
