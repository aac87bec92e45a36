"""From a desired-state directory to a plan: choose the merchants, read them, diff them.

This is the one path that ``plan``, ``drift`` and ``apply`` (for planning and verification) share.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from reconciler.clients.factory import ApiClients, ClientParams
from reconciler.config import Config
from reconciler.current import LiveMerchant, Progress, fetch_merchant, fetch_unmanaged, read_each
from reconciler.desired.load import DesiredState
from reconciler.desired.models import Merchant, Partner
from reconciler.errors import InputError, InputIssue
from reconciler.plan import Plan, build_plan
from reconciler.resources import PARTNER, MerchantView
from reconciler.views import desired_view, live_partner_view, live_view, partner_view


def client_params(config: Config, workdir: Path) -> ClientParams:
    """Client settings from the resolved configuration; refuses a real target without credentials."""
    missing = config.missing_credentials()
    if missing:
        where = config.source or "(environment)"
        raise InputError([InputIssue(where, 1, 1, f"credentials missing: set {name}") for name in missing])
    secret = config.dintero.client_secret
    return ClientParams(
        klarna_url=config.klarna.base_url,
        dintero_url=config.dintero.base_url,
        klarna_api_key=config.klarna.api_key.get_secret_value() if config.klarna.api_key else "",
        dintero_partner_id=config.dintero.partner_id or "",
        dintero_client_id=config.dintero.client_id or "",
        dintero_client_secret=secret.get_secret_value() if secret else "",
        parallelism=config.parallelism,
        workdir=workdir,
    )


def select_merchants(state: DesiredState, targets: Sequence[str]) -> list[Merchant]:
    """The merchants named by ``--target`` (a reference or a merchant file), or all of them."""
    if not targets:
        return list(state.merchants)
    by_file = {Path(state.source_file(m.account_reference)).resolve(): m for m in state.merchants}
    by_ref = {m.account_reference: m for m in state.merchants}
    chosen: dict[str, Merchant] = {}
    issues = []
    for target in targets:
        merchant = by_ref.get(target) or by_file.get(Path(target).resolve())
        if merchant is None:
            if Path(target).suffix in (".yaml", ".yml") and not Path(target).exists():
                continue  # a merchant file deleted in this change: nothing to plan for it
            issues.append(InputIssue("--target", 1, 1, f"{target}: no merchant with this reference or file"))
        else:
            chosen[merchant.account_reference] = merchant
    if issues:
        raise InputError(issues)
    return [chosen[ref] for ref in sorted(chosen)]


def desired_digest(merchants: Sequence[Merchant], partner: Partner | None) -> str:
    """sha256 over exactly what a plan was made from: its merchants and, when included, partner.yaml."""
    body = {
        "partner": partner.model_dump(mode="json", exclude_unset=True, by_alias=True) if partner else None,
        "merchants": [m.model_dump(mode="json", exclude_unset=True, by_alias=True) for m in merchants],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


async def read_views(
    clients: ApiClients,
    merchants: Sequence[Merchant],
    partner: Partner | None,
    *,
    progress: Progress | None = None,
) -> tuple[list[MerchantView], dict[str, MerchantView | None]]:
    """Desired and live views of the chosen merchants (and of partner.yaml's credentials, when given)."""
    desired = [desired_view(m) for m in merchants]
    by_reference = {view.reference: view for view in desired}
    projected: dict[str, MerchantView | None] = {}

    def project(live: LiveMerchant) -> None:
        # Projected as each read lands: the CPU work overlaps the other reads' waiting.
        projected[live.reference] = live_view(by_reference[live.reference], live.klarna, live.dintero)

    await read_each(
        clients, merchants, project, workers=max(8, 2 * clients.klarna.http.settings.parallelism), progress=progress
    )
    current = {view.reference: projected[view.reference] for view in desired}
    partner_desired = partner_view(partner)
    if partner_desired is not None:
        desired.append(partner_desired)
        current[PARTNER] = live_partner_view(partner_desired, await clients.klarna.list_credentials())
    return desired, current


async def make_plan(
    clients: ApiClients,
    state: DesiredState,
    merchants: Sequence[Merchant],
    *,
    include_partner: bool,
    with_unmanaged: bool = False,
    progress: Progress | None = None,
) -> Plan:
    partner = state.partner if include_partner else None
    desired, current = await read_views(clients, merchants, partner, progress=progress)
    unmanaged = await fetch_unmanaged(clients, [m.account_reference for m in state.merchants]) if with_unmanaged else []
    plan = build_plan(desired, current, digest_of(desired, state), unmanaged, key=precondition_key(state.config))
    return replace(plan, plan_id=uuid.uuid4().hex)


def precondition_key(config: Config) -> bytes:
    """The key of the precondition fingerprints in a plan.

    ``RECONCILER_MASK_KEY`` when set; otherwise derived from the API credentials, which the plan
    and apply jobs both hold and a reader of a plan file does not (whoever holds them can read the
    live data anyway).
    """
    explicit = os.environ.get("RECONCILER_MASK_KEY")
    if explicit:
        return explicit.encode()
    secret = config.dintero.client_secret.get_secret_value() if config.dintero.client_secret else ""
    api_key = config.klarna.api_key.get_secret_value() if config.klarna.api_key else ""
    return hashlib.sha256(f"reconciler/precondition|{api_key}|{secret}".encode()).digest()


def digest_of(views: Sequence[MerchantView], state: DesiredState) -> str:
    """The digest of the merchants (and partner.yaml, when in) that these views were made from."""
    references = {view.reference for view in views}
    merchants = [m for m in state.merchants if m.account_reference in references]
    return desired_digest(merchants, state.partner if PARTNER in references else None)


def desired_views_of(state: DesiredState, references: Sequence[str]) -> dict[str, MerchantView]:
    """Desired views by reference, for the references a saved plan names (``partner`` included)."""
    views: dict[str, MerchantView] = {}
    for reference in references:
        if reference == PARTNER:
            view = partner_view(state.partner)
        else:
            try:
                view = desired_view(state.merchant(reference))
            except KeyError:
                view = None
        if view is not None:
            views[reference] = view
    return views


async def read_live_view(clients: ApiClients, state: DesiredState, desired: MerchantView) -> MerchantView:
    """A fresh live view of one merchant (or of the partner's credentials)."""
    if desired.reference == PARTNER:
        return live_partner_view(desired, await clients.klarna.list_credentials())
    live = await fetch_merchant(clients, state.merchant(desired.reference))
    return live_view(desired, live.klarna, live.dintero)
