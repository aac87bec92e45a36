from __future__ import annotations

import json
from dataclasses import replace

from reconciler.compare.diff import Change
from reconciler.kinds import ResourceKind
from reconciler.plan import Action, Operation, Plan
from reconciler.plan.value import Declaration
from reconciler.render import render_json, render_markdown, render_text
from reconciler.sensitive import redact

CANARY_IBAN = "NO9386011117947"


def sample_plan(merchants: int = 2) -> Plan:
    ops = []
    for i in range(merchants):
        ref = f"M{i:04d}"
        ops.append(
            Operation(
                f"{ref}/klarna.account",
                ref,
                ResourceKind.ACCOUNT,
                Action.CREATE,
                (Change.of(("account_name",), None, f"Shop {i}"),),
            )
        )
        ops.append(
            Operation(
                f"{ref}/klarna.stakeholder/testa",
                ref,
                ResourceKind.STAKEHOLDER,
                Action.PATCH,
                (Change.of(("address", "city"), "Oslo", "Bergen"),),
                "sha256:x",
                (f"{ref}/klarna.account",),
            )
        )
        masked = redact({"iban": CANARY_IBAN}, "")
        ops.append(
            Operation(
                f"{ref}/klarna.bank_account/7947",
                ref,
                ResourceKind.BANK_ACCOUNT,
                Action.CREATE,
                (Change.of(("iban",), None, masked["iban"]),),
            )
        )
    return Plan("sha256:d", tuple(ops), merchants=tuple(f"M{i:04d}" for i in range(merchants)))


def test_text_shows_one_line_per_operation_and_the_summary() -> None:
    out = render_text(sample_plan(1))
    assert "+ klarna.account" in out
    assert "~ klarna.stakeholder/testa" in out
    assert 'address.city: "Oslo" → "Bergen"' in out
    assert out.rstrip().endswith(
        "Plan: 2 to create, 1 to patch, 0 to replace, 0 to disable, 0 to enable, 0 to delete, 0 blocked."
    )
    assert CANARY_IBAN not in out and "****7947" in out


def test_empty_plan_says_no_changes() -> None:
    assert "No changes." in render_text(Plan("d", ()))
    assert "No changes." in render_markdown(Plan("d", ()))


def test_json_is_the_plan_document() -> None:
    doc = json.loads(render_json(sample_plan(1)))
    assert doc["format_version"] == 1
    assert doc["summary"]["create"] == 2
    assert doc["operations"][1]["depends_on"] == ["M0000/klarna.account"]
    assert CANARY_IBAN not in render_json(sample_plan(1))


def test_markdown_has_table_and_collapsible_sections() -> None:
    out = render_markdown(sample_plan(2))
    assert "| <code>M0000</code> |  | 2 |  | 1 |" in out
    assert out.count("<details>") == 2
    assert CANARY_IBAN not in out


