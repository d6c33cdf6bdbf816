"""Shared test helpers: golden files refreshed only with FLUXFORM_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
import tempfile
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
