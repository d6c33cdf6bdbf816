"""`fluxform plan` end to end: exit codes, --save/--baseline, --all, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import (
    Run,
    assert_one_line_error,
    copy_project,
    fluxform,
    fluxform_here,
    stand_in_project,
)
from conftest import ROOT

from fluxform.graph import FORMAT
from fluxform.planning import PlanOptions, plan_stacks

PLAN_LINE = re.compile(r"Plan: (\d+) to add, 0 to change, 0 to destroy\.")


@pytest.fixture
def sequential(monkeypatch: pytest.MonkeyPatch) -> None:
    """--all in this process, one stack after the other (the parallel path has its own test)."""
    monkeypatch.setattr("fluxform.planning.os.cpu_count", lambda: 1)


def plan(capsys: pytest.CaptureFixture[str], *args: str, project: Path = ROOT) -> Run:
    return fluxform_here(capsys, "plan", "--project", str(project), *args)


def test_exit_codes_and_the_save_baseline_round_trip(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "dev.graph.json"
    first = plan(capsys, "--stack", "dev", "--save", str(saved), "--detailed-exitcode")
    assert first.code == 2, first.err
    match = PLAN_LINE.search(first.out)
    doc = json.loads(saved.read_text())
    assert match and doc["format"] == FORMAT and len(doc["resources"]) == int(match[1])
    again = plan(capsys, "--stack", "dev", "--baseline", str(saved), "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again
    without = plan(capsys, "--stack", "dev")  # changes, but no --detailed-exitcode
    assert without.code == 0 and without.err == ""


def test_all_runs_in_parallel_and_equals_the_sequential_plans(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, saved = tmp_path / "plans", tmp_path / "graphs"
    together = fluxform("plan", "--all", "--format", "markdown", "--out", str(out),
                        "--save", str(saved), "--detailed-exitcode")
    assert together.code == 2 and together.out == "", together.err
    assert sorted(p.name for p in out.iterdir()) == ["dev.md", "prod.md"]
    for stack in ("dev", "prod"):
        alone = plan(capsys, "--stack", stack, "--format", "markdown",
                     "--save", str(tmp_path / f"{stack}.json"))
        assert (out / f"{stack}.md").read_text() == alone.out
        assert alone.out.startswith(f"<!-- fluxform-plan:fluxform/{stack} -->\n")
        assert (saved / f"{stack}.graph.json").read_text() == (tmp_path / f"{stack}.json").read_text()
    # A directory of saved graphs is a baseline for each stack.
    same = plan(capsys, "--stack", "prod", "--baseline", str(saved), "--detailed-exitcode")
    assert same.code == 0, same


def test_all_prints_in_stack_order(capsys: pytest.CaptureFixture[str], sequential: None) -> None:
    both = plan(capsys, "--all", "--format", "json")
    dev = plan(capsys, "--stack", "dev", "--format", "json")
    prod = plan(capsys, "--stack", "prod", "--format", "json")
    assert both.out == dev.out + prod.out


def test_a_failed_stack_still_gets_its_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              sequential: None) -> None:
    program = ("import pulumi, pulumi_kubernetes as k8s\n"
               "if pulumi.Config('standin').require('env') == 'bad':\n"
               "    raise RuntimeError('the bad stack fails')\n"
               "k8s.core.v1.Namespace('ns', metadata={'name': 'a'})\n")
    root = stand_in_project(tmp_path / "p", program, stacks=("bad", "good"))
    out = tmp_path / "plans"
    run = plan(capsys, "--all", "--format", "markdown", "--out", str(out), "--detailed-exitcode",
               project=root)
    assert run.code == 1
    assert run.err.strip() == "error: bad: program failed for stack 'bad': the bad stack fails"
    bad = (out / "bad.md").read_text()
    assert bad.startswith("<!-- fluxform-plan:standin/bad -->\n") and "the bad stack fails" in bad
    assert "Plan: 1 to add" in (out / "good.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--stack", "nope"], "Pulumi.nope.yaml: no such stack (hint: stacks here: dev, prod)"),
    (["--stack", "dev", "--baseline", str(ROOT / "pyproject.toml")], "pyproject.toml:1: not a fluxform graph: invalid JSON"),
    (["--stack", "dev", "--state", str(ROOT / "pyproject.toml")], "pyproject.toml:1: not a `pulumi stack export` file: invalid JSON"),
    (["--stack", "dev", "--out", "/proc/version/x"], "error: "),
], ids=["unknown-stack", "foreign-baseline", "foreign-state", "unwritable-out"])
def test_errors_are_one_line_with_exit_1(capsys: pytest.CaptureFixture[str], args: list[str],
                                         message: str) -> None:
    assert_one_line_error(plan(capsys, *args), message)


@pytest.mark.parametrize("args", [
    ["--stack", "dev", "--all"], ["--format", "yaml"], ["--all", "--state", "x.json"],
    ["--stack", "dev", "--baseline", "a", "--base-ref", "HEAD"], ["--no-such-option"],
], ids=["stack-and-all", "bad-format", "state-with-all", "two-baselines", "unknown-option"])
def test_usage_errors_exit_1_never_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    run = plan(capsys, *args)
    assert_one_line_error(run, "(hint: fluxform plan --help)")


def test_a_bad_spec_names_file_line_and_field(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    spec = project / "stacks" / "dev.yaml"
    spec.write_text(spec.read_text().replace("interval: 10m", "interval: 10 minutes", 1))
    run = fluxform("plan", "--stack", "dev", "--detailed-exitcode", cwd=project)  # a real process
    assert_one_line_error(run, "stacks/dev.yaml:", "layers[0].interval: '10 minutes' is not a duration")


PROGRAMS = {
    "duplicate-urn": ("import pulumi_kubernetes as k8s\n"
                      "k8s.core.v1.Namespace('same', metadata={'name': 'a'})\n"
                      "k8s.core.v1.Namespace('same', metadata={'name': 'b'})\n",
                      "duplicate URN urn:pulumi:dev::standin::pulumi:pulumi:Stack$kubernetes:core/v1:Namespace::same"),
    "program-bug": ("x = {}['missing']\n", "program failed for stack 'dev': 'missing'"),
    "sibling-import": ("import helper\n", "program failed for stack 'dev': helper says no"),
}


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_program_failures_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       case: str) -> None:
    program, message = PROGRAMS[case]
    root = stand_in_project(tmp_path, program)
    (root / "prog" / "helper.py").write_text("raise ValueError('helper says no')\n")
    assert_one_line_error(plan(capsys, "--stack", "dev", project=root), message)


def test_policy_errors_fail_the_plan_unless_the_gate_is_off(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path)
    spec = project / "stacks" / "dev.yaml"
    spec.write_text(spec.read_text().replace("    - name: fleet-push\n      type: github",
                                             "    - name: fleet-push\n      type: generic"))
    gated = plan(capsys, "--stack", "dev", project=project)
    assert gated.code == 1 and "FF011" in gated.out
    assert "dev: 1 policy error(s) (hint:" in gated.err
    open_gate = plan(capsys, "--stack", "dev", "--no-policy-gate", project=project)
    assert open_gate.code == 0 and open_gate.err == ""


def test_colour_only_on_request_and_never_in_files(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert "\x1b[" not in plan(capsys, "--stack", "dev").out
    assert "\x1b[" in plan(capsys, "--stack", "dev", "--color").out
    plan(capsys, "--stack", "dev", "--color", "--out", str(tmp_path / "plan.txt"))
    assert "\x1b[" not in (tmp_path / "plan.txt").read_text()


def test_workers_fork_only_from_a_parent_without_grpc(tmp_path: Path) -> None:
    """The command's parent process must not load the SDK (or gRPC) before forking workers."""
    code = ("import sys, fluxform.commands.plan, fluxform.planning\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'grpc')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_spawned_workers_keep_order_and_one_line_errors(tmp_path: Path) -> None:
    """In a process that has loaded gRPC, workers spawn; results keep stack order."""
    import pulumi  # noqa: F401 - loads gRPC
    assert "grpc" in sys.modules
    program = ("import pulumi, pulumi_kubernetes as k8s\n"
               "env = pulumi.Config('standin').require('env')\n"
               "if env == 'a-bad':\n    raise RuntimeError('no')\n"
               "k8s.core.v1.Namespace('ns', metadata={'name': env})\n")
    root = stand_in_project(tmp_path, program, stacks=("a-bad", "b-good", "c-good"))
    results = plan_stacks(PlanOptions(project_dir=str(root), fmt="json"),
                          ["c-good", "a-bad", "b-good"], workers=2)
    assert [r.stack for r in results] == ["c-good", "a-bad", "b-good"]
    assert results[1].error == "program failed for stack 'a-bad': no"
    assert json.loads(results[0].output)["summary"]["create"] == 1 and not results[2].error
