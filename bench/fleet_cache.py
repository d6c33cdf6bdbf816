"""Fleet benchmark of the capture cache (issue 17): N stacks of ~50 resources, a pull request
that changes one tenant in one stack, every figure a ratio measured in one run.

    python bench/fleet_cache.py [--sizes 20,200] [--resources 50] [--repeat 3]
                                [--repeat-all 1] [--miss-pairs 15] [--json OUT]

Per fleet size (fresh `fluxform plan` processes, wall time, median of the repeats):
  single    `plan --stack <changed> --base-ref main --no-cache`: one stack, as before the cache
            (--repeat times)
  nocache   `plan --all --base-ref main --no-cache` (--repeat-all times)
  cold      `plan --all --base-ref main` with an empty cache (fills it; --repeat-all times,
            alternated with nocache, which of the two goes first alternating too)
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
MISS_PAIRS = 15
"""Alternated pairs for the cost of the cache on a miss (cheap: a capture of ~50 resources)."""

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


# Run in a fresh interpreter on the snapshot: argv project, stack, repeat. Prints four medians
# of (with an empty cache) / (without) - 1, alternated: the capture alone (`capture_cached`
# against `capture_config`) and the whole plan of the stack (`plan_stack` with and without
# a cache directory: capture, spec, CRD check, policy, diff, render, and the cache's
# recording, hashing and storing of the capture and of the checks), each in CPU time of the
# process (user + system: what the cache's own work costs, whatever else runs on the
# machine) and in wall time. Pairs alternate which of the two runs first. A fifth figure needs
# no pair: in each `capture_cached` call, its CPU time beyond the capture it wraps (lookup,
# recording, digesting the inputs, serialising and storing), over that capture's own: the
# cache's cost itself, without the run-to-run noise of two captures (+-3% on this machine).
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
ratios = {"capture_cpu": [], "plan_cpu": [], "capture_wall": [], "plan_wall": [], "direct": []}

def now():
    return time.process_time(), time.perf_counter()

def pair(name, without, with_, with_first):
    # One alternated pair; which runs first alternates too (ABBA), so the order's own
    # effects (the collection of the previous capture's garbage, caches) cancel out.
    spans = {}
    for which in ((with_, without) if with_first else (without, with_)):
        start = now()
        which()
        end = now()
        spans[which] = (end[0] - start[0], end[1] - start[1])
    for clock, i in (("cpu", 0), ("wall", 1)):
        ratios[f"{name}_{clock}"].append(spans[with_][i] / spans[without][i])

for n in range(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        def cached_capture():
            inner = []

            def timed_capture(c):
                start = time.process_time()
                graph = capture_config(c)
                inner.append(time.process_time() - start)
                return graph

            start = time.process_time()
            _graph, status = capture_cached(config, open_cache(tmp), timed_capture)
            total = time.process_time() - start
            assert status == "miss", status
            ratios["direct"].append((total - inner[0]) / inner[0])

        def cached_plan():
            result = plan_stack(PlanOptions(project_dir=project, policy_gate=False,
                                            cache_dir=tmp + "/p"), stack)
            assert result.cache == "head=miss", result

        pair("capture", lambda: capture_config(config), cached_capture, n % 2 == 1)
        pair("plan", lambda: plan_stack(plain, stack), cached_plan, n % 2 == 1)
print(" ".join(str(statistics.median(ratios[k]) - 1)
               for k in ("capture_cpu", "plan_cpu", "capture_wall", "plan_wall")),
      statistics.median(ratios["direct"]))
"""


def miss_overhead(source: Path, project: Path, stack: str, repeat: int) -> dict[str, float]:
    """The cache's cost on a miss, in one process: capture alone and whole plan, CPU and wall
    time (see MISS)."""
    proc = subprocess.run([sys.executable, "-c", MISS, str(project), stack, str(repeat)],
                          capture_output=True, text=True, env=_env(source), check=False,
                          cwd=source)
    if proc.returncode != 0:
        raise SystemExit(f"miss overhead run failed: {proc.stderr.strip()[-500:]}")
    values = [float(x) for x in proc.stdout.strip().splitlines()[-1].split()]
    return dict(zip(("capture_cpu", "plan_cpu", "capture_wall", "plan_wall", "direct"), values,
                    strict=True))


