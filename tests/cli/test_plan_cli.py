"""`fluxform plan` end to end: exit codes, baselines, --all, --base-ref, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from fluxform.baseline import load_state
from fluxform.graph import is_secret
from fluxform.project import load_stack, placeholder

HERE = Path(__file__).parent


def fluxform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fluxform.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def test_secure_config_is_never_decrypted() -> None:
    config = load_stack(ROOT, "dev")
    assert config.config["fluxform:slackWebhookUrl"] == placeholder("v1:placeholder-dev:not-a-real-ciphertext")
    assert config.secret_keys == ("fluxform:slackWebhookUrl",)
    assert config.config["fluxform:kubeContext"] == "kind-fluxform-dev"


def test_exit_codes_and_save_baseline_round_trip(tmp_path: Path) -> None:
    saved = tmp_path / "dev.graph.json"
    first = fluxform("plan", "--stack", "dev", "--save", str(saved), "--detailed-exitcode")
    assert first.returncode == 2, first.stderr
    assert "Plan: 44 to add, 0 to change, 0 to destroy." in first.stdout
    again = fluxform("plan", "--stack", "dev", "--baseline", str(saved), "--detailed-exitcode")
    assert again.returncode == 0, again.stderr
    assert "No changes." in again.stdout
    plain = fluxform("plan", "--stack", "dev", "--format", "json")
    assert plain.returncode == 0 and json.loads(plain.stdout)["summary"]["add"] == 44


@pytest.mark.parametrize("args, message", [
    (["plan", "--stack", "nope"], "Pulumi.nope.yaml: no such stack (hint: stacks here: dev, prod)"),
    (["plan", "--stack", "dev", "--baseline", "pyproject.toml"], "pyproject.toml: not a fluxform graph"),
    (["plan", "--stack", "dev", "--state", "pyproject.toml"], "pyproject.toml: not a `pulumi stack export` file"),
], ids=["unknown-stack", "foreign-baseline", "foreign-state"])
def test_errors_are_one_line_exit_1(args: list[str], message: str) -> None:
    result = fluxform(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def copy_project(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for rel in files:
        if rel.startswith(("tests/", "bench/")):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    return dest


def test_bad_spec_fails_the_plan_with_file_line_and_field(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    spec = project / "stacks" / "dev.yaml"
    spec.write_text(spec.read_text().replace("interval: 10m", "interval: 10 minutes", 1))
    result = fluxform("plan", "--stack", "dev", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "stacks/dev.yaml:33: layers[0].interval: '10 minutes' is not a duration" in result.stderr


def test_all_matches_sequential_plans() -> None:
    together = fluxform("plan", "--all", "--format", "json")
    assert together.returncode == 0, together.stderr
    one = fluxform("plan", "--stack", "dev", "--format", "json").stdout
    two = fluxform("plan", "--stack", "prod", "--format", "json").stdout
    assert together.stdout == one + two


def test_all_writes_one_comment_per_stack(tmp_path: Path) -> None:
    result = fluxform("plan", "--all", "--format", "markdown", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.md", "prod.md"]
    assert (tmp_path / "prod.md").read_text().startswith("<!-- fluxform-plan:fluxform/prod -->")


def test_state_export_becomes_a_graph_without_plaintext() -> None:
    graph = load_state(str(HERE / "state-export.json"))
    assert graph.stack == "dev" and graph.project == "fluxform" and len(graph) == 4
    ns = next(r for r in graph if r.name == "flux-namespace")
    assert "__defaults" not in ns.inputs
    assert ns.provider == "urn:pulumi:dev::fluxform::pulumi:pulumi:Stack$pulumi:providers:kubernetes::dev-kind"
    secret = next(r for r in graph if r.name == "notifications-slack-address")
    assert is_secret(secret.inputs["stringData"])
    assert "AAABA" not in graph.to_json()


def test_plan_against_state_shows_deletions_and_updates() -> None:
    result = fluxform("plan", "--stack", "dev", "--state", str(HERE / "state-export.json"),
                      "--format", "json")
    assert result.returncode == 0, result.stderr
    ops = {c["name"]: c["op"] for c in json.loads(result.stdout)["changes"]}
    assert ops["old-team"] == "delete" and ops["flux-namespace"] == "update"
    assert ops["notifications-slack-address"] == "update"
    assert ops["tenant-team-a"] == "create"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=env).stdout


def test_base_ref_plans_a_pull_request_without_touching_the_tree(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "repo")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    spec = project / "stacks" / "prod.yaml"
    spec.write_text(spec.read_text().replace('version: "6.7.1"', 'version: "6.8.0"'))
    git(project, "commit", "-qam", "bump podinfo")
    (project / "stacks" / "untracked-note.txt").write_text("local edit\n")
    status_before = git(project, "status", "--porcelain")
    result = fluxform("plan", "--stack", "prod", "--base-ref", "HEAD~1", "--format", "json",
                      "--detailed-exitcode", cwd=project)
    assert result.returncode == 2, result.stderr
    doc = json.loads(result.stdout)
    changed = [(c["name"], c["op"]) for c in doc["changes"] if c["op"] != "no-op"]
    assert changed == [("platform-helmrelease-podinfo", "update")]
    assert doc["baseline"].startswith("git HEAD~1")
    assert git(project, "status", "--porcelain") == status_before
    fresh = fluxform("plan", "--stack", "dev", "--base-ref", "HEAD", "--detailed-exitcode", cwd=project)
    assert fresh.returncode == 0, fresh.stderr


def test_policy_errors_fail_the_plan_unless_the_gate_is_off(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    spec = project / "stacks" / "dev.yaml"
    spec.write_text(spec.read_text().replace("    - name: fleet-push\n      type: github",
                                             "    - name: fleet-push\n      type: generic"))
    gated = fluxform("plan", "--stack", "dev", cwd=project)
    assert gated.returncode == 1
    assert "ERROR FF011" in gated.stdout and "policy errors found" in gated.stderr
    open_gate = fluxform("plan", "--stack", "dev", "--no-policy-gate", cwd=project)
    assert open_gate.returncode == 0
    check = fluxform("check", "--stack", "dev", cwd=project)
    assert check.returncode == 1 and "FF011" in check.stdout
    clean = fluxform("check", "--all")
    assert clean.returncode == 0 and "dev: 0 error(s), 0 warning(s)" in clean.stdout


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = fluxform("render", "--stack", "dev", "--out", str(blocker / "sub"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_unencrypted_secret_data_in_state_is_redacted(tmp_path: Path) -> None:
    doc = json.loads((HERE / "state-export.json").read_text())
    doc["deployment"]["resources"].append({
        "urn": "urn:pulumi:dev::fluxform::kubernetes:core/v1:Secret::plain", "custom": True,
        "type": "kubernetes:core/v1:Secret",
        "inputs": {"metadata": {"name": "plain"}, "data": {"token": "CANARY-state-plaintext"}}})
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc))
    graph = load_state(str(path))
    assert "CANARY" not in graph.to_json()
    secret = next(r for r in graph if r.name == "plain")
    assert is_secret(secret.inputs["data"]["token"])
