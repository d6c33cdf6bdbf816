"""Fleet benchmark of the capture cache (issue 17): N stacks of ~50 resources, a pull request
that changes one tenant in one stack, every figure a ratio measured in one run.

    python bench/fleet_cache.py [--sizes 20,200] [--resources 50] [--repeat 3] [--json OUT]

Per fleet size (fresh `fluxform plan` processes, wall time, median of --repeat):
  single    `plan --stack <changed> --base-ref main --no-cache`: one stack, as before the cache
  nocache   `plan --all --base-ref main --no-cache`
  cold      `plan --all --base-ref main` with an empty cache (fills it)
  warm      `plan --all --base-ref main` again: only the changed stack's head is captured
Targets: warm <= 2x single, cold <= 1.0x nocache (no slower), and in-process the cache's own
cost on a miss (record, hash, store) <= 5% of a capture (`capture_cached` on an empty cache
against `capture_config`, alternated). The fleet comes from bench/fleet.py (make_project).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet import make_project

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


def timed(project: Path, cache: Path, *args: str) -> float:
    env = {**os.environ, "FLUXFORM_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", "plan", "--project", str(project),
                           "--base-ref", "main", "--format", "text", "--no-policy-gate", *args],
                          capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise SystemExit(f"plan {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
    return elapsed


def miss_overhead(project: Path, stack: str, repeat: int) -> float:
    """Median of (capture through an empty cache) / (plain capture) - 1, in one process."""
    from fluxform.cache import capture_cached, open_cache
    from fluxform.project import load_stack
    from fluxform.stackrun import capture_config

    config = load_stack(project, stack)
    capture_config(config)  # warm imports
    ratios = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            capture_config(config)
            t1 = time.perf_counter()
            _graph, status = capture_cached(config, open_cache(tmp), capture_config)
            t2 = time.perf_counter()
            assert status == "miss", status
        ratios.append((t2 - t1) / (t1 - t0))
    return statistics.median(ratios) - 1


def run_size(stacks: int, resources: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="fluxform-fleet-") as tmp:
        project = Path(tmp) / "fleet"
        changed = make_fleet(project, stacks, resources)
        cache = Path(tmp) / "cache"
        figures: dict[str, list[float]] = {"single": [], "nocache": [], "cold": [], "warm": []}
        for _ in range(repeat):
            figures["single"].append(timed(project, cache, "--stack", changed, "--no-cache"))
            figures["nocache"].append(timed(project, cache, "--all", "--no-cache"))
            subprocess.run(["rm", "-rf", str(cache)], check=True)
            figures["cold"].append(timed(project, cache, "--all"))
            figures["warm"].append(timed(project, cache, "--all"))
        med = {k: statistics.median(v) for k, v in figures.items()}
        overhead = miss_overhead(project, changed, max(3, repeat))
    return {"stacks": stacks, **{f"{k}_s": round(v, 2) for k, v in med.items()},
            "warm_vs_single": round(med["warm"] / med["single"], 2),
            "cold_vs_nocache": round(med["cold"] / med["nocache"], 2),
            "miss_overhead": round(overhead, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,200")
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [run_size(int(n), args.resources, args.repeat) for n in args.sizes.split(",")]
    for row in rows:
        print(f"{row['stacks']:4d} stacks: single {row['single_s']:.2f} s, no-cache --all "
              f"{row['nocache_s']:.2f} s, cold {row['cold_s']:.2f} s, warm {row['warm_s']:.2f} s | "
              f"warm/single {row['warm_vs_single']:.2f}x (target <= 2), cold/no-cache "
              f"{row['cold_vs_nocache']:.2f}x (target <= 1), miss overhead "
              f"{row['miss_overhead']:+.1%} (target <= 5%)")
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
