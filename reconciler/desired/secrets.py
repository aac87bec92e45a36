"""Secret references in YAML: ``!secret NAME`` (the secrets store) and ``!env NAME`` (the environment).

``iban: !secret NORDIC_BIKES_IBAN`` takes the value from ``secrets.age`` beside the merchant files
(``desired.secret_store``); ``!env NAME`` takes it from the environment, for values a CI system
provides, and ``!env [NAME, fallback]`` gives a fallback used when the variable is not set. With
``CI=true`` an unset variable is an error even with a fallback, unless ``reconciler.yaml`` lists it
under ``env.allow_fallback``: a pipeline that forgot to export a variable must not silently run on
an example value.

Neither tag may name one of the reconciler's own credential variables (``RESERVED_VARIABLES``): a
merchant file must not be able to copy an API key into a value a plan would send to an API.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.config import (
    ENV_DINTERO_CLIENT_ID,
    ENV_DINTERO_CLIENT_SECRET,
    ENV_DINTERO_PARTNER_ID,
    ENV_KLARNA_API_KEY,
    ENV_NAME_PATTERN,
    SECRET_NAME_PATTERN,
    in_ci,
)
from reconciler.desired.yaml_nodes import scalar_text
from reconciler.sensitive import looks_sensitive, shown_name

ENV_TAG = "!env"
SECRET_TAG = "!secret"
_NAME = re.compile(ENV_NAME_PATTERN)
SECRET_NAME = re.compile(SECRET_NAME_PATTERN)
# Longer than any name import makes (a reference, a digest and a path of natural keys): a name is printed
# in messages and listings, and a 100,000-character one was.
MAX_SECRET_NAME_CHARS = 1_000
# The variables of the secrets store's age identity (``desired.secret_store``).
IDENTITY_VARIABLE = "RECONCILER_AGE_IDENTITY"
IDENTITY_FILE_VARIABLE = "RECONCILER_AGE_IDENTITY_FILE"

# How import names a value: ``<account reference>.klarna.<place>`` (or ``.dintero.``), ``secret_name`` in imports.
_IMPORTED_NAME = re.compile(r"\.(?:klarna|dintero)\.")
# Klarna lists whose items import names by their natural key, which every plan shows in its addresses too
# (``M123786123412/klarna.website/999888777``): ``M1.klarna.collections.999888777.branding.api_key``.
_ADDRESSED_LISTS = frozenset(
    {"websites", "collections", "stakeholders", "bank_accounts", "payment_program_enablements"}
)


def shown_secret_name(name: str) -> str:
    """A secret's name as output may show it: as written, or masked when it looks like a sensitive value
    (an IBAN, a date, a national id or a key typed where the name goes; ``shown_name``).

    In a name import made, only the place after the account reference is judged: the reference is shown in
    every plan's addresses already (``M123786123412/klarna.stakeholder/…``), and its digits would otherwise
    mask every name of every merchant whose reference holds a long number or a year. So is the natural key
    of an item of a Klarna list, for the same reason (a collection ``999888777``).
    """
    found = _IMPORTED_NAME.search(name)
    if found is not None and found.start() > 0 and not looks_sensitive(_place_judged(name, found)):
        return name
    return shown_name(name)


def _place_judged(name: str, found: re.Match[str]) -> str:
    """The place of an imported name, without the natural key of a Klarna list item that addresses show."""
    place = name[found.end() :]
    parts = place.split(".")
    if found.group() == ".klarna." and len(parts) > 2 and parts[0] in _ADDRESSED_LISTS:
        return ".".join((parts[0], *parts[2:]))
    return place


def looks_like_a_value(name: str) -> bool:
    """Whether a name would be masked in output (``shown_secret_name``): a name to refuse, not to make."""
    return shown_secret_name(name) != name


# Variables that hold the reconciler's own credentials and keys. The names a reconciler.yaml gives
# its credential variables (``api_key_env``...) are added per load (``reserved_variables``).
RESERVED_VARIABLES = frozenset(
    {
        ENV_KLARNA_API_KEY,
        ENV_DINTERO_PARTNER_ID,
        ENV_DINTERO_CLIENT_ID,
        ENV_DINTERO_CLIENT_SECRET,
        "RECONCILER_MASK_KEY",
        IDENTITY_VARIABLE,
        IDENTITY_FILE_VARIABLE,
    }
)


@dataclass(frozen=True)
class EnvRules:
    """How ``!env`` resolves in one load: which variables are refused, which may fall back in CI."""

    reserved: frozenset[str] = RESERVED_VARIABLES
    allow_fallback: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EnvReference:
    """A value to take from the environment variable ``name``, or ``fallback`` when it is unset."""

    name: str
    fallback: str | None = None

    def resolve(self, environ: Mapping[str, str], rules: EnvRules | None = None) -> str:
        """The variable's value, else the fallback; raises ``LookupError`` when neither may be used."""
        rules = rules or EnvRules()
        if self.name in rules.reserved:
            raise LookupError(
                f"!env {self.name} names a credential variable of the reconciler itself: a merchant value "
                "must not copy it (use !secret for a merchant's own secrets)"
            )
        value = environ.get(self.name)
        if value is not None:
            return value
        # An IBAN or a national id written as the name (the value itself typed after !env) is masked.
        name = shown_name(self.name)
        if self.fallback is not None:
            if in_ci(environ) and self.name not in rules.allow_fallback:
                raise LookupError(
                    f"environment variable {name} is not set, and with CI=true a fallback is used only "
                    f"when reconciler.yaml allows it (env: {{allow_fallback: [{name}]}}); export it in the "
                    "workflow, or move the value into the secrets store (!secret)"
                )
            return self.fallback
        raise LookupError(f"environment variable {name} is not set (referenced by !env)")


