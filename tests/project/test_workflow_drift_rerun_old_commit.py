"""drift.yml: a re-run of an old drift run (GitHub re-runs with the original GITHUB_SHA) must not close, open
or update the drift issue from an older commit's files once the default branch has moved on.

README step 6: drift "compares the live state with `main`"; "the drift issue is the default branch's".
A clean result for an old commit closes the issue a newer commit's drift opened ("No drift in the latest run").
"""

from __future__ import annotations

from tests.project.test_workflow_scripts import (  # noqa: F401
    READ_SECRETS,
    URLS,
    PartnerRepository,
    merchant,
    plan_markdown,
    posted,
    push,
    repo,
)


def test_a_rerun_of_an_older_commit_leaves_the_drift_issue_alone(repo: PartnerRepository) -> None:  # noqa: F811
    push(repo)
    old = repo.shas["merge"]
    repo.write({"desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes Group")})
    repo.git("commit", "-q", "-am", "newer merge")
    newer = repo.git("rev-parse", "HEAD")
    repo.shas["merge"] = old  # the re-run of the old run
    repo.config["drift"] = {"exit": 0, "stdout": plan_markdown(), "document": {"operations": []}}
    open_issue = [{"number": 12, "user": {"type": "Bot"}, "body": "<!-- reconciler-drift -->\nnewer drift"}]
    result = repo.run(
        "drift.yml", event="workflow_dispatch", inputs=URLS, secrets=READ_SECRETS,
        api={"issues.listForRepo": open_issue, "repos.getBranch": {"name": "main", "commit": {"sha": newer}}},
    )
    writes = [c for c in posted(result, "issue") if c["method"] not in ("issues.listForRepo",)]
    assert writes == [], f"the old commit's run changed the drift issue: {writes}"
