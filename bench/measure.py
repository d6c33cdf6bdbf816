"""The benchmark's measurements: each figure from fresh worker processes (bench/workers.py),
best of the repeats, plan and floor runs alternating so load from other processes hits both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fleet import make_project, shape_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


BYTECODE = Path(os.environ.get("FLUXFORM_BENCH_PYCACHE")
                or Path(tempfile.gettempdir()) / "fluxform-bench-pycache")
"""Where every process of the benchmark keeps its bytecode (PYTHONPYCACHEPREFIX). An installed
fluxform has its modules compiled (pip does it); the sessions on this machine run with
PYTHONDONTWRITEBYTECODE=1 and no __pycache__ in the tree, so without this every plan process
compiled all 58 fluxform and components modules from source (0.32 s under cProfile, 0.1-0.3 s
of CPU in alternated pairs at 1,000 resources) and the floor, which imports only the
precompiled SDK, did not."""


def bench_env(tree: Path = ROOT, cache_dir: Path | None = None) -> dict[str, str]:
    """The environment of every process the benchmark times: a bytecode cache outside the
    tree (see BYTECODE), another revision first on PYTHONPATH when `tree` is not this one,
    and a capture cache of its own (never the user's ~/.cache/fluxform)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)  # mirrors each source's absolute path
    if tree != ROOT:
        env["PYTHONPATH"] = str(tree)
    if cache_dir is not None:
        env["FLUXFORM_CACHE_DIR"] = str(cache_dir)
    return env


def _in_tree(tree: Path) -> dict[str, Any]:
    """subprocess arguments that run fluxform from `tree` (another revision first on PYTHONPATH;
    this working tree as installed)."""
    return {"cwd": tree, "env": bench_env(tree)}


def warm_bytecode(work: Path, tree: Path = ROOT) -> None:
    """One untimed plan and floor, so the timed runs find every module compiled."""
    work.mkdir(parents=True, exist_ok=True)
    project = make_project(work / "warm-bytecode", {"w": 100})
    save_graph(project, "w", work / "warm-bytecode.graph.json", tree=tree)
    run_worker("plan", str(project), "w", str(work / "warm-bytecode.graph.json"), tree=tree)
    run_worker("floor", "10", tree=tree)


def run_worker(*args: str, tree: Path = ROOT) -> dict[str, Any]:
    """Run a worker in a fresh interpreter; its wall time (interpreter start included) too."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / "workers.py"), *args],
                          capture_output=True, text=True, check=False, **_in_tree(tree))
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed in {tree} ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    out = dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    out["process_wall_s"] = wall
    return out


def save_graph(project: Path, stack: str, out: Path, tree: Path = ROOT) -> None:
    """The stack's captured graph (`--save` format), to plan against as its previous state."""
    subprocess.run([sys.executable, "-m", "fluxform.stackrun", "--project", str(project),
                    "--stack", stack, "--out", str(out)], check=True, **_in_tree(tree))


def _timed(cmd: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,),
           env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=env or bench_env())
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        err = proc.stderr.decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {proc.returncode}: {err}")
    return wall


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(min(runs, key=lambda r: r["total_s"]))


def _fluxform_cli() -> list[str]:
    script = Path(sys.executable).parent / "fluxform"
    return [str(script)] if script.exists() else [sys.executable, "-m", "fluxform.cli"]


