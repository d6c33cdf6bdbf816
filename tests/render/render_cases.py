"""Shared cases for the render tests: the example stacks in both delivery modes."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import cast

from conftest import ROOT

from fluxform.render import render_tree
from fluxform.spec import load_spec
from fluxform.spec.model import Delivery, Spec

GOLDEN = Path(__file__).parent / "golden"
STACKS = ("dev", "prod")
MODES = ("pulumi", "git")
CASES = [(s, m) for s in STACKS for m in MODES]
IDS = [f"{s}-{m}" for s, m in CASES]


def label(stack: str) -> str:
    return f"stacks/{stack}.yaml"


def spec_for(stack: str, mode: str) -> Spec:
    """The example spec with `flux.delivery` set to `mode`."""
    spec = load_spec(ROOT / label(stack), display=label(stack))
    return dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery=cast(Delivery, mode)))


def tree(stack: str, mode: str) -> dict[str, bytes]:
    return render_tree(spec_for(stack, mode), label(stack))


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and directory (None) under root, by relative path."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def copy_project(dest: Path, delivery: str | None = None) -> Path:
    """The committed project (no tests, no benchmarks) in dest, optionally with every
    example spec switched to `delivery`, so the real program runs on it unchanged."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for rel in files:
        if rel.startswith(("tests/", "bench/")):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    if delivery is not None:
        for stack in STACKS:
            path = dest / label(stack)
            text = path.read_text(encoding="utf-8")
            assert "  delivery: pulumi\n" in text
            path.write_text(text.replace("  delivery: pulumi\n", f"  delivery: {delivery}\n"),
                            encoding="utf-8")
    return dest
