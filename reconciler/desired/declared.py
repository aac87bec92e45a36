"""A validated merchant file as it is kept past loading: its canonical wire document.

Everything downstream (the desired views, the digest, the reads) needs what a file declares in
wire form, its reference and its Dintero account, never the pydantic model. A model of a merchant
takes about 20 KB; its canonical JSON about 3 KB, so ten thousand merchants stay small and the
document is already the form the digest hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import from_json

from reconciler.desired.origins import Origins
from reconciler.records import pickled_by_fields


def canonical_json(model: BaseModel | None) -> bytes:
    """What a model declares (unset fields left out), in wire names, as sorted compact JSON."""
    body = model.model_dump(mode="json", exclude_unset=True, by_alias=True) if model is not None else None
    return canonical_bytes(body)


def canonical_bytes(data: Any) -> bytes:
    """JSON-shaped ``data`` as sorted compact JSON in UTF-8, the form a merchant is kept in.

    orjson writes it in a third of the time ``json.dumps`` takes (a tenth of loading a merchant file), and
    the same bytes but for a float under 1e-4 (``0.00001``, where ``json.dumps`` writes ``1e-05``); a test
    compares the two. An integer beyond 64 bits, which orjson does not write, is written by ``json.dumps``.
    Numbers are finite: the models refuse YAML's infinite ones (``types.FreeForm``).
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DeclaredMerchant:
    """One merchant file that validated: its reference, its Dintero account id and its document."""

    account_reference: str
    dintero_account_id: str | None
    source: str  # the file, named as given (e.g. ``desired-state/merchants/x.yaml``)
    # ``canonical_json`` of the validated model; it holds sensitive values, so no repr shows it.
    canonical: bytes = field(repr=False)
    # Where each value was written, for a merchant that uses profiles (``desired.origins``); None: its own file.
    origins: Origins | None = field(default=None, repr=False, compare=False)

    def wire(self) -> dict[str, Any]:
        """The declared fields in wire form: ``{"account_reference", "klarna", "dintero"?}``."""
        # pydantic-core's parser, in less than half the time of json.loads: this is read once per
        # merchant per plan, and the text is json.dumps's own UTF-8, which both parsers read alike.
        data: dict[str, Any] = from_json(self.canonical)
        return data

    @property
    def has_dintero(self) -> bool:
        return self.dintero_account_id is not None

    @property
    def retired(self) -> bool:
        """``lifecycle: retired``: the merchant has left management (nothing is planned for it).

        Parsed only for a merchant whose canonical JSON holds the words (compact, and inside a string value
        their quotes would be escaped): a free-form mapping (``branding``) may hold a key ``lifecycle`` too,
        which retires nobody.
        """
        return b'"lifecycle":"retired"' in self.canonical and self.wire().get("lifecycle") == "retired"


def desired_digest(merchants: Sequence[DeclaredMerchant], partner: BaseModel | None, key: bytes) -> str:
    """HMAC-SHA256 under ``key`` over exactly what a plan was made from: its merchants and, when included,
    partner.yaml. Hashed one merchant at a time, from the canonical documents the merchants are kept as.

    Keyed (with the plan's own key, ``plan.fingerprint.precondition_key``): the documents hold the values
    of the secrets store, and a plain hash of them in a plan file would let whoever reads the file and the
    repository test guesses of a secret offline (a date of birth is one of 36,525 in a century).
    """
    digest = hmac.new(key, digestmod=hashlib.sha256)
    digest.update(b"partner\n" + canonical_json(partner) + b"\n")
    for merchant in merchants:
        digest.update(b"merchant\n" + merchant.canonical + b"\n")
    return "hmac-sha256:" + digest.hexdigest()
