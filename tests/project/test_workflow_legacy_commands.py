"""The plan workflow prints the pull request's merchant file names to the job log as no workflow command.

plan.yml's "Find the merchant files" step prints each changed or deleted file with ``repr()`` outside
``::stop-commands::``, saying "File names are printed with repr(): one line each, never a workflow
command". One line each defeats ``::error::`` (which must start its line) but not the runner's older form,
``##[name]``, which ``ActionCommand.TryParse`` finds anywhere in a line (actions/runner,
``src/Runner.Common/ActionCommand.cs``; ``ActionCommandManager.TryProcessCommand`` tries it after
``TryParseV2``). A pull request adding ``merchants/##[error title=Security review]approved.yaml`` (a valid
merchant file name) puts a forged annotation on the trusted plan run; ``##[add-mask]...`` hides text of the
log; ``##[stop-commands]x`` turns the step's commands off.
"""

from __future__ import annotations

from tests.project.test_workflow_scripts import BASE, READ_SECRETS, URLS, PartnerRepository, merchant, repo  # noqa: F401
from tests.render.test_render_legacy_commands import legacy_command

NAMES = ["##[error title=Security review]approved.yaml", "##[add-mask]Plan.yaml"]


def test_no_line_the_targets_step_prints_is_a_workflow_command(repo: PartnerRepository) -> None:  # noqa: F811
    head = {f"desired-state/merchants/{name}": merchant(f"H-{i}", "Shop AS") for i, name in enumerate(NAMES)}
    repo.pull_request(BASE, head, deleted=["desired-state/merchants/old-shop.yaml"])
    result = repo.run("plan.yml", inputs=URLS, secrets=READ_SECRETS)
    step = result["plan"].step("targets")
    assert step.outcome == "success", step.stderr
    assert "approved.yaml" in step.stdout  # the file is named ...
    assert [line for line in step.stdout.splitlines() if legacy_command(line)] == []  # ... as no command
