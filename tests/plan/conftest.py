"""Fixtures for the plan and drift tests: merchant files on disk, live state put into an in-process
sandbox through its HTTP API (as a user would out of band), and plans made against that sandbox.

``base_merchant()`` is one merchant that declares every resource kind. ``Live.create`` puts such a
merchant into the sandbox with plain API calls (onboard, PUT/PATCH/POST per sub-resource, Dintero
signups), so a plan of the same YAML is empty and a test changes one side to see one operation.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ruamel.yaml import YAML

from reconciler.cli import main
from reconciler.compare.diff import path_text
from reconciler.desired.load import DesiredState, load_desired
from reconciler.live import ClientParams, RetryPolicy, build_clients
from reconciler.pipeline import make_plan, select_merchants
from reconciler.plan import Plan
from reconciler.sandbox.embedded import embedded_app
from reconciler.sandbox.platform.settings import DEFAULT_DINTERO_PARTNER_ID as DINTERO_PARTNER

REF = "PT-0001"
AID = "T11200201"
PROFILE_ID = "krn:partner:global:account:distribution-profile:206bbb83-9b6e-46fa-940d-337153c04a58"
OTHER_PROFILE_ID = "krn:partner:global:account:distribution-profile:5f0c2a7e-3d41-4c59-9b0e-1f6b8a4e2d17"
FINANCING_ID = "krn:payment:global:payment:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291"
EXTENDED_ID = "krn:payment:global:payment:program:df89148e-014e-4e9f-8218-4c1c9617791b"
IBAN_SE = "SE4550000000058398257466"
IBAN_DE = "DE89370400440532013000"
IBAN_NO = "NO9386011117947"

OpSummary = tuple[str, str, tuple[str, ...]]


def iban_for(country: str, seed: str, length: int) -> str:
    """A valid IBAN of ``country`` with a BBAN of ``length`` digits derived from ``seed``."""
    bban = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:length].rjust(length, "0")
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _own_values(merchant: dict[str, Any], reference: str) -> dict[str, Any]:
    """Another merchant than PT-0001 gets its own case_id, IBANs and national id: validate reports values
    two merchant files share (a copied file)."""
    merchant["dintero"]["connections"]["klarna"]["signup"]["case_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, reference))
    digits = str(int(hashlib.sha256(reference.encode()).hexdigest(), 16))[:4]
    merchant["klarna"]["stakeholders"][0]["national_identification"]["number"] = f"19801210-{digits}"
    se, de = merchant["klarna"]["bank_accounts"]
    se["iban"], de["iban"] = iban_for("SE", reference + "/SE", 20), iban_for("DE", reference + "/DE", 18)
    return merchant


def base_merchant(reference: str = REF, aid: str = AID) -> dict[str, Any]:
    """A merchant file declaring every resource kind, in the normal form the sandbox also stores.

    Only PT-0001 has the constants above (IBAN_SE, IBAN_DE...); another reference has values of its own.
    """
    merchant = _base_merchant(reference, aid)
    return merchant if reference == REF else _own_values(merchant, reference)


def _base_merchant(reference: str, aid: str) -> dict[str, Any]:
    return copy.deepcopy(
        {
            "account_reference": reference,
            "klarna": {
                "account_name": f"Shop {reference}",
                "account_group_reference": "plan-tests",
                "account_owner": {
                    "given_name": "Ada",
                    "family_name": "Lovelace",
                    "email": "ada@example.com",
                    "phone": "+46701234567",
                },
                "payment_product": {
                    "distribution_profile_id": PROFILE_ID,
                    "merchant_category_code": "5411",
                    "state": "enabled",
                },
                "websites": [
                    {"website_reference": "web-a", "website_name": "Shop A", "channel_collection_reference": "online"},
                    {"website_reference": "web-b", "website_name": "Shop B", "channel_collection_reference": "online"},
                ],
                "collections": [
                    {
                        "collection_reference": "online",
                        "support_contact": {"email": "help@example.com", "phone": "+46701234568"},
                        "social_media_links": ["https://social.example.com/a", "https://social.example.com/b"],
                    }
                ],
                "account_information": {
                    "account_created_from_ip": "192.0.2.7",
                    "account_created_at": "2024-01-01T12:00:00Z",
                },
                "business_information": {
                    "business_name": "Shop AB",
                    "business_entity_type": "LIMITED_LIABILITY_COMPANY",
                    "registration_authority": "Bolagsverket",
                    "registration_number": "559999-0001",
                    "operating_address": {
                        "street_address": "Provgatan 1",
                        "postal_code": "111 22",
                        "city": "Stockholm",
                        "country": "SE",
                    },
                },
                "stakeholders": [
                    {
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "date_of_birth": "1980-12-10",
                        "address": {
                            "street_address": "Provgatan 1",
                            "postal_code": "111 22",
                            "city": "Stockholm",
                            "country": "SE",
                        },
                        "national_identification": {"number": "19801210-0000", "country": "SE"},
                        "roles": ["OWNER", "DIRECTOR", "SIGNATORY"],
                        "ownership_percentage": 60,
                    },
                    {
                        "given_name": "Charles",
                        "family_name": "Babbage",
                        "date_of_birth": "1971-12-26",
                        "roles": ["BENEFICIAL_OWNER", "OWNER"],
                        "ownership_percentage": 40,
                    },
                ],
                "settlement": {"settlement_enabled": True},
                "bank_accounts": [
                    {"bank_account_type": "IBAN", "account_holder": "Shop AB", "bic": "NDEASESS", "iban": IBAN_SE},
                    {
                        "bank_account_type": "IBAN",
                        "account_holder": "Shop AB (EUR)",
                        "bic": "COBADEFFXXX",
                        "iban": IBAN_DE,
                    },
                ],
                "payment_program_enablements": [
                    {
                        "payment_program_id": FINANCING_ID,
                        "enablement_criteria": {
                            "markets": [
                                {"customer_country": "SE", "currency": "SEK"},
                                {"customer_country": "NO", "currency": "NOK"},
                            ],
                            "merchant_category_codes": ["5411"],
                        },
                        "effective_from": "2024-01-01T12:00:00Z",
                        "effective_to": "2030-01-01T00:00:00Z",
                    }
                ],
            },
            "dintero": {
                "account_id": aid,
                "connections": {
                    "klarna": {
                        "signup": {
                            "case_id": "6f1c2a3e-0d44-4b50-8888-8dd25736e001",
                            "payment_options": [{"type": "klarna.klarna", "currencies": ["SEK", "NOK", "EUR"]}],
                            "price_package": "EU_DINTERO_PP001",
                            "mcc": 5411,
                        }
                    },
                },
            },
        }
    )


def dump_yaml(data: Mapping[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(dict(data), out)
    return out.getvalue()


class DesiredDir:
    """A desired-state directory under tmp_path: merchant files written from dicts or text, then loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.merchants = root / "merchants"
        self.merchants.mkdir(parents=True, exist_ok=True)

    def write(self, merchant: Mapping[str, Any], name: str | None = None) -> Path:
        path = self.merchants / f"{name or str(merchant['account_reference']).lower()}.yaml"
        path.write_text(dump_yaml(merchant), encoding="utf-8")
        return path

    def write_text(self, name: str, text: str) -> Path:
        path = self.merchants / name
        path.write_text(text, encoding="utf-8")
        return path

    def write_partner(self, partner: Mapping[str, Any]) -> Path:
        path = self.root / "partner.yaml"
        path.write_text(dump_yaml(partner), encoding="utf-8")
        return path

    def load(self, environ: Mapping[str, str] | None = None) -> DesiredState:
        return load_desired(self.root, environ=environ or {})


