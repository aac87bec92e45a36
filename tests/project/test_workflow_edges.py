"""Edges of the reusable workflows, run step by step (tests/project/actions_runner.py): a pull request validate
refuses, comments cut at GitHub's limit, drift off the default branch, the token of the project's own CI, the
required check on pull requests outside the desired state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.project.test_workflow_scripts import (
    BASE,
    READ_SECRETS,
    URLS,
    PartnerRepository,
    long_plan_comment,
    merchant,
    plan_markdown,
    posted,
    real_reconciler,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> PartnerRepository:
    return PartnerRepository(tmp_path)


def open_fence_at_end(markdown: str) -> str | None:
    """The backtick fence still open at the end of ``markdown`` (CommonMark: a closing fence is a line of
    backticks at least as long as the opening one), or None."""
    fence = None
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None:
            match = re.match(r"(`{3,})[^`]*$", stripped)
            if match:
                fence = match.group(1)
        elif re.fullmatch("`{" + str(len(fence)) + ",}", stripped):
            fence = None
    return fence


def sections(markdown: str) -> list[str]:
    """Each ``<details>`` … ``</details>`` section of a comment, as written."""
    return re.findall(r"<details><summary>.*?</details>", markdown, flags=re.S)


# ---------------------------------------------------------------- 1. refused by validate, yet "nothing to plan"


def _refused_on_the_pull_request_as_on_merge(repo: PartnerRepository) -> None:
    """apply.yml's plan job fails at validate on the merged tree; the pull request's check fails too, and its
    comment is no green "nothing to plan"."""
    result = repo.run("plan.yml", secrets={"RECONCILER_MASK_KEY": "k" * 40})
    comment = repo.artifact("reconciler-plan", "comment.md")
    applied = repo.run("apply.yml", event="push", secrets={"RECONCILER_MASK_KEY": "k" * 40})
    assert applied["plan"].step("plan").outputs["stage"] == "validate"
    assert applied["plan"].step("plan").outputs["exitcode"] == "1"
    assert "nothing to plan" not in comment, comment
    assert result["plan"].result == "failure"


def test_a_merchant_file_validate_refuses_is_not_reported_as_nothing_to_plan(repo: PartnerRepository) -> None:
    """`merchants/new-shop.YAML` (or `.json`) is an error for `reconciler validate` ("not read: merchant files
    ... end in .yaml or .yml (lower case)"), so apply on merge fails at validate. The pull request's plan
    job skips validate altogether (mode none) and posts a green "adds or changes no merchant file"."""
    base = real_reconciler(repo)
    shop = base["desired-state/merchants/nordic-bikes.yaml"]
    repo.pull_request(base, {"desired-state/merchants/new-shop.YAML": shop})
    _refused_on_the_pull_request_as_on_merge(repo)


def test_a_deletion_that_breaks_validate_is_not_reported_as_nothing_to_plan(repo: PartnerRepository) -> None:
    """A pull request that only deletes a merchant file plans nothing (by design), but it is not validated
    either: deleting B while A lists B in `shares_with` makes `reconciler validate` fail ("no merchant file
    declares account_reference B"), which the pull request shows as a green "nothing to plan" and apply
    on merge fails at."""
    base = real_reconciler(repo)
    template = base["desired-state/merchants/john-doe-stakehouse.yaml"]
    for me, other, site in (("M900000000001", "M900000000002", "1"), ("M900000000002", "M900000000001", "2")):
        text = template.replace("account_reference: M123786123412",
                                f"account_reference: {me}\nshares_with: [{other}]")
        text = text.replace('"999888777"', f'"99988800{site}"').replace("number: 123-456-7890", "number: 555-55-5555")
        base[f"desired-state/merchants/pair-{site}.yaml"] = text
    repo.pull_request(base, {}, deleted=["desired-state/merchants/pair-2.yaml"])
    _refused_on_the_pull_request_as_on_merge(repo)


# ---------------------------------------------------------------- 2. the workflow's second cut is not at a merchant


def _many_new_merchants(repo: PartnerRepository, count: int = 60, deleted: int = 20) -> None:
    """A pull request that adds ``count`` new merchants (a plan over 65,536 characters, cut by the renderer)
    and removes ``deleted`` merchant files (listed by the workflow under the plan)."""
    base = real_reconciler(repo)
    template = base["desired-state/merchants/john-doe-stakehouse.yaml"]
    head = {}
    for i in range(count):
        text = template.replace("account_reference: M123786123412", f"account_reference: M9000000{i:05}")
        text = text.replace('website_reference: "999888777"', f'website_reference: "9998{i:05}"')
        text = text.replace("number: 123-456-7890", f"number: 123-45-{i:04}")
        head[f"desired-state/merchants/jd-{i:03}.yaml"] = text
    for i in range(deleted):
        base[f"desired-state/merchants/gone-{i:03}.yaml"] = merchant(f"GONE-{i:03}", f"Gone Shop {i} AS")
    repo.pull_request(base, head, deleted=[f"desired-state/merchants/gone-{i:03}.yaml" for i in range(deleted)])


def test_a_plan_cut_by_the_renderer_keeps_whole_merchant_sections_in_the_comment(repo: PartnerRepository) -> None:
    """README: "A plan over GitHub's 65,536 characters is cut (at a merchant, by the renderer)". The renderer
    fills its 65,536; the compose step then adds the removed-files list and the footer and cuts again at
    any line break: a merchant's section loses some of its operations, and the renderer's note of how many
    merchants were left out is dropped."""
    _many_new_merchants(repo)
    result = repo.run("plan.yml", secrets={"RECONCILER_MASK_KEY": "k" * 40})
    assert result["plan"].result == "success", result["plan"].step("plan").stdout
    rendered = repo.artifact("reconciler-plan", "plan.md")
    comment = repo.artifact("reconciler-plan", "comment.md")
    assert "Plan truncated:" in rendered  # the renderer cut it, at a merchant
    assert len(comment.encode("utf-16-le")) // 2 <= 65_536
    whole = set(sections(rendered))
    partial = [s for s in sections(comment) if s not in whole]
    assert partial == [], f"a merchant section was cut inside: ...{partial[0][-300:]}"
    assert re.search(r"\d+ merchant section\(s\) were left out", comment), "the comment no longer says how many"


def test_a_cut_inside_a_long_fence_leaves_the_note_and_footer_outside_the_code_block(repo: PartnerRepository) -> None:
    """The renderer fences a merchant's diff with more backticks than any value holds (a name with ``` in it
    gets ````). The compose step's cut closes an odd count of fence lines with ```, which does not close
    a ```` fence: the cut note, the removed-files list and the footer all render inside the code block."""
    base = dict(BASE)
    for i in range(40):
        base[f"desired-state/merchants/gone-{i:03}.yaml"] = merchant(f"GONE-{i:03}", f"Gone {i}")
    repo.pull_request(
        base,
        {"desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic ```Bikes``` ASA")},
        deleted=[f"desired-state/merchants/gone-{i:03}.yaml" for i in range(40)],
    )
    diff = '~ klarna.account  NB-2024-0001/klarna.account\n~       account_name: "Nordic ```Bikes``` AS" -> "x"\n' * 40
    section = f"<details><summary><code>NB</code>: 1 patch</summary>\n\n````diff\n{diff}````\n\n</details>\n\n\n"
    comment = long_plan_comment(repo, section)
    assert "cut at GitHub's 65,536 characters" in comment
    note_at = comment.index("… cut at GitHub's")
    assert open_fence_at_end(comment[:note_at]) is None, "the note starts inside an open ```` code block"
    assert open_fence_at_end(comment) is None


# ---------------------------------------------------------------- 3. the project's own CI has no least-privilege token


def test_the_projects_own_ci_declares_a_read_only_token() -> None:
    """ci.yml runs the pull request's code (pip install -e ., pytest) with no `permissions:`: the token gets
    the repository's default, which is read/write on repositories created before February 2023 and on
    organisations that keep the permissive default. Every other workflow sets `permissions: {}`."""
    document = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    declared = document.get("permissions")
    jobs = document["jobs"].values()
    assert declared is not None or all("permissions" in job for job in jobs), "ci.yml names no permissions"


# ---------------------------------------------------------------- 4. the note names an artifact not uploaded


def test_the_truncation_note_names_an_artifact_the_run_uploads() -> None:
    """apply.yml's summary (what the approver reads) and drift.yml's issue embed the renderer's Markdown; a
    plan over 65,536 characters ends with "in CI, the run's `reconciler-plan` artifact". apply.yml uploads
    `reconciler-apply-plan` and drift.yml `reconciler-drift`: there is no `reconciler-plan` artifact in those
    runs, so the approver is sent to an artifact that does not exist."""
    from reconciler.render.markdown import _truncation_note

    note = _truncation_note(3)
    assert "`reconciler show PLAN.json`; in CI, among the run's artifacts" in note
    named = set(re.findall(r"`(reconciler-[a-z-]+)`", note))
    for workflow in ("apply.yml", "drift.yml"):
        document = YAML(typ="safe").load((ROOT / ".github" / "workflows" / workflow).read_text(encoding="utf-8"))
        uploaded = {
            step["with"]["name"]
            for job in document["jobs"].values()
            for step in job.get("steps", [])
            if str(step.get("uses", "")).startswith("actions/upload-artifact")
        }
        assert named <= uploaded, f"{workflow} uploads {uploaded}, the note names {named}"


def test_the_drift_issue_cut_closes_the_fence_it_cut_inside(repo: PartnerRepository) -> None:
    """drift.yml re-cuts the renderer's report under its own table at any line break, and closes an odd
    count of fence lines with ```: inside a ```` block (a value holding ```), the cut note and the closing
    </details> of "The full report" render as code, and a merchant's section is shown in part."""
    repo.pull_request(dict(BASE), {})
    diff = '~ klarna.account  NB-2024-0001/klarna.account\n~       account_name: "Nordic ```Bikes``` AS" -> "x"\n' * 40
    section = f"<details><summary><code>NB</code>: 1 patch</summary>\n\n````diff\n{diff}````\n\n</details>\n\n\n"
    markdown = plan_markdown()
    while len(markdown) < 65_000:
        markdown += section
    operations = [{"address": f"M{i}/klarna.account", "merchant": f"M{i:04}", "action": "patch"} for i in range(300)]
    repo.config["drift"] = {"exit": 2, "stdout": markdown, "document": {"operations": operations}}
    result = repo.run("drift.yml", event="schedule", inputs=URLS, secrets=READ_SECRETS)
    assert result["drift"].result == "success"
    body = repo.artifact("reconciler-drift", "issue.md")
    assert "… cut here" in body
    assert open_fence_at_end(body[: body.index("… cut here")]) is None, "the cut note is inside an open ```` block"
    assert all(s == section.rstrip("\n") for s in sections(body) if s.startswith("<details><summary><code>NB"))


