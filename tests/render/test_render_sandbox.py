"""Rendering real plans, made by the CLI against the embedded sandbox: nested values, names and files."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from tests.apply.conftest import Workspace

REF = "SK-2024-0002"
FILE = "desired-state/merchants/stockholm-kaffe.yaml"
# Sensitive values of the Stockholm Kaffe common signup, in every form they could take.
CANARIES = ("19751102-0000", "SE35 5000 0000 0549 1000 0003", "SE3550000000054910000003", "1975-11-02")


def section(text: str, start: str, end: str) -> list[str]:
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i in range(first + 1, len(lines)) if end in lines[i])
    return lines[first:last]


def test_a_common_signup_create_is_a_nested_block(workspace: Workspace) -> None:
    result = workspace.run("plan", "--target", REF)
    assert result.exit_code == 0, result.output
    block = section(result.stdout, "dintero.connection/common", "dintero.connection/klarna")
    assert block[1] == "        signup: {"
    assert "            ownership: {" in block and "                owners: [" in block
    assert '            package: "Checkout 195 NOK/month + 1.5%"' in block
    assert any(re.fullmatch(r' {24}social_security_number: "\*{4}.*\(fp:[0-9a-f]{4}\)"', line) for line in block)
    assert len(block) > 40 and max(len(line) for line in block) < 110  # no 1,500-character line
    markdown = workspace.run("plan", "--target", REF, "--format", "markdown").stdout
    md_block = section(markdown, "+ dintero.connection/common  create", "+ dintero.connection/klarna  create")
    assert md_block[1] == "    signup: {" and "        ownership: {" in md_block
    for output in (result.stdout, markdown):
        assert not any(canary in output for canary in CANARIES)


def edit_payment_options(workspace: Workspace) -> None:
    workspace.edit_merchant(
        REF,
        "          - type: dintero.zero\n            currencies: [SEK]\n",
        "          - type: dintero.zero\n            currencies: [SEK, NOK]\n",
    )


def test_a_nested_patch_shows_the_items_that_differ_before_and_after(converged: Workspace) -> None:
    edit_payment_options(converged)
    out = converged.run("plan", "--target", REF).stdout
    lines = out.splitlines()
    first = lines.index("        signup.payment_options: [")
    assert lines[first : lines.index("        ]", first) + 1] == [
        "        signup.payment_options: [",
        "            {",
        "                currencies: [",
        '                    "SEK"',
        "                ]",
        '                type: "swish.swish"',
        "            }",
        "          + {",
        "              + currencies: [",
        '                  + "SEK"',
        '                  + "NOK"',
        "              + ]",
        '              + type: "dintero.zero"',
        "          + }",
        "          - {",
        "              - currencies: [",
        '                  - "SEK"',
        "              - ]",
        '              - type: "dintero.zero"',
        "          - }",
        "        ]",
    ]
    markdown = converged.run("plan", "--target", REF, "--format", "markdown").stdout
    assert '+               + "NOK"' not in markdown  # a mark is the line's first character, once
    assert '+               "NOK"' in markdown and '-           type: "dintero.zero"' in markdown
    document = json.loads(converged.run("plan", "--target", REF, "--format", "json").stdout)
    [change] = [c for op in document["operations"] for c in op["changes"] if c["path"] == "signup.payment_options"]
    assert {"currencies": ["SEK"], "type": "dintero.zero"} in change["before"]  # the plan keeps values as data
    assert {"currencies": ["SEK", "NOK"], "type": "dintero.zero"} in change["after"]


class Elements(HTMLParser):
    """Every element of rendered HTML, and the text of each ``<summary>``."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.summaries: list[str] = []
        self._in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "summary":
            self._in_summary = True
            self.summaries.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "summary":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._in_summary:
            self.summaries[-1] += data


HOSTILE_NAME = "Shop <b>bold</b> | pipe `tick` [link](https://evil.example) @octocat # heading"
HOSTILE_FILE = "z <img src=x> | `](javascript:x)` *.yaml"


def test_hostile_names_and_files_stay_text_in_the_comment(workspace: Workspace) -> None:
    """A merchant name and a file name a pull request chose: no tag, link, table cell or line of their own."""
    path = workspace.desired / "merchants" / HOSTILE_FILE
    workspace.merchant_file(REF).rename(path)
    workspace.edit(path, "account_name: Stockholm Kaffe AB", f"account_name: {json.dumps(HOSTILE_NAME)}")
    result = workspace.run("plan", "--target", REF, "--format", "markdown")
    assert result.exit_code == 0, result.output
    comment = result.stdout
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(comment)
    elements = Elements()
    elements.feed(html)
    assert {"a", "b", "img", "h1", "script"}.isdisjoint(elements.tags)
    [summary] = elements.summaries
    # A zero-width space after ``@`` and ``#``: GitHub would take them for a mention or an issue reference.
    shown = HOSTILE_NAME.replace("@", "@\u200b").replace("#", "#\u200b")
    assert summary.startswith(f"{REF} · {shown} · ")
    assert f"desired-state/merchants/{HOSTILE_FILE}" in summary
    row = next(line for line in comment.splitlines() if line.startswith(f"| <code>{REF}</code>"))
    assert row.count("|") == 11  # 10 cells (merchant, name, 8 actions): the name's pipe is no cell of its own
    text = workspace.run("plan", "--target", REF).stdout
    assert f"{REF}  {HOSTILE_NAME}, desired-state/merchants/{HOSTILE_FILE}" in text


def test_the_plan_file_and_show_keep_names_files_and_the_commit(workspace: Workspace) -> None:
    result = workspace.run("plan", "--target", REF, "--out", "plan.json", "--commit", "ABCDEF0123")
    assert result.exit_code == 0, result.output
    document = json.loads((workspace.root / "plan.json").read_text(encoding="utf-8"))
    assert document["commit"] == "abcdef0123"
    assert document["declarations"] == {REF: {"name": "Stockholm Kaffe AB", "file": FILE}}
    shown = workspace.run("show", "plan.json", "--format", "markdown").stdout
    assert "Made from commit <code>abcdef0123</code>" in shown
    assert f"<code>{REF}</code> · Stockholm Kaffe AB · <code>{FILE}</code>" in shown
    assert "Commit: abcdef0123" in workspace.run("show", "plan.json").stdout


def test_the_drift_report_names_each_drifted_merchant_and_its_file(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    edit_payment_options(converged)
    result = converged.run("drift", "--format", "json")
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    drifted = {op["merchant"] for op in report["operations"]}
    assert drifted == {"NB-2024-0001", REF}
    named = {reference: report["declarations"][reference] for reference in drifted}
    assert named == {
        "NB-2024-0001": {"name": "Nordic Bikes Oslo AS", "file": "desired-state/merchants/nordic-bikes.yaml"},
        REF: {"name": "Stockholm Kaffe AB", "file": FILE},
    }
    # Merchants with only a notice (a signup awaiting signature) are named too; no other merchant is.
    noticed = {notice["merchant"] for notice in report.get("notices", [])}
    assert set(report["declarations"]) == drifted | noticed