class Live:
    """The sandbox's state, changed only through its HTTP API (the Klarna and Dintero routes)."""

    def __init__(self, klarna: TestClient, dintero: TestClient) -> None:
        self.klarna = klarna
        self.dintero = dintero

    def call(self, method: str, path: str, json: Any = None, *, expect: int | None = None) -> Any:
        """A Klarna call under ``/klarna``; asserts success (or ``expect``) and returns the body."""
        response = self.klarna.request(method, "/klarna" + path, json=json)
        if expect is not None:
            assert response.status_code == expect, response.text
        else:
            assert response.is_success, response.text
        return response.json() if response.content else None

    def account(self, reference: str = REF) -> dict[str, Any]:
        names = "products,websites,collections,account_information,business_information,stakeholders"
        names += ",settlement_information,bank_accounts,payment_program_enablements"
        body = self.call("GET", f"/v1/accounts?account_reference={reference}&expand={names}")
        account: dict[str, Any] = body["accounts"][0]
        return account

    def account_id(self, reference: str = REF) -> str:
        return str(self.account(reference)["account_id"])

    def product_id(self, reference: str = REF) -> str:
        return str(self.account(reference)["products"][0]["product_id"])

    def item_id(self, reference: str, collection: str, id_field: str, **match: Any) -> str:
        """The API id of the one sub-resource whose fields equal ``match``."""
        items = [i for i in self.account(reference)[collection] if all(i.get(k) == v for k, v in match.items())]
        assert len(items) == 1, items
        return str(items[0][id_field])

    def onboard(self, merchant: Mapping[str, Any]) -> None:
        k = merchant["klarna"]
        product = k.get("payment_product") or {}
        body: dict[str, Any] = {
            "account_reference": merchant["account_reference"],
            "account_name": k["account_name"],
            "account_owner": k.get("account_owner") or {"given_name": "Ada", "family_name": "L", "email": "a@x.io"},
            "products": [
                {
                    "type": "PAYMENT",
                    "distribution_profile_id": product.get("distribution_profile_id", PROFILE_ID),
                    "merchant_category_code": product.get("merchant_category_code", "5411"),
                }
            ],
            "websites": k.get("websites") or [],
            "collections": k.get("collections") or [],
        }
        if k.get("account_group_reference"):
            body["account_group_reference"] = k["account_group_reference"]
        self.call("POST", "/v1/distribution/onboard", body)

    def create(self, merchant: Mapping[str, Any], *, dintero: bool = True) -> None:
        """Put a whole merchant (as ``base_merchant`` writes it) into the sandbox."""
        ref = merchant["account_reference"]
        k = merchant["klarna"]
        self.onboard(merchant)
        # A sandbox with an operational delay refuses management writes until the account is OPERATIONAL.
        assert self.klarna.post("/_sandbox/advance").status_code == 200
        account_id = self.account_id(ref)
        base = f"/v1/accounts/{account_id}"
        if "account_information" in k:
            self.call("PUT", base + "/account-information", k["account_information"])
        if "business_information" in k:
            self.call("PATCH", base + "/business-information", k["business_information"])
        for stakeholder in k.get("stakeholders") or []:
            self.call("POST", base + "/stakeholders", stakeholder)
        if "settlement" in k:
            self.call("PATCH", base + "/settlement-information", k["settlement"])
        for bank_account in k.get("bank_accounts") or []:
            self.call(
                "POST", base + "/settlement-information/bank-accounts", {"bank_account_type": "IBAN", **bank_account}
            )
        product_id = self.product_id(ref)
        for enablement in k.get("payment_program_enablements") or []:
            self.call("POST", f"{base}/products/payment/{product_id}/payment-program-enablements", enablement)
        product = k.get("payment_product") or {}
        if product.get("state") == "disabled":
            self.call("POST", f"{base}/products/payment/{product_id}/disable", product["disabled_reason"])
        if dintero and merchant.get("dintero"):
            d = merchant["dintero"]
            # Dintero takes a common signup only once the company has an organization_number.
            settings = d.get("settings") or ({"company": TEST_COMPANY} if "common" in d["connections"] else None)
            if settings is not None:
                path = f"/dintero/v1/accounts/{d['account_id']}/management/settings"
                response = self.dintero.put(path, json=settings)
                assert response.status_code == 200, response.text
            for name, connection in d["connections"].items():
                self.signup(d["account_id"], name, connection["signup"])

    def signup(self, aid: str, name: str, signup: Mapping[str, Any], *, force: bool = False) -> None:
        query = "?force_new_signup=true" if force else ""
        path = f"/dintero/v1/accounts/{aid}/management/settings/connections/{name}{query}"
        response = self.dintero.post(path, json={"signup": signup})
        assert response.status_code == 201, response.text

    def connection_event(self, aid: str, name: str, status: str) -> None:
        """Move a connection's status, as Dintero does when the merchant signs or is declined."""
        path = f"/dintero/v1/accounts/{DINTERO_PARTNER}/management/accounts/{aid}/connections/{name}/events"
        response = self.dintero.post(path, json={"status": status, "event": f"test_{status}"})
        assert response.status_code == 201, response.text