def test_markdown_over_the_limit_is_cut_with_a_note() -> None:
    plan = sample_plan(2000)
    out = render_markdown(plan)
    assert len(out) <= 65_536
    assert "Plan truncated" in out
    shown = out.count("<details>")
    assert 0 < shown < 2000
    assert f"{2000 - shown} merchant section(s) were left out" in out


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[" not in render_text(sample_plan(1))
    assert "\x1b[32m" in render_text(sample_plan(1), color=True)


def test_a_vipps_configuration_and_a_signing_key_are_masked_wherever_they_appear() -> None:
    configuration = {
        "client_id": "vipps-client-7f3a",
        "subscription_keys": [{"product": "ecom", "ocp_apim_subscription_key": "sub-key-9c1e"}],
        "merchant_serial_number": "123456",
    }
    masked = redact({"configuration": configuration, "signing_key": "whsec-2b7d"})
    text = str(masked)
    assert "vipps-client-7f3a" not in text and "sub-key-9c1e" not in text and "whsec-2b7d" not in text
    assert masked["configuration"]["merchant_serial_number"] == "123456"


def test_a_file_name_with_a_line_break_or_markup_cannot_break_out_of_its_section() -> None:
    hostile = "merchants/x\n</code></summary></details>\n\n```\n| a | b |\n[x](javascript:alert(1)) <script>.yaml"
    plan = replace(sample_plan(1), declarations={"M0000": Declaration("Shop </summary> `x` | y", hostile)})
    out = render_markdown(plan)
    [summary] = [line for line in out.splitlines() if line.startswith("<details>")]
    assert summary.endswith("</summary>") and summary.count("<") == 7  # details, summary, code, /code twice, /summary
    assert "x&#92;u000a&#60;/code&#62;&#60;/summary&#62;" in summary
    assert "<script>" not in out and "](" not in out
    assert out.count("<details>") == out.count("</details>") == 1
    text = render_text(plan)
    assert "M0000  Shop </summary> `x` | y, merchants/x\\u000a</code>" in text


def test_one_symbol_per_action_in_text_and_markdown() -> None:
    """Terraform's symbol where it has one, a word where it has none; the same line in both formats."""
    ref = "M0000"
    ops = tuple(
        Operation(
            f"{ref}/klarna.stakeholder/{action.value}",
            ref,
            ResourceKind.STAKEHOLDER,
            action,
            replaces=f"{ref}/klarna.stakeholder/old" if action is Action.REPLACE else None,
        )
        for action in Action
    )
    plan = Plan("sha256:d", ops, merchants=(ref,))
    text, markdown = render_text(plan).splitlines(), render_markdown(plan).splitlines()
    expected = {
        Action.CREATE: "+ klarna.stakeholder/create  create",
        Action.PATCH: "~ klarna.stakeholder/patch  patch",
        Action.REPLACE: "-/+ klarna.stakeholder/replace  replace",
        Action.DISABLE: "disable klarna.stakeholder/disable",
        Action.ENABLE: "enable klarna.stakeholder/enable",
        Action.DELETE: "- klarna.stakeholder/delete  delete",
        Action.BLOCKED: "blocked klarna.stakeholder/blocked",
    }
    for action, line in expected.items():
        shown = [entry for entry in text if entry.strip().startswith(line)]
        assert len(shown) == 1, (action, text)
        assert any(entry.startswith(line) for entry in markdown), (action, markdown)


def test_the_limit_is_counted_as_github_counts_it() -> None:
    """A character past U+FFFF (an emoji in a merchant name) is two UTF-16 code units to GitHub."""
    plan = sample_plan(400)
    plan = replace(
        plan, declarations={ref: Declaration("Fisk \U0001f41f" * 20, f"m/{ref}.yaml") for ref in plan.merchants}
    )
    out = render_markdown(plan)
    assert "Plan truncated" in out and "among the run's artifacts" in out
    assert len(out.encode("utf-16-le")) // 2 <= 65_536


def test_a_held_by_a_notice_and_an_unmanaged_reference_stay_text() -> None:
    """Values a plan file or a live object supplies cannot end a tag or move a terminal's cursor."""
    from reconciler.plan.operation import Notice

    hostile = "Klarna <script>\x1b[2J"
    op = replace(sample_plan(1).operations[0], action=Action.BLOCKED, held_by=hostile, reason="held")
    plan = replace(
        sample_plan(1),
        operations=(op,),
        notices=(Notice("M0000/dintero.connection/klarna\x1b[2J", "M0000", "waits \x1b[2J<b>"),),
        unmanaged=("M9\x1b[2J",),
    )
    text = render_text(plan)
    assert "\x1b" not in text
    assert "\\u001b[2J" in text
    out = render_markdown(plan)
    assert "\x1b" not in out
    [held] = [line for line in out.splitlines() if line.startswith("- <code>M0000/klarna.account")]
    [notice] = [line for line in out.splitlines() if line.startswith("- <code>M0000/dintero")]
    assert "<script>" not in held and "<b>" not in notice  # outside the code block: entities


def test_a_profile_file_name_with_a_line_break_stays_on_its_line() -> None:
    hostile = "profiles/eu\n- `injected`\x1b[2J.yaml"
    change = replace(Change.of(("account_name",), "Shop", "Shop AS"), origin=hostile)
    op = Operation("M0000/klarna.account", "M0000", ResourceKind.ACCOUNT, Action.PATCH, (change,), "sha256:x")
    plan = Plan("sha256:d", (op,), merchants=("M0000",))
    for out in (render_text(plan), render_markdown(plan)):
        assert "\x1b" not in out
        assert not any(line.startswith("- `injected`") for line in out.splitlines())
        assert "eu\\u000a- `injected`\\u001b[2J" in out


def test_a_policy_verdict_read_from_a_plan_file_stays_on_its_lines() -> None:
    """``show`` prints a saved plan's verdict: its text is the file's, and a line break in it must not
    start a line of its own (``::add-mask::`` or ``::error`` taken as a command in a CI log)."""
    from reconciler.plan.policy import PolicyVerdict, Violation

    hostile = "1 delete\n::add-mask::x\r::error file=a::b\x1b[2J"
    verdict = PolicyVerdict((Violation("policy.allow_delete", hostile, "--allow-delete\n::warning::y", ("M0000",)),))
    plan = replace(sample_plan(1), policy=verdict)
    text = render_text(plan)
    assert not any(line.lstrip().startswith("::") for line in text.splitlines()), text
    assert "\x1b" not in text
    assert "  - 1 delete\\u000a::add-mask::x\\u000d::error file=a::b\\u001b[2J" in text
    assert "Flags that lift it: --allow-delete\\u000a::warning::y" in text
    markdown = render_markdown(plan)
    assert not any(line.lstrip("> ").startswith("::") for line in markdown.splitlines())
