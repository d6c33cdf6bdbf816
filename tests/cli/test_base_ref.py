"""`--base-ref`: the pull-request mode, against a temporary Git repository.

The base revision deliberately lacks the capture driver (fluxform/stackrun.py, gitref.py)
and labels resources differently in its components: the plan must run the current driver
over that revision's own program, and leave the working tree, index, HEAD and stash alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import (
    Run,
    assert_one_line_error,
    copy_project,
    fluxform,
    fluxform_here,
    git,
    stand_in_project,
)

OLD_LABEL = '{"app.kubernetes.io/managed-by": "fluxform-v0"}'
NEW_LABEL = '{"app.kubernetes.io/managed-by": "fluxform"}'
LABEL_PATH = 'metadata.labels["app.kubernetes.io/managed-by"]'


def repo_state(repo: Path) -> tuple[str, ...]:
    return (git(repo, "status", "--porcelain", "--untracked-files=all"), git(repo, "rev-parse", "HEAD"),
            git(repo, "ls-files", "--stage"), git(repo, "stash", "list"),
            (repo / "stacks" / "prod.yaml").read_text(), (repo / "README.md").read_text())


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HEAD~1: no driver, old labels. HEAD: today's files plus a new stack `staging`.
    Working tree: an uncommitted chart bump, a staged README edit, an untracked file."""
    repo = copy_project(tmp_path_factory.mktemp("base-ref") / "repo")
    kept = {name: (repo / "fluxform" / name).read_text() for name in ("stackrun.py", "gitref.py")}
    flux_objects = repo / "components" / "flux_objects.py"
    current = flux_objects.read_text()
    assert NEW_LABEL in current
    flux_objects.write_text(current.replace(NEW_LABEL, OLD_LABEL))
    for name in kept:
        (repo / "fluxform" / name).unlink()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base: before the plan driver")
    flux_objects.write_text(current)
    for name, text in kept.items():
        (repo / "fluxform" / name).write_text(text)
    shutil.copy(repo / "Pulumi.dev.yaml", repo / "Pulumi.staging.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    prod = repo / "stacks" / "prod.yaml"
    prod.write_text(prod.read_text().replace('version: "6.7.1"', 'version: "6.8.0"'))
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nstaged edit\n")
    git(repo, "add", "README.md")
    (repo / "stacks" / "untracked-note.txt").write_text("local edit\n")
    return repo


def test_plans_the_pull_request_against_the_base_revision(repo: Path) -> None:
    before = repo_state(repo)
    run = fluxform("plan", "--stack", "prod", "--base-ref", "HEAD~1", "--format", "json",
                   "--detailed-exitcode", cwd=repo)
    assert run.code == 2, run.err
    assert repo_state(repo) == before  # working tree, index, HEAD, stash untouched
    doc = json.loads(run.out)
    assert doc["baseline"].startswith("git HEAD~1 (")
    changed = {c["name"]: c for c in doc["changes"] if c["op"] != "no-op"}
    assert {c["op"] for c in changed.values()} == {"update"}
    relabelled = {name for name, c in changed.items()
                  if any(f["path"] == LABEL_PATH for f in c["fields"])}
    assert len(relabelled) >= 5  # the base revision's own components ran
    release = changed["platform-helmrelease-podinfo"]  # the uncommitted bump shows too
    assert {f["path"] for f in release["fields"]} >= {"spec.chart.spec.version"}


def test_a_stack_new_in_the_pull_request_is_all_creates(repo: Path) -> None:
    run = fluxform("plan", "--stack", "staging", "--base-ref", "HEAD~1", "--format", "json",
                   "--detailed-exitcode", cwd=repo)
    assert run.code == 2, run.err
    doc = json.loads(run.out)
    assert "stack 'staging' did not exist there (everything is a create)" in doc["baseline"]
    assert {c["op"] for c in doc["changes"]} == {"create"}


def test_unknown_revision_and_no_repository(tmp_path: Path, repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    program = "import pulumi_kubernetes as k8s\nk8s.core.v1.Namespace('ns', metadata={'name': 'a'})\n"
    outside = stand_in_project(tmp_path / "outside", program)
    runs: list[Run] = [
        fluxform_here(capsys, "plan", "--project", str(outside), "--stack", "dev", "--base-ref", "main"),
        fluxform_here(capsys, "plan", "--project", str(repo), "--stack", "dev", "--base-ref", "no-such-ref"),
        fluxform_here(capsys, "plan", "--project", str(repo), "--stack", "dev", "--base-ref", "--output=x"),
    ]
    assert_one_line_error(runs[0], "git rev-parse: fatal: not a git repository")
    assert_one_line_error(runs[1], "--base-ref no-such-ref: unknown revision (hint: fetch it")
    assert_one_line_error(runs[2], "--base-ref '--output=x' is not a Git revision")


ENV_PROGRAM = ("import os, pulumi_kubernetes as k8s\n"
               "k8s.core.v1.ConfigMap('env', metadata={'name': 'env'},\n"
               "    data={k: v for k, v in os.environ.items()})\n")


HEAD_PROGRAM = ("import pulumi_kubernetes as k8s\n"
                "k8s.core.v1.ConfigMap('env', metadata={'name': 'env'}, data={'head': '1'})\n")


def one_error_line(run: Run, *needles: str) -> None:
    """Exit 1 and exactly one `error:` line holding the needles (other stderr lines are notes)."""
    errors = [line for line in run.err.splitlines() if line.startswith("error")]
    assert run.code == 1 and len(errors) == 1 and "Traceback" not in run.err, run
    for needle in needles:
        assert needle in errors[0], errors[0]


def stand_in_repo(tmp_path: Path, base_program: str, head_program: str = HEAD_PROGRAM,
                  extra: dict[str, str] | None = None) -> Path:
    root = stand_in_project(tmp_path / "repo", base_program)
    for link, target in (extra or {}).items():
        (root / link).symlink_to(target)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "prog" / "__main__.py").write_text(head_program)
    return root


def test_the_base_program_sees_no_token_of_the_planner(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = stand_in_repo(tmp_path, ENV_PROGRAM)
    canaries = {"GITHUB_TOKEN": "CANARY-gh-token-77a1", "PULUMI_CONFIG_PASSPHRASE": "CANARY-pass-03bd",
                "AWS_SECRET_ACCESS_KEY": "CANARY-aws-91fe"}
    for key, value in canaries.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    run = fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev", "--base-ref", "main",
                        "--format", "json", "--detailed-exitcode")
    assert run.code == 2, run.err
    base = {f["path"].removeprefix("data."): f["before"] for c in json.loads(run.out)["changes"]
            for f in c["fields"] if f["path"].startswith("data.")}
    seen = {k for k, v in base.items() if v is not None}  # keys the base program saw
    assert "LC_ALL" in seen and "PATH" in seen and "PYTHONPATH" in seen
    assert not seen & set(canaries), seen
    assert not any(v in run.out + run.err for v in canaries.values())


def test_an_absolute_symlink_in_the_base_tree_is_one_line(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = stand_in_repo(tmp_path, ENV_PROGRAM, extra={"passwd": "/etc/passwd"})
    run = fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev", "--base-ref", "main")
    one_error_line(run, "the base tree holds passwd is an absolute symlink (refused)")


@pytest.mark.parametrize("program, needle", [
    ("import os\nos._exit(0)\n", "it exited before the capture wrote its graph"),
    ("import sys\nsys.exit(0)\n", "it called sys.exit(0)"),
    ("x = 1\n", "it registered no resources"),
], ids=["os-exit", "sys-exit", "nothing-registered"])
def test_a_base_program_that_stops_early_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     program: str, needle: str) -> None:
    root = stand_in_repo(tmp_path, program)
    run = fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev", "--base-ref", "main",
                        "--detailed-exitcode")
    one_error_line(run, "capture of the base revision failed", "did not finish", needle)
