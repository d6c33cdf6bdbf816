"""Shared helpers of the hardening corpus: the CLI helpers of tests/cli and one-line checks."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))

from cli_support import (
    Run,
    copy_project,
    fluxform,
    fluxform_here,
    git,
    stand_in_project,
)

__all__ = ["Run", "assert_one_line", "copy_project", "fluxform", "fluxform_here", "git",
           "stand_in_project"]

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_one_line(run: Run, *needles: str, limit: int = 400) -> str:
    """Exit 1, one `error: ` line on stderr, no traceback, no raw control character."""
    assert run.code == 1, run
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    # Exactly one error line (other lines on stderr, such as a progress note, are not errors).
    lines = [line for line in run.err.rstrip("\n").split("\n") if line.startswith("error")]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    assert not RAW_CONTROL.search(run.err), repr(run.err)
    assert not RAW_CONTROL.search(lines[0]), repr(lines[0])
    assert len(lines[0]) <= limit, len(lines[0])
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
