"""A program that stops early fails closed, and every CLI mistake is one escaped line, exit 1.

A program that calls sys.exit(0), or returns without registering anything, would otherwise
plan as "no changes" (exit 0 under --detailed-exitcode) or pass `check`: CI would read it as
success. Unwritable outputs, a file named as `render --out`, control characters in a stack
name and click's own usage errors are one line each, exit 1 (never click's 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hardening_support import assert_one_line, copy_project, fluxform_here, stand_in_project

EARLY = {
    "sys-exit-0": ("import sys\nsys.exit(0)\n", "it called sys.exit(0)"),
    "sys-exit-after-one": ("import sys, pulumi_kubernetes as k8s\n"
                           "k8s.core.v1.Namespace('ns', metadata={'name': 'a'})\nsys.exit()\n",
                           "it called sys.exit"),
    "returns-empty": ("x = 1\n", "it registered no resources"),
}


@pytest.mark.parametrize("command", [["plan", "--stack", "dev", "--detailed-exitcode"],
                                     ["plan", "--all", "--detailed-exitcode"],
                                     ["plan", "--stack", "dev", "--format", "json"]])
@pytest.mark.parametrize("case", sorted(EARLY))
def test_a_program_that_stops_early_fails_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  case: str, command: list[str]) -> None:
    program, needle = EARLY[case]
    root = stand_in_project(tmp_path, program)
    run = fluxform_here(capsys, *command, "--project", str(root))
    assert_one_line(run, "the program did not finish for stack 'dev'", needle)
    assert run.out == ""


@pytest.fixture(scope="module")
def exiting_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("exiting"))
    (root / "stacks" / "__main__.py").write_text("import sys\nsys.exit(0)\n")
    return root


@pytest.mark.parametrize("command", [["check", "--stack", "dev"], ["check", "--all"],
                                     ["plan", "--stack", "dev", "--detailed-exitcode"]])
def test_check_fails_closed_too(exiting_project: Path, capsys: pytest.CaptureFixture[str],
                                command: list[str]) -> None:
    run = fluxform_here(capsys, *command, "--project", str(exiting_project))
    assert_one_line(run, "the program did not finish", "sys.exit(0)")


PROGRAM = "import pulumi_kubernetes as k8s\nk8s.core.v1.Namespace('ns', metadata={'name': 'a'})\n"


@pytest.mark.parametrize("args, needle", [
    (["plan", "--stack", "dev", "--save", "/proc/no/such/dir/g.json"], "--save /proc/no/such/dir/g.json: cannot write"),
    (["plan", "--stack", "dev", "--out", "/proc/no/such/dir/p.txt"], "--out /proc/no/such/dir/p.txt: cannot write"),
    (["plan", "--stack", "d\x1b[31mev"], "stack name 'd\\x1b[31mev' is not valid"),
    (["plan", "--stack", "dev\u202e"], "is not valid"),
    (["check", "--stack", "d\x07ev"], "stack name 'd\\x07ev' is not valid"),
    (["render", "--stack", "d\x1bev", "--out", "OUT"], "stack name 'd\\x1bev' is not valid"),
    (["render", "--stack", "dev", "--out", "FILE"], "Invalid value for '--out'"),
    (["render", "--stack", "dev"], "Missing option '--out'"),
    (["check", "--bogus"], "No such option '--bogus'"),
    (["plan", "--format", "yaml\x1b[2J"], "Invalid value for '--format'"),
    (["plan", "--stack", "dev", "--baseline", "/no/such\x1b[2Jfile"], "Invalid value for '--baseline'"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
], ids=["unwritable-save", "unwritable-out", "ansi-stack", "bidi-stack", "bell-stack-check",
        "render-stack", "render-out-is-a-file", "render-no-out", "check-unknown-option",
        "bad-format", "missing-baseline", "unknown-command"])
def test_cli_mistakes_are_one_escaped_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           args: list[str], needle: str) -> None:
    root = stand_in_project(tmp_path / "p", PROGRAM)
    (tmp_path / "file").write_text("not a directory")
    args = [str(tmp_path / "out") if a == "OUT" else str(tmp_path / "file") if a == "FILE" else a
            for a in args]
    assert_one_line(fluxform_here(capsys, *args, "--project", str(root)), needle)
    assert not (tmp_path / "out").exists() and (tmp_path / "file").read_text() == "not a directory"
