"""Helpers for the plan command tests: run the CLI, copy the project, make stand-in projects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@dataclass
class Run:
    code: int
    out: str
    err: str


def fluxform(*args: str, cwd: Path = ROOT) -> Run:
    """The CLI in a fresh interpreter (imports the package found from `cwd` first)."""
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def fluxform_here(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """The CLI in this process (fast: the SDK is imported once); pass --project."""
    return Run(*run_cli(capsys, *args))


def assert_one_line_error(run: Run, *needles: str) -> None:
    assert run.code == 1, run
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def copy_project(dest: Path) -> Path:
    """The repository's files as the working tree has them (tracked and new, not ignored),
    without tests and benchmarks."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for rel in sorted(set(filter(None, listing.split("\0")))):
        source = ROOT / rel
        if rel.startswith(("tests/", "bench/")) or not source.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / rel)
    return dest


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV}).stdout


def stand_in_project(dest: Path, program: str, stacks: tuple[str, ...] = ("dev",),
                     config: str = "") -> Path:
    """A minimal Pulumi project whose program is `program` (a stand-in for stacks/)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Pulumi.yaml").write_text("name: standin\nruntime: python\nmain: prog/\n")
    (dest / "prog").mkdir(exist_ok=True)
    (dest / "prog" / "__main__.py").write_text(program)
    for stack in stacks:
        (dest / f"Pulumi.{stack}.yaml").write_text(f"config:\n  standin:env: {stack}\n{config}")
    return dest
