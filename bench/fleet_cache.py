"""Fleet benchmark of the capture cache (issue 17): N stacks of ~50 resources, a pull request
that changes one tenant in one stack, every figure a ratio measured in one run.

    python bench/fleet_cache.py [--sizes 20,200] [--resources 50] [--repeat 3]
                                [--repeat-all 1] [--json OUT]

Per fleet size (fresh `fluxform plan` processes, wall time, median of the repeats):
  single    `plan --stack <changed> --base-ref main --no-cache`: one stack, as before the cache
            (--repeat times)
  nocache   `plan --all --base-ref main --no-cache` (--repeat-all times)
  cold      `plan --all --base-ref main` with an empty cache (fills it; --repeat-all times)
  warm      `plan --all --base-ref main` again, --repeat times, alternated with `single`:
            every capture is served from the cache
Targets: warm <= 2x single, cold <= 1.0x nocache (no slower), and in-process the cache's own
cost on a miss (record, hash, store) <= 5%, of the capture (`capture_cached` on an empty
cache against `capture_config`) and of the whole plan of the stack (`plan_stack` with an
empty cache against none), alternated, in a fresh interpreter (see MISS). The fleet comes
from bench/fleet.py (make_project).

Every `fluxform` process imports a snapshot of fluxform/ and components/ copied when the run
starts, never the working tree: the cache keys every source file a capture loads, so an edit
to the tree during the run (another branch, another engineer) would otherwise turn the warm
runs into misses and measure the edits, not the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet import make_project

ROOT = Path(__file__).resolve().parents[1]

GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def make_fleet(dest: Path, stacks: int, resources: int) -> str:
    """A Git repository with `stacks` stacks on `main`, and a working tree in which one tenant
    of one stack changed; returns that stack."""
    make_project(dest, {f"s{i:03d}": resources for i in range(stacks)})
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "fleet")
    changed = f"s{stacks // 2:03d}"
    spec = dest / "stacks" / f"{changed}.yaml"
    text = spec.read_text()
    marker = "name: team-00000"
    assert marker in text, "fleet.py no longer names its first tenant team-00000"
    spec.write_text(text.replace(marker, "name: team-00000b", 1))
    return changed


def snapshot_source(dest: Path) -> Path:
    """A copy of the fluxform and components packages as they are now (see the docstring)."""
    for package in ("fluxform", "components"):
        shutil.copytree(ROOT / package, dest / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def _env(source: Path, cache: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    env.pop("FLUXFORM_CACHE_DIR", None)
    return {**env, "FLUXFORM_CACHE_DIR": str(cache)} if cache is not None else env


def timed(source: Path, project: Path, cache: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", "plan", "--project", str(project),
                           "--base-ref", "main", "--format", "text", "--no-policy-gate", *args],
                          capture_output=True, text=True, env=_env(source, cache), check=False,
                          cwd=source)
    elapsed = time.perf_counter() - start
    _last_stderr[0] = proc.stderr
    if proc.returncode not in (0, 2):
        raise SystemExit(f"plan {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
    if "--no-cache" not in args and "cache: " not in proc.stderr:
        raise SystemExit(f"plan {' '.join(args)} printed no cache line: {proc.stderr[-500:]}")
    return elapsed


_last_stderr: list[str] = [""]


def cache_line(source: Path, project: Path, cache: Path, once: bool = False) -> str:
    """The cache report of one more warm `plan --all` (which stacks were reused); with
    `once`, that of the plan `timed` ran last."""
    if once:
        return next((line for line in _last_stderr[0].splitlines()
                     if line.startswith("cache: ")), "")
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", "plan", "--project", str(project),
                           "--base-ref", "main", "--format", "text", "--no-policy-gate", "--all"],
                          capture_output=True, text=True, env=_env(source, cache), check=False,
                          cwd=source)
    return next((line for line in proc.stderr.splitlines() if line.startswith("cache: ")), "")


# Run in a fresh interpreter on the snapshot: argv project, stack, repeat. Prints two medians
# of (with an empty cache) / (without) - 1, alternated: the capture alone (`capture_cached`
# against `capture_config`), and the whole plan of the stack (`plan_stack` with and without
# a cache directory: capture, spec, CRD check, policy, diff, render, and the cache's
# recording, hashing and storing of the capture and of the checks).
MISS = """
import statistics, sys, tempfile, time
from fluxform.cache import capture_cached, open_cache
from fluxform.planning import PlanOptions, plan_stack
from fluxform.project import load_stack
from fluxform.stackrun import capture_config

project, stack, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = load_stack(project, stack)
plain = PlanOptions(project_dir=project, policy_gate=False)
with tempfile.TemporaryDirectory() as tmp:  # warm imports, and the per-process memos
    capture_cached(config, open_cache(tmp), capture_config)
    plan_stack(PlanOptions(project_dir=project, policy_gate=False, cache_dir=tmp + "/p"), stack)