TEST_COMPANY = {
    "business_name": "Test AS",
    "organization_number": "999999999",
    "address": {"address_line": "Testveien 1", "postal_place": "Oslo", "country": "NO"},
}


@pytest.fixture
def desired(tmp_path: Path) -> DesiredDir:
    return DesiredDir(tmp_path / "desired-state")


@pytest.fixture
def live(klarna: TestClient, dintero: TestClient) -> Live:
    return Live(klarna, dintero)


def fast_params() -> ClientParams:
    retry = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002, max_total_seconds=2.0, rng=random.Random(3))
    return ClientParams(parallelism=4, timeout_seconds=10.0, retry=retry)


class Planner:
    """Plans a desired-state directory against the in-process sandbox, as ``plan``/``drift`` do."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def plan(
        self,
        state: DesiredState,
        targets: Sequence[str] = (),
        *,
        include_partner: bool = False,
        with_unmanaged: bool = False,
    ) -> Plan:
        merchants = select_merchants(state, targets)

        async def run() -> Plan:
            transport = httpx.ASGITransport(app=self.app)
            async with build_clients(fast_params(), transport=transport) as clients:
                return await make_plan(
                    clients, state, merchants, include_partner=include_partner, with_unmanaged=with_unmanaged
                )

        return asyncio.run(run())


@pytest.fixture
def planner(sandbox_app: FastAPI) -> Planner:
    return Planner(sandbox_app)


def summarise(plan: Plan) -> list[OpSummary]:
    """Each operation as (address, action, changed paths): what the tests compare exactly."""
    return [(op.address, op.action.value, tuple(path_text(c.path) for c in op.changes)) for op in plan.operations]


def addr(kind: str, key: str | None = None, merchant: str = REF) -> str:
    return f"{merchant}/{kind}" + (f"/{key}" if key else "")


@pytest.fixture
def synced(desired: DesiredDir, live: Live) -> Iterator[dict[str, Any]]:
    """The base merchant, written as YAML and created live: its plan is empty."""
    merchant = base_merchant()
    desired.write(merchant)
    live.create(merchant)
    yield merchant


# --- the command line, against the embedded sandbox of a temporary working directory -------------

CONFIG_ENV = (
    "RECONCILER_KLARNA_URL",
    "RECONCILER_DINTERO_URL",
    "KLARNA_API_KEY",
    "DINTERO_PARTNER_ID",
    "DINTERO_CLIENT_ID",
    "DINTERO_CLIENT_SECRET",
)
TOKEN_BODY = {"grant_type": "client_credentials", "audience": f"https://api.dintero.com/v1/accounts/{DINTERO_PARTNER}"}


class Cli:
    """``reconciler`` run by click's CliRunner in a temporary cwd, with that cwd's embedded sandbox as ``live``."""

    def __init__(self, workdir: Path, live: Live) -> None:
        self.workdir = workdir
        self.desired = DesiredDir(workdir / "desired-state")
        self.live = live

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    for name in CONFIG_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    app = embedded_app(tmp_path)
    with TestClient(app) as klarna_client, TestClient(app) as dintero_client:
        klarna_client.headers["Authorization"] = "Basic klarna_test_api_sandbox"
        token = dintero_client.post(
            f"/dintero/v1/accounts/{DINTERO_PARTNER}/auth/token", auth=("sandbox", "sandbox"), json=TOKEN_BODY
        )
        assert token.status_code == 200, token.text
        dintero_client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield Cli(tmp_path, Live(klarna_client, dintero_client))