@dataclass(frozen=True)
class SecretReference:
    """A value to take from the secrets store, by name."""

    name: str


@dataclass(frozen=True)
class SecretLookup:
    """What the store says of one name: ``found`` it, and its ``value`` (None: known by name only,
    from ``secrets.index``, because no identity was given to decrypt)."""

    found: bool
    value: str | None = None


class SecretSource(Protocol):
    """Where ``!secret`` values come from during one load (``secret_store.StoreSource``)."""

    def lookup(self, name: str) -> SecretLookup:
        """The name's value; raises ``SecretsError`` when the store cannot be read at all."""
        ...


def parse_env_node(node: Any) -> EnvReference:
    """The reference an ``!env`` node holds (a composed node of either YAML parser); raises ``ValueError``
    for any other shape."""
    usage = "write !env NAME or !env [NAME, fallback]"
    if node.id == "scalar":
        name, fallback = scalar_text(node).strip(), None
    elif node.id == "sequence" and len(node.value) == 2 and all(item.id == "scalar" for item in node.value):
        name, fallback = scalar_text(node.value[0]).strip(), scalar_text(node.value[1])
    else:
        raise ValueError(f"!env takes a variable name: {usage}")
    if not _NAME.fullmatch(name):
        raise ValueError(f"!env needs an environment variable name (letters, digits, _): {usage}")
    return EnvReference(name, fallback)


def parse_secret_node(node: Any, reserved: Collection[str] = RESERVED_VARIABLES) -> SecretReference:
    """The reference a ``!secret`` node holds; raises ``ValueError`` for any other shape."""
    if node.id != "scalar":
        raise ValueError("!secret takes the name of a secret: write !secret NAME")
    name = scalar_text(node).strip()
    if len(name) > MAX_SECRET_NAME_CHARS:
        raise ValueError(f"!secret names a secret of at most {MAX_SECRET_NAME_CHARS} characters, not {len(name):,}")
    if not SECRET_NAME.fullmatch(name):
        raise ValueError("!secret needs a secret name (letters, digits, '_', '.', '-', starting with a letter or '_')")
    if name in reserved:
        raise ValueError(
            f"!secret {name} names a credential variable of the reconciler itself: a merchant value must not "
            "hold the reconciler's credentials; give the secret another name"
        )
    return SecretReference(name)
