"""Import: the live state of merchants the partner already has, written as merchant files and secrets.

The other way round from the pipeline: live/ reads the accounts in pages, ``imports.document`` turns each
into the merchant document ``validate`` accepts (sensitive values as ``!secret`` references), checks that
the document plans no operation against the live state it came from, and ``imports.files`` writes the
files (a temporary name, then a rename) and the secrets store.
"""

from __future__ import annotations

from reconciler.imports.document import ImportedMerchant, SecretRef, merchant_document
from reconciler.imports.run import ImportResult, ImportSelection, import_merchants

__all__ = [
    "ImportResult",
    "ImportSelection",
    "ImportedMerchant",
    "SecretRef",
    "import_merchants",
    "merchant_document",
]
