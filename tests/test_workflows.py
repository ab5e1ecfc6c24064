"""The GitHub workflows run the Makefile's commands: pull requests without torch and
without secrets; the deploy with its caches restored."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from miniconf.commands.new import write_starter

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"


def _steps(name: str, job: str | None = None) -> tuple[dict, list[dict]]:
    """The workflow and the steps of ``job`` (of every job when None)."""
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    jobs = [workflow["jobs"][job]] if job else workflow["jobs"].values()
    steps = [step for found in jobs for step in found.get("steps", [])]
    return workflow, steps


def _make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def test_pull_request_check_runs_make_targets_without_torch():
    workflow, steps = _steps("pr.yml", "check")
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key "on" as True
    assert "pull_request_target" not in workflow[True]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[:2] == [
        "make install-site",
        "make check-site FORMAT=github BASE=origin/${{ github.base_ref }}",
    ]
    # The summary names the papers the deploy will refresh, with the site tools alone.
    assert runs[2:] == ['.venv/bin/miniconf pipeline sitedata --pending >> "$GITHUB_STEP_SUMMARY"']
    assert not any("torch" in run or "pipeline]" in run for run in runs)
    assert {"install-site", "check-site"} <= _make_targets()
    assert "secrets." not in (WORKFLOWS / "pr.yml").read_text()
    makefile = (REPO / "Makefile").read_text()
    site_install = makefile.split("$(VENV)/.installed-site:", 1)[1].split("\n\n", 1)[0]
    assert "torch" not in site_install and "pipeline" not in site_install
    check = makefile.split("check-site: install-site", 1)[1].split("\n\n", 1)[0]
    for command in (
        "validate $(SITEDATA) --format $(FORMAT)",
        "freeze",
        "linkcheck",
        "chat check-rooms-file $(SITEDATA) --format $(FORMAT) $(if $(BASE),--base",
    ):
        assert command in check


def test_deploy_publishes_the_checked_build_from_main():
    workflow, steps = _steps("deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "make install-site" and runs[-1] == "make check-site FORMAT=github"
    # Before the check: the pipeline, CPU torch only, refreshes the outputs of changed papers
    # with the embedding cache of the last deploy restored.
    install = next(run for run in runs if "torch" in run)
    assert '"torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu' in install
    assert '-e ".[pipeline]"' in install
    refresh = [step for step in steps if "miniconf pipeline" in step.get("run", "")]
    assert [step["run"] for step in refresh] == [
        ".venv/bin/miniconf pipeline sitedata --if-stale --quiet"
    ]
    assert refresh[0]["env"]["HF_HUB_OFFLINE"] == "1"
    # The embedding, paper and thumbnail caches and the last build (whose unchanged
    # pages the freeze reuses) come back from the CI's cache, signed with the secret key.
    caches = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert caches and caches[0]["with"]["path"].split() == [".miniconf-cache", "build"]
    assert steps.index(caches[0]) < steps.index(refresh[0]) < len(steps) - 1
    assert caches[0]["with"]["restore-keys"] == "miniconf-deploy-"
    check = next(step for step in steps if step.get("run") == "make check-site FORMAT=github")
    assert check["env"]["MINICONF_CACHE_KEY"] == "${{ secrets.MINICONF_CACHE_KEY }}"
    uploads = [step for step in steps if "upload-pages-artifact" in step.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "build"
    assert workflow["permissions"]["pages"] == "write"


def test_pull_requests_run_the_quick_test_suite():
    _workflow, steps = _steps("pr.yml", "tests")
    [run] = [step for step in steps if "run" in step]
    assert run["run"] == "make test-fast" and "test-fast" in _make_targets()
    assert run["env"]["PIP_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"


def test_new_projects_workflows_run_commands_that_work(tmp_path: Path):
    """The commands in `miniconf new`'s pull-request check, run as the check runs them."""
    project = tmp_path / "conf"
    write_starter(project, "Workflow Test", "UTC", date(2027, 6, 1))
    workflow = yaml.safe_load((project / ".github" / "workflows" / "pr.yml").read_text())
    assert "pull_request_target" not in workflow[True]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = [step["run"] for step in steps if "run" in step]
    assert any(run.startswith("pip install") and "miniconf==" in run for run in runs)
    commands = [shlex.split(run) for run in runs if run.startswith("miniconf ")]
    assert [command[1] for command in commands] == ["validate", "freeze", "linkcheck"]
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "miniconf", *command[1:]],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    assert (project / "build" / "index.html").is_file()
    deploy = (project / ".github" / "workflows" / "deploy.yml").read_text()
    assert "upload-pages-artifact" in deploy and "--if-stale" in deploy
