"""Interleaved A/B of two revisions of fluxform: the same plan of the same fleet, in one run.

    python bench/ab.py REV_A REV_B [--size 1000] [--pairs 6]

Each revision is exported with `git archive` into a temporary directory. A pair runs the plan
worker (bench/workers.py of this working tree) once against each, each in a fresh interpreter
with that revision first on PYTHONPATH, alternating which side goes first, so load from other
processes hits both sides alike. Prints each side's best and median plan time and capture time
and the median of the per-pair ratios B/A; writes nothing else. The fleet (bench/fleet.py and
stacks/__main__.py) comes from this working tree and its baseline graph is captured with REV_B,
so both revisions must read the same spec format and graph format.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from fleet import make_project
from measure import ROOT, run_worker, save_graph, warm_bytecode


def export(rev: str, dest: Path) -> Path:
    """The tree of `rev` (committed files only) at `dest`."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT,
                             capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    tar_path = dest.with_suffix(".tar")
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    stack = f"s{args.size}"
    with tempfile.TemporaryDirectory(prefix="fluxform-ab-") as tmp:
        work = Path(tmp)
        trees = {"A": export(args.rev_a, work / "a"), "B": export(args.rev_b, work / "b")}
        project = make_project(work / "fleet", {stack: args.size})
        base = make_project(work / "fleet-base", {stack: args.size}, drift=True)
        baseline = work / "base.graph.json"
        save_graph(base, stack, baseline, tree=trees["B"])
        for side, tree in trees.items():  # compile each revision once, untimed
            warm_bytecode(work / f"warm-{side}", tree=tree)
        runs: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
        for pair in range(args.pairs):
            for side in ("AB" if pair % 2 == 0 else "BA"):
                runs[side].append(run_worker("plan", str(project), stack, str(baseline),
                                             tree=trees[side]))
    resources = {side: {r["resources"] for r in rs} for side, rs in runs.items()}
    print(f"{args.size}-resource fleet, {args.pairs} interleaved pairs "
          f"(resources A {sorted(resources['A'])}, B {sorted(resources['B'])})")
    for side, rev in (("A", args.rev_a), ("B", args.rev_b)):
        totals = [r["total_s"] for r in runs[side]]
        captures = [r["stages"].get("capture_s", 0.0) for r in runs[side]]
        print(f"{side} {rev}: plan best {min(totals):.2f}s median {statistics.median(totals):.2f}s;"
              f" capture best {min(captures):.2f}s; peak {min(r['peak_rss_mb'] for r in runs[side]):.0f} MB")
    ratios = sorted(b["total_s"] / a["total_s"] for a, b in zip(runs["A"], runs["B"], strict=True))
    print(f"B/A per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