capture_ratios, plan_ratios = [], []
for _ in range(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        capture_config(config)
        t1 = time.perf_counter()
        _graph, status = capture_cached(config, open_cache(tmp), capture_config)
        t2 = time.perf_counter()
        assert status == "miss", status
        plan_stack(plain, stack)
        t3 = time.perf_counter()
        result = plan_stack(PlanOptions(project_dir=project, policy_gate=False,
                                        cache_dir=tmp + "/p"), stack)
        t4 = time.perf_counter()
        assert result.cache == "head=miss", result
    capture_ratios.append((t2 - t1) / (t1 - t0))
    plan_ratios.append((t4 - t3) / (t3 - t2))
print(statistics.median(capture_ratios) - 1, statistics.median(plan_ratios) - 1)
"""


def miss_overhead(source: Path, project: Path, stack: str, repeat: int) -> tuple[float, float]:
    """The cache's cost on a miss, in one process: (capture alone, whole plan), see MISS."""
    proc = subprocess.run([sys.executable, "-c", MISS, str(project), stack, str(repeat)],
                          capture_output=True, text=True, env=_env(source), check=False,
                          cwd=source)
    if proc.returncode != 0:
        raise SystemExit(f"miss overhead run failed: {proc.stderr.strip()[-500:]}")
    capture, plan = proc.stdout.strip().splitlines()[-1].split()
    return float(capture), float(plan)


def run_size(stacks: int, resources: int, repeat: int, repeat_all: int,
             source: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fluxform-fleet-") as tmp:
        project = Path(tmp) / "fleet"
        changed = make_fleet(project, stacks, resources)
        cache = Path(tmp) / "cache"
        figures: dict[str, list[float]] = {"single": [], "nocache": [], "cold": [], "warm": []}
        warm_lines: list[str] = []
        for _ in range(repeat_all):
            figures["nocache"].append(timed(source, project, cache, "--all", "--no-cache"))
            shutil.rmtree(cache, ignore_errors=True)
            figures["cold"].append(timed(source, project, cache, "--all"))
        for _ in range(repeat):  # alternated, so both see the same load on the machine
            figures["single"].append(timed(source, project, cache, "--stack", changed,
                                           "--no-cache"))
            figures["warm"].append(timed(source, project, cache, "--all"))
            warm_lines.append(_short(cache_line(source, project, cache, once=True)))
        med = {k: statistics.median(v) for k, v in figures.items()}
        reused = cache_line(source, project, cache)
        overhead, plan_overhead = miss_overhead(source, project, changed, max(7, repeat))
    return {"stacks": stacks, "resources_per_stack": resources,
            **{f"{k}_s": round(v, 2) for k, v in med.items()},
            "runs": {k: [round(x, 2) for x in v] for k, v in figures.items()},
            "warm_vs_single": round(med["warm"] / med["single"], 2),
            "cold_vs_nocache": round(med["cold"] / med["nocache"], 2),
            "miss_overhead": round(overhead, 3), "miss_overhead_plan": round(plan_overhead, 3),
            "warm_cache_line": _short(reused), "warm_run_lines": warm_lines}


def _short(line: str) -> str:
    """`N of M stack(s) unchanged; captured: ...` of a cache line, without the long list."""
    head, _, rest = line.removeprefix("cache: ").partition(" (captures reused)")
    captured = rest.partition("; captured: ")[2]
    return f"{head}; captured: {captured}" if head else "no cache line"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,200")
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of `single` and `warm` (alternated), median taken")
    parser.add_argument("--repeat-all", type=int, default=1,
                        help="runs of the slow no-cache and cold `--all` plans")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.repeat_all < 1:
        parser.error("--sizes needs positive integers, --repeat and --repeat-all at least 1")
    with tempfile.TemporaryDirectory(prefix="fluxform-src-") as src:
        source = snapshot_source(Path(src))
        rows = [run_size(n, args.resources, args.repeat, args.repeat_all, source)
                for n in sizes]
    for row in rows:
        print(f"{row['stacks']:4d} stacks: single {row['single_s']:.2f} s, no-cache --all "
              f"{row['nocache_s']:.2f} s, cold {row['cold_s']:.2f} s, warm {row['warm_s']:.2f} s | "
              f"warm/single {row['warm_vs_single']:.2f}x (target <= 2), cold/no-cache "
              f"{row['cold_vs_nocache']:.2f}x (target <= 1), miss overhead "
              f"{row['miss_overhead']:+.1%} capture, {row['miss_overhead_plan']:+.1%} plan "
              "(target <= 5%)")
        print(f"      warm run: {row['warm_cache_line']}")
        for i, line in enumerate(row["warm_run_lines"], 1):
            if line != row["warm_cache_line"]:  # e.g. the installed packages changed mid-run
                print(f"      warm run {i} of --repeat: {line}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        warm = last["warm_s"] / first["warm_s"]
        nocache = last["nocache_s"] / first["nocache_s"]
        print(f"growth {first['stacks']} -> {last['stacks']} stacks: warm {warm:.2f}x, "
              f"no-cache {nocache:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
