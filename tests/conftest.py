"""Shared test helpers: golden files refreshed only with FLUXFORM_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UPDATE = os.environ.get("FLUXFORM_UPDATE_GOLDEN") == "1"

# Tests never read or fill the user's capture cache (~/.cache/fluxform): every test process
# (and the CLI subprocesses it starts, which inherit the environment) gets a fresh one.
os.environ["FLUXFORM_CACHE_DIR"] = tempfile.mkdtemp(prefix="fluxform-test-cache-")


def assert_golden(path: Path, actual: str) -> None:
    """Compare with a golden file; FLUXFORM_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing (run with FLUXFORM_UPDATE_GOLDEN=1)")
    assert actual == path.read_text(encoding="utf-8"), f"differs from {path}"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The `fluxform` console script in this process: (exit code, stdout, stderr). Exit codes
    as a process would have them (None is 0, a message is 1)."""
    from fluxform.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def calls(run: Callable[[], object]) -> int:
    """The Python and C function calls `run` makes: a measure of work that, unlike a time,
    does not depend on the machine's load."""
    count = [0]

    def profile(frame: object, event: str, arg: object) -> None:
        if event in ("call", "c_call"):
            count[0] += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count[0]