def run_size(stacks: int, resources: int, repeat: int, repeat_all: int,
             source: Path, miss_pairs: int = 15) -> dict[str, Any]:
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="fluxform-fleet-") as tmp:
        project = Path(tmp) / "fleet"
        changed = make_fleet(project, stacks, resources)
        cache = Path(tmp) / "cache"
        figures: dict[str, list[float]] = {"single": [], "nocache": [], "cold": [], "warm": []}
        warm_lines: list[str] = []
        for i in range(repeat_all):  # which of the two runs first alternates (ABBA)
            for kind in (("nocache", "cold") if i % 2 == 0 else ("cold", "nocache")):
                if kind == "nocache":
                    figures["nocache"].append(timed(source, project, cache, "--all",
                                                    "--no-cache"))
                else:
                    shutil.rmtree(cache, ignore_errors=True)
                    figures["cold"].append(timed(source, project, cache, "--all"))
        for _ in range(repeat):  # alternated, so both see the same load on the machine
            figures["single"].append(timed(source, project, cache, "--stack", changed,
                                           "--no-cache"))
            figures["warm"].append(timed(source, project, cache, "--all"))
            warm_lines.append(_short(cache_line(source, project, cache, once=True)))
        med = {k: statistics.median(v) for k, v in figures.items()}
        reused = cache_line(source, project, cache)
        miss = miss_overhead(source, project, changed, max(miss_pairs, repeat))
    return {"stacks": stacks, "resources_per_stack": resources,
            **{f"{k}_s": round(v, 2) for k, v in med.items()},
            "runs": {k: [round(x, 2) for x in v] for k, v in figures.items()},
            "warm_vs_single": round(med["warm"] / med["single"], 2),
            "cold_vs_nocache": round(med["cold"] / med["nocache"], 2),
            "miss_overhead": round(miss["capture_cpu"], 4),
            "miss_overhead_plan": round(miss["plan_cpu"], 4),
            "miss_overhead_wall": round(miss["capture_wall"], 4),
            "miss_overhead_plan_wall": round(miss["plan_wall"], 4),
            "miss_overhead_direct": round(miss["direct"], 4),
            "load_before": load_before, "load_after": _load(),
            "warm_cache_line": _short(reused), "warm_run_lines": warm_lines}


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (other work on the shared cores)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


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
    parser.add_argument("--miss-pairs", type=int, default=MISS_PAIRS,
                        help="alternated pairs for the cost of the cache on a miss")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    if (not sizes or min(sizes) < 1 or args.repeat < 1 or args.repeat_all < 1
            or args.miss_pairs < 1):
        parser.error("--sizes needs positive integers, --repeat, --repeat-all and "
                     "--miss-pairs at least 1")
    with tempfile.TemporaryDirectory(prefix="fluxform-src-") as src:
        source = snapshot_source(Path(src))
        rows = [run_size(n, args.resources, args.repeat, args.repeat_all, source,
                         args.miss_pairs) for n in sizes]
    for row in rows:
        print(f"{row['stacks']:4d} stacks: single {row['single_s']:.2f} s, no-cache --all "
              f"{row['nocache_s']:.2f} s, cold {row['cold_s']:.2f} s, warm {row['warm_s']:.2f} s | "
              f"warm/single {row['warm_vs_single']:.2f}x (target <= 2), cold/no-cache "
              f"{row['cold_vs_nocache']:.2f}x (target <= 1), miss overhead (CPU) "
              f"{row['miss_overhead_direct']:+.1%} capture measured inside the call, "
              f"A/B {row['miss_overhead']:+.1%} capture, {row['miss_overhead_plan']:+.1%} plan "
              f"(target <= 5%; A/B in wall time {row['miss_overhead_wall']:+.1%}, "
              f"{row['miss_overhead_plan_wall']:+.1%})")
        print(f"      load average before {row['load_before']}, after {row['load_after']}")
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
