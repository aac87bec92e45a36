"""apply.yml: a run of a commit that is no longer the head of the branch must not apply it.

GitHub re-runs a workflow run with the GITHUB_SHA of its original event ("Re-running a workflow uses the
same GITHUB_SHA (commit SHA) and GITHUB_REF (Git ref) of the original event"). apply.yml itself tells the
operator, after a stale plan (exit 4), to "Re-run all jobs of this run (not only this one) to plan again":
if main has moved on meanwhile (a newer merge applied by its own run), that re-run plans the OLD commit's
desired state against the live state and, once approved, writes it back, undoing the newer merge.
README: "Every morning ... compares the live state with `main`"; the apply loop applies what lands on main.
"""

from __future__ import annotations

from tests.project.test_workflow_scripts import (  # noqa: F401
    APPLY_SECRETS,
    URLS,
    PartnerRepository,
    invocations,
    merchant,
    push,
    repo,
)


def test_a_rerun_of_an_older_commit_does_not_apply_it_over_a_newer_main(repo: PartnerRepository) -> None:  # noqa: F811
    push(repo)  # commit A: Nordic Bikes ASA, merged to main
    old = repo.shas["merge"]
    # Commit B lands on main afterwards (and is applied by its own run): the name changes again.
    repo.write({"desired-state/merchants/nordic-bikes.yaml": merchant("NB-2024-0001", "Nordic Bikes Group")})
    repo.git("commit", "-q", "-am", "newer merge")
    newer = repo.git("rev-parse", "HEAD")
    assert newer != old
    # "Re-run all jobs" of run A: GitHub gives it A's sha again, on refs/heads/main.
    repo.shas["merge"] = old
    result = repo.run(
        "apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS,
        api={"repos.getBranch": {"name": "main", "commit": {"sha": newer}}},
    )
    assert invocations(repo, "apply") == [], "the old commit's plan was applied over a newer main"
    assert result["apply"].result == "skipped"
