"""Helpers for the capture cache tests: a copy of the project, captures in a fresh interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

# Captures the stack with the cache, in a fresh interpreter whose imports come from the
# working directory first (the project copy's components/ and fluxform/).
CAPTURE = """
import sys
from fluxform.cache import capture_cached, open_cache
from fluxform.project import load_stack
from fluxform.stackrun import capture_config
graph, status = capture_cached(load_stack('.', sys.argv[1]), open_cache(sys.argv[2]), capture_config)
print(status)
"""


def copy_project(dest: Path) -> Path:
    """The repository's files as the working tree has them (tracked and new, not ignored),
    without tests and benchmarks."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for rel in sorted(set(filter(None, listing.split("\0")))):
        source = ROOT / rel
        if rel.startswith(("tests/", "bench/", ".github/")) or not source.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / rel)
    return dest


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(cwd), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    full.pop("FLUXFORM_CACHE_DIR", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          env=full, timeout=300, check=False)


def capture_in(project: Path, stack: str, cache_dir: Path,
               env: dict[str, str] | None = None) -> str:
    """Capture `stack` of `project` through the cache in a fresh interpreter; its status."""
    proc = run(project, "-c", CAPTURE, stack, str(cache_dir), env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def fluxform_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(project, "-m", "fluxform.cli", *args)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV}).stdout
