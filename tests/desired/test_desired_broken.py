"""The corpus of broken merchant files: each one is reported at its exact file, line, column and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.errors import InputError

BROKEN = Path(__file__).parent / "broken"

# file name -> every issue it must produce: (line, column, message prefix naming the field)
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "bic-invalid": [(6, 12, "klarna.bank_accounts[0].bic: 'NDEA-SE' is not a BIC")],
    "case-id-not-uuid": [(9, 18, "dintero.connections.vipps-psp.signup.case_id: expected a UUID")],
    "common-bank-account-iban": [
        (12, 29, "dintero.connections.common.signup.bank_accounts[0].account_number: not an IBAN")
    ],
    "common-connection-payment-type": [
        (10, 19, "dintero.connections.common.signup.payment_options[0].type: Input should be 'bambora.creditcard'")
    ],
    "connection-unknown": [
        (7, 5, "dintero.connections.vipps_psp: unknown field 'vipps_psp' (did you mean 'vipps-psp'?")
    ],
    "country-unknown": [(9, 16, "klarna.business_information.operating_address.country: 'XX' is not an ISO 3166-1")],
    "currencies-empty": [
        (11, 47, "dintero.connections.klarna.signup.payment_options[0].currencies: List should have at least 1 item")
    ],
    "currency-unknown": [
        (
            8,
            46,
            "klarna.payment_program_enablements[0].enablement_criteria.markets[0].currency: 'SEKK' is not an ISO 4217",
        )
    ],
    "date-of-birth-future": [(7, 22, "klarna.stakeholders[0].date_of_birth: a date of birth cannot be in the future")],
    "date-of-birth-invalid": [(10, 22, "klarna.stakeholders[1].date_of_birth: not a valid calendar date")],
    "dintero-aid-pattern": [(5, 15, "dintero.account_id: a Dintero account id is P or T followed by 8 digits")],
    "dintero-owners-over-100": [
        (
            12,
            11,
            "dintero.connections.common.signup.ownership.owners: ownership percentages add up to 150, more than 100",
        )
    ],
    "disabled-without-reason": [
        (6, 12, "klarna.payment_product.state: a disabled payment product needs disabled_reason")
    ],
    "duplicate-key": [(5, 3, "klarna.account_name: duplicate key (first at line 3)")],
    "email-invalid": [
        (7, 16, "klarna.collections[0].support_contact.email: 'support.example.com' is not a valid email")
    ],
    "enablement-ends-before-start": [
        (7, 21, "klarna.payment_program_enablements[0].effective_to: effective_to is before effective_from")
    ],
    "enablement-twice": [
        (6, 7, "klarna.payment_program_enablements[1]: duplicate payment program enablement krn:payment:global")
    ],
    "entity-type-unknown": [
        (6, 27, "klarna.business_information.business_entity_type: Input should be 'LIMITED_LIABILITY_COMPANY'")
    ],
    "env-tag-mapping": [(7, 22, "klarna.stakeholders[0].date_of_birth: !env takes a variable name")],
    "env-variable-missing": [
        (5, 13, "klarna.bank_accounts[0].iban: environment variable BROKEN_TEST_IBAN_NOT_SET is not set")
    ],
    "iban-checksum": [(6, 13, "klarna.bank_accounts[0].iban: not a valid IBAN: the checksum does not match")],
    "iban-twice": [
        (6, 7, "klarna.bank_accounts[1]: duplicate bank account iban-7466 (same as klarna.bank_accounts[0]")
    ],
    "ip-address-invalid": [(5, 30, "klarna.account_information.account_created_from_ip: '300.1.2.3' is not an IPv4")],
    "klarna-connection-payment-type": [
        (11, 19, "dintero.connections.klarna.signup.payment_options[0].type: Input should be 'klarna.klarna'")
    ],
    "mcc-not-digits": [(5, 29, "klarna.payment_product.merchant_category_code: a merchant category code is 4 digits")],
    "mcc-too-large": [(5, 29, "klarna.payment_product.merchant_category_code: a merchant category code is 4 digits")],
    "merge-key": [(7, 5, "klarna.account_owner: merge keys (<<) are not supported")],
    "missing-account-name": [(2, 1, "klarna.account_name: required field is missing")],
    "ownership-over-100": [(4, 3, "klarna.stakeholders: ownership percentages add up to 110.5, more than 100")],
    "ownership-percentage-range": [
        (8, 29, "klarna.stakeholders[0].ownership_percentage: Input should be less than or equal to 100")
    ],
    "phone-without-plus": [(7, 12, "klarna.account_owner.phone: the value is not an E.164 phone number")],
    "reason-without-disabled": [
        (6, 5, "klarna.payment_product.disabled_reason: disabled_reason is only allowed with state: disabled")
    ],
    "roles-empty": [(8, 14, "klarna.stakeholders[0].roles: List should have at least 1 item")],
    "several-documents": [(5, 1, "expected one YAML document, found several")],
    "stakeholder-role-unknown": [(8, 22, "klarna.stakeholders[0].roles[1]: Input should be 'OWNER'")],
    "stakeholder-twice": [
        (11, 7, "klarna.stakeholders[2]: duplicate stakeholder ola-nordmann (same as klarna.stakeholders[0]")
    ],
    "timestamp-without-zone": [
        (6, 25, "klarna.account_information.account_created_at: the value has no time zone")
    ],
    "top-level-list": [(1, 1, "the top level must be a mapping of fields, found a list")],
    "top-level-scalar": [(1, 1, "the top level must be a mapping of fields, found a single value")],
    "unknown-nested-key": [
        (7, 5, "klarna.account_owner.mail: unknown field 'mail' (did you mean 'email'? expected one of: given_name")
    ],
    "unknown-tag": [(3, 17, "klarna.account_name: unknown tag !vault (only !env and !secret are supported)")],
    "secret-missing": [
        (4, 45, "klarna.payment_product.merchant_category_code: a merchant category code is 4 digits"),
        (6, 13, "klarna.bank_accounts[0].iban: secret BROKEN_TEST_IBAN_NOT_STORED is not in the secrets store"),
    ],
    # An unset variable hides none of the file's other problems.
    "env-unset-and-other-errors": [
        (3, 17, "klarna.account_name: environment variable BROKEN_TEST_NAME_NOT_SET is not set"),
        (4, 45, "klarna.payment_product.merchant_category_code: a merchant category code is 4 digits"),
        (6, 13, "klarna.bank_accounts[0].iban: environment variable BROKEN_TEST_IBAN_NOT_SET_EITHER is not set"),
        (7, 12, "klarna.bank_accounts[0].bic: 'NDEA-SE' is not a BIC"),
    ],
    "credential-variable": [
        (5, 13, "klarna.bank_accounts[0].iban: !env KLARNA_API_KEY names a credential variable of the reconciler"),
        (6, 13, "klarna.bank_accounts[1].iban: !secret RECONCILER_AGE_IDENTITY names a credential variable"),
    ],
    "unknown-top-level-key": [
        (1, 1, "account_reference: required field is missing"),
        (1, 1, "account_referense: unknown field 'account_referense' (did you mean 'account_reference'?"),
    ],
    "website-collection-undeclared": [
        (6, 37, "klarna.websites[0].channel_collection_reference: collection 'online-store' is not declared")
    ],
    "website-twice": [(7, 7, "klarna.websites[1]: duplicate website shop (same as klarna.websites[0] at line 5)")],
    "yaml-syntax-error": [(4, 26, "YAML syntax error:")],
    # Hostile input: null (~) where a list or a section is expected.
    "null-list": [
        (4, 13, "klarna.websites: expected a list, got null (~); to leave the field unmanaged, leave it out"),
        (6, 1, "klarna.stakeholders: expected a list, got null (~); to leave the field unmanaged, leave it out"),
    ],
    "null-section": [
        (4, 18, "klarna.account_owner: expected a mapping, got null (~); to leave the field unmanaged, leave it out"),
        (8, 16, "dintero.connections.vipps-psp: expected a mapping, got null (~); to leave the field unmanaged"),
    ],
    "null-required-section": [(2, 9, "klarna: expected a mapping, got null (~)")],
    "null-list-item": [(5, 7, "klarna.bank_accounts[0]: expected a mapping, got null (~)")],
    # Natural keys that differ only by surrounding whitespace, a trailing line break or Unicode composition.
    "website-reference-whitespace": [
        (6, 7, "klarna.websites[1]: duplicate website shop (same as klarna.websites[0] at line 5)"),
        (7, 7, "klarna.websites[2]: duplicate website shop (same as klarna.websites[0] at line 5)"),
    ],
    "stakeholder-whitespace-nfc": [
        (8, 7, "klarna.stakeholders[1]: duplicate stakeholder ase-odegard (same as klarna.stakeholders[0] at line 5)")
    ],
    "enablement-code-whitespace": [
        (7, 7, "klarna.payment_program_enablements[1]: duplicate payment program enablement krn:payment:global")
    ],
    "iban-twice-spaced": [
        (6, 7, "klarna.bank_accounts[1]: duplicate bank account iban-7466 (same as klarna.bank_accounts[0] at line 5)")
    ],
    # Characters that have no place in an API value.
    "control-character-escaped": [(3, 17, "klarna.account_name: control character U+001B is not allowed")],
    "control-character-raw": [(3, 25, "control character U+0007 is not allowed in YAML text")],
    "control-character-key": [(4, 3, "klarna: a key holds a control character U+0000")],
    "bidi-override": [
        (5, 17, "klarna.account_owner.given_name: bidirectional control character U+202E is not allowed")
    ],
    "lone-surrogate": [(3, 17, "klarna.account_name: lone surrogate U+D800 is not allowed")],
    "line-break-in-name": [
        (3, 17, "klarna.account_name: a single line of text is expected; found a tab (U+0009)"),
        (6, 21, "klarna.websites[0].website_name: a single line of text is expected; found a line break (U+000A)"),
    ],
    "credential-env-control": [
        (5, 13, "klarna.bank_accounts[0].iban: the value of !env HOSTILE_UNSET_IBAN holds a control character U+0000")
    ],
    "ascii-digits-only": [
        (4, 45, "klarna.payment_product.merchant_category_code: a merchant category code is 4 digits"),
        (6, 15, "dintero.account_id: a Dintero account id is P or T followed by 8 digits"),
    ],
    "reference-look-alike": [(1, 20, "account_reference: a reference is 1-100 letters, digits")],
}


def _issues_of(directory: Path) -> list[tuple[str, int, int, str]]:
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ={})
    return [(i.file, i.line, i.column, i.message) for i in caught.value.issues]


def _matches(expected: list[tuple[int, int, str]], got: list[tuple[str, int, int, str]], file: str) -> None:
    mine = sorted((line, column, message) for f, line, column, message in got if f == file)
    assert len(mine) == len(expected), mine
    for (line, column, prefix), (got_line, got_column, message) in zip(sorted(expected), mine, strict=True):
        assert (got_line, got_column) == (line, column), message
        assert message.startswith(prefix), message


def test_the_corpus_holds_at_least_thirty_files_each_with_an_expectation() -> None:
    names = {path.stem for path in BROKEN.glob("*.yaml")}
    assert names == set(EXPECTED)
    assert len(names) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_reported_at_its_line_column_and_field(name: str, desired_dir: Path) -> None:
    shutil.copy(BROKEN / f"{name}.yaml", desired_dir / "merchants" / f"{name}.yaml")
    got = _issues_of(desired_dir)
    file = f"desired-state/merchants/{name}.yaml"
    assert all(f == file for f, *_ in got)
    _matches(EXPECTED[name], got, file)


def test_every_broken_file_is_reported_in_one_run(desired_dir: Path) -> None:
    for path in BROKEN.glob("*.yaml"):
        shutil.copy(path, desired_dir / "merchants" / path.name)
    # The broken files share case_ids and IBANs (each is a copy of one example): those copies are reported
    # too (tests/desired/test_desired_copies.py); here only each file's own issues are counted.
    got = [issue for issue in _issues_of(desired_dir) if "is also used by another merchant" not in issue[3]]
    assert len(got) == sum(len(issues) for issues in EXPECTED.values())
    for name, expected in EXPECTED.items():
        _matches(expected, got, f"desired-state/merchants/{name}.yaml")