def flux_local_bin(explicit: str | None) -> str | None:
    # Where bench/RESULTS.md installs it: a throwaway venv of Python 3.12 (flux-local 7.11
    # declares >=3.10 but uses 3.12 f-string syntax).
    for candidate in (explicit, shutil.which("flux-local"), "/tmp/fl312/bin/flux-local"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def try_flux_local(binary: str | None, tree: Path, cluster_path: str) -> dict[str, Any]:
    """flux-local on the rendered tree (a git repository); how it failed when it cannot run."""
    if binary is None:
        return {"ran": False, "reason": "flux-local is not installed (see bench/RESULTS.md)"}
    subprocess.run(["git", "init", "-q", str(tree)], check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.run([binary, "get", "ks", "--path", cluster_path], cwd=tree,
                          capture_output=True, text=True, check=False, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        return {"ran": False, "wall_s": wall,
                "reason": (lines[-1] if lines else f"exit {proc.returncode}")[:300]}
    return {"ran": True, "wall_s": wall}


def measure_size(work: Path, size: int, repeats: int, quick: bool,
                 flux_local: str | None) -> dict[str, Any]:
    stack = f"s{size}"
    head = make_project(work / f"head-{size}", {stack: size})
    base = make_project(work / f"base-{size}", {stack: size}, drift=True)
    git = make_project(work / f"git-{size}", {stack: size}, delivery="git")
    baseline = work / f"base-{size}.graph.json"
    save_graph(base, stack, baseline)

    plans: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for _ in range(repeats):
        plans.append(run_worker("plan", str(head), stack, str(baseline)))
        floors.append(run_worker("floor", str(plans[0]["resources"])))
    modules = plans[0]["modules"]
    for run in plans:
        del run["modules"]
    plan, floor = _best(plans), _best(floors)
    modules_file = work / "modules.json"
    modules_file.write_text(json.dumps(modules))
    imports = min((run_worker("imports", str(modules_file)) for _ in range(min(repeats, 2))),
                  key=lambda r: r["import_s"])
    stages = plan["stages"]
    diff_render = stages.get("diff_s", 0.0) + stages.get("render_s", 0.0)
    first = plan["first_plan"]
    first_total = plan["total_s"] - diff_render + first["diff_s"] + first["render_s"]
    row: dict[str, Any] = {
        "shape": shape_for(size).__dict__, "resources": plan["resources"],
        "plan": plan, "floor": floor,
        "plan_runs_s": [r["total_s"] for r in plans], "floor_runs_s": [r["total_s"] for r in floors],
        "ratio_plan_floor": plan["total_s"] / floor["total_s"],
        "ratio_plan_floor_per_pair": sorted(p["total_s"] / f["total_s"]
                                            for p, f in zip(plans, floors, strict=True)),
        "ms_per_resource": 1000 * plan["total_s"] / plan["resources"],
        "floor_ms_per_resource": 1000 * floor["total_s"] / floor["resources"],
        "plan_imports": imports,
        "ratio_plan_floor_without_imports": ((plan["total_s"] - imports["import_s"])
                                             / floor["register_s"]),
        "diff_render_share": diff_render / plan["total_s"],
        "diff_render_share_first_plan": (first["diff_s"] + first["render_s"]) / first_total,
    }

    tree = work / f"fleet-{size}"
    renders, kustomizes, clis = [], [], []
    cluster = f"clusters/{stack}"
    for i in range(repeats):
        shutil.rmtree(tree, ignore_errors=True)
        renders.append(run_worker("render", str(git), stack, str(tree)))
        if shutil.which("kubectl"):
            kustomizes.append(_timed(["kubectl", "kustomize", str(tree / cluster)]))
        if not quick:
            cli_tree = work / f"fleet-cli-{size}-{i}"
            clis.append(_timed([*_fluxform_cli(), "render", "--project", str(git), "--stack",
                                stack, "--out", str(cli_tree)]))
    render = min(renders, key=lambda r: r["render_s"])
    row["render_tree"] = render
    if kustomizes:
        row["kubectl_kustomize_s"] = min(kustomizes)
        row["ratio_render_kustomize"] = render["render_s"] / min(kustomizes)
    if clis:
        row["render_cli_s"] = min(clis)
        if kustomizes:
            row["ratio_render_cli_kustomize"] = min(clis) / min(kustomizes)
    if not quick:
        row["flux_local"] = try_flux_local(flux_local, tree, cluster)
    return row


def measure_cli(work: Path, size: int, repeats: int, inprocess_s: float) -> dict[str, Any]:
    """`fluxform plan` as a user runs it (a process), beside the in-process figure."""
    stack = f"s{size}"
    cmd = [*_fluxform_cli(), "plan", "--project", str(work / f"head-{size}"), "--stack", stack,
           "--baseline", str(work / f"base-{size}.graph.json")]
    walls = [_timed(cmd, ok=(0, 2)) for _ in range(repeats)]
    return {"size": size, "cli_wall_s": min(walls), "runs_s": walls,
            "inprocess_total_s": inprocess_s}


def measure_plan_all(work: Path, repeats: int) -> dict[str, Any]:
    """`plan --all` (2 worker processes) against the same stacks planned one after another,
    both without the capture cache (`--no-cache`: the parallel speed-up alone); and `plan
    --all` with the cache, cold (an empty cache directory, which it fills) and warm (every
    capture and check reused; fluxform.cache)."""
    stacks = {f"m{i}": 1000 for i in range(4)}
    project = make_project(work / "multi", stacks)
    cli = [*_fluxform_cli(), "plan", "--project", str(project)]
    seq_runs, all_runs, cold_runs, warm_runs, lib1, lib2 = [], [], [], [], [], []
    for i in range(repeats):
        seq_runs.append(sum(_timed([*cli, "--stack", s, "--no-cache"]) for s in stacks))
        all_runs.append(_timed([*cli, "--all", "--no-cache"]))
        cache = work / f"multi-cache-{i}"
        cold_runs.append(_timed([*cli, "--all"], env=bench_env(cache_dir=cache)))
        warm_runs.append(_timed([*cli, "--all"], env=bench_env(cache_dir=cache)))
        lib1.append(run_worker("plan-many", str(project), "1", *stacks)["total_s"])
        lib2.append(run_worker("plan-many", str(project), "2", *stacks)["total_s"])
    return {"stacks": len(stacks), "resources_each": 1000, "cpus": os.cpu_count(),
            "sequential_cli_s": min(seq_runs), "all_cli_s": min(all_runs),
            "speedup": min(seq_runs) / min(all_runs),
            "all_cold_cache_s": min(cold_runs), "all_warm_cache_s": min(warm_runs),
            "library_one_worker_s": min(lib1), "library_two_workers_s": min(lib2),
            "library_speedup": min(lib1) / min(lib2),
            "runs": {"sequential_cli_s": seq_runs, "all_cli_s": all_runs,
                     "all_cold_cache_s": cold_runs, "all_warm_cache_s": warm_runs,
                     "library_one_worker_s": lib1, "library_two_workers_s": lib2}}