def test_drift_dispatched_on_another_branch_does_not_close_mains_drift_issue(repo: PartnerRepository) -> None:
    """README: "Every morning drift.yml compares the live state with main"; the caller example also has
    `workflow_dispatch`, which runs from any branch. drift.yml checks out that branch and updates or closes
    the one drift issue from it: a branch whose files match the live state closes main's open issue.
    (apply.yml refuses any branch but the default one; drift.yml has no such check.)"""
    repo.pull_request(dict(BASE), {})
    repo.config["drift"] = {"exit": 0, "stdout": plan_markdown(), "document": {"operations": []}}
    open_issue = [{"number": 12, "user": {"type": "Bot"}, "body": "<!-- reconciler-drift -->\nold"}]
    result = repo.run("drift.yml", event="workflow_dispatch", ref="refs/heads/feature", inputs=URLS,
                      secrets=READ_SECRETS, api={"issues.listForRepo": open_issue})
    writes = [c["method"] for c in posted(result, "issue") if c["method"] != "issues.listForRepo"]
    assert "issues.update" not in writes, "a drift run on refs/heads/feature closed main's drift issue"


def test_the_required_plan_check_is_reported_on_every_pull_request() -> None:
    """README step 3: "Protect main (reviews, and the `plan / plan` check required)". The caller example runs
    only on `pull_request: paths: desired-state/**`; GitHub leaves a required check of a workflow skipped by
    a path filter pending, so every pull request that does not touch desired-state/ can never be merged
    (docs.github.com, "Troubleshooting required status checks" > "Handling skipped but required checks")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "the `plan / plan` check required" in readme
    caller = YAML(typ="safe").load((ROOT / "examples" / "github" / "reconciler-plan.yml").read_text(encoding="utf-8"))
    triggers = caller.get("on") or caller.get(True)
    assert "paths" not in (triggers.get("pull_request") or {}), "the required check is never reported outside the paths"


def test_a_pull_request_outside_the_desired_state_gets_a_passing_check_and_no_new_comment(
    repo: PartnerRepository,
) -> None:
    """The caller runs on every pull request (the required check must be reported): one that changes nothing
    under desired-state/ passes, validate having run, and adds no comment; a plan comment it had is updated."""
    repo.pull_request(dict(BASE), {"docs/runbook.md": "# Runbook\n"})
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    assert result["plan"].result == "success"
    assert result["plan"].step("targets").outputs["mode"] == "none"
    assert [c["method"] for c in posted(result) if c["method"] != "issues.listComments"] == []
    earlier = [{"id": 7, "user": {"type": "Bot"}, "body": "<!-- reconciler-plan -->\n### reconciler plan\nold"}]
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS, api={"issues.listComments": earlier})
    writes = [c for c in posted(result) if c["method"] != "issues.listComments"]
    assert [(c["method"], c["params"].get("comment_id")) for c in writes] == [("issues.updateComment", 7)]
    assert "nothing to plan" in writes[0]["params"]["body"]
