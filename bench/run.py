"""fluxform at fleet scale: plan time, its split, peak memory and ratios, all in one run.

    python bench/run.py [--sizes 100,1000,10000] [--quick] [--repeats 3] [--out FILE]

For each size (a synthetic fleet from bench/fleet.py, same seed every run):

- plan: `fluxform.planning.plan_stack`, the library call behind `fluxform plan`, of a
  pull-request-style plan (the stack against a saved graph of its previous state), in a fresh
  interpreter, timed from before the first fluxform import to the rendered report; its stages
  (config, spec, capture, baseline, policy, diff, render) are timed by wrapping those
  functions. In the same process afterwards, not counted in the total: the markdown and JSON
  reports of the same plan, and a first plan (no baseline: every resource a create, the
  longest report). Peak memory is ru_maxrss when the plan returns.
- floor: the same number of bare `pulumi.CustomResource`s registered under the SDK's plain
  MockMonitor, in a fresh interpreter, timed from before `import pulumi`: the mock engine
  alone, with nothing of ours.
- render and kustomize: the same fleet in `delivery: git` mode rendered into a fleet tree by
  fluxform's render library (and by the `fluxform render` CLI), then `kubectl kustomize` of
  that tree; flux-local on the same tree when it is installed and can run here.

Plan and floor runs alternate, so load from other processes hits both; each figure is the
best of `--repeats` runs and every ratio is taken between figures of the same run. Without
`--quick`, also: one `fluxform plan` through the CLI (subprocess) at the size closest to
1,000, and `plan --all` on 4 stacks of about 1,000 against planning them one after another.
Prints a table; writes JSON (default bench/results/latest.json).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # a worker's clock starts before it imports anything heavy

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {
    "plan_1000_vs_floor": ("plan of ~1,000 resources / floor", "<=", 1.5),
    "per_resource_10000_vs_1000": ("time per resource at 10,000 / at 1,000", "<=", 1.3),
    "diff_render_share_10000": ("(diff + render) / plan total at 10,000", "<", 0.10),
    "peak_rss_10000_mb": ("peak memory at 10,000 (MB)", "<", 800.0),
    "plan_all_speedup": ("plan --all speed-up over one after another (2 cores)", ">=", 1.7),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- workers


STAGES = [  # (module, function, stage): what make_plan/plan_stack call, in order
    ("fluxform.project", "load_stack", "config"),
    ("fluxform.spec", "load_spec", "spec"),
    ("fluxform.stackrun", "capture_config", "capture"),
    ("fluxform.baseline", "resolve", "baseline"),
    ("fluxform.policy", "check_stack", "policy"),
    ("fluxform.diff", "compute_plan", "diff"),
    ("fluxform.report", "render", "render"),
]
CALLERS = ("fluxform.planning", "fluxform.commands.plan", "fluxform.project", "fluxform.program")


def _instrument(seconds: dict[str, float], calls: dict[str, int],
                last: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Wrap each stage function with a timer, wherever the plan path looks it up."""
    import importlib

    originals: dict[str, Callable[..., Any]] = {}
    active: list[str] = []
    for module_name, attr, stage in STAGES:
        module = importlib.import_module(module_name)
        original = getattr(module, attr, None)
        if original is None:
            continue
        originals[stage] = original

        def timed(*args: Any, _fn: Callable[..., Any] = original, _stage: str = stage,
                  **kwargs: Any) -> Any:
            # A stage called inside another (the program loads the spec during capture) is
            # also booked as `<stage>_in_<outer>`, so the stages can be added up.
            key = f"{_stage}_in_{active[-1]}" if active else _stage
            active.append(_stage)
            start = time.perf_counter()
            try:
                result = _fn(*args, **kwargs)
            finally:
                active.pop()
                elapsed = time.perf_counter() - start
                seconds[key] = seconds.get(key, 0.0) + elapsed
                calls[_stage] = calls.get(_stage, 0) + 1
            last[_stage] = result
            return result

        setattr(module, attr, timed)
        for caller in CALLERS:  # modules that imported the function by name
            mod = sys.modules.get(caller)
            if mod is not None and getattr(mod, attr, None) is original:
                setattr(mod, attr, timed)
    return originals


def _timeit(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def worker_plan(project: str, stack: str, baseline: str) -> dict[str, Any]:
    """One `fluxform plan --stack S --baseline FILE` through the library, cold, with extras."""
    from fluxform.planning import PlanOptions, plan_stack

    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}
    last: dict[str, Any] = {}
    originals = _instrument(seconds, calls, last)
    result = plan_stack(PlanOptions(project_dir=project, fmt="text", baseline=baseline), stack)
    total = time.perf_counter() - T0
    peak = _rss_mb()
    if result.error:
        raise SystemExit(f"plan failed: {result.error}")
    plan, graph, findings = last["diff"], last["capture"], last.get("policy", [])
    render, compute_plan = originals["render"], originals["diff"]
    md_s, md = _timeit(lambda: render(plan, "markdown"))
    json_s, _ = _timeit(lambda: render(plan, "json"))
    first_diff_s, first = _timeit(lambda: compute_plan(None, graph, findings))
    first_text_s, first_text = _timeit(lambda: render(first, "text"))
    first_md_s, first_md = _timeit(lambda: render(first, "markdown"))
    summary = plan.summary
    # Modules really loaded (pulumi packages leave lazy placeholders for subpackages they
    # never load; importing those by name would load them).
    modules = [name for name, module in list(sys.modules.items())
               if name != "__main__" and type(module) is types.ModuleType]
    return {
        "modules": modules,
        "resources": len(graph), "total_s": total, "peak_rss_mb": peak,
        "stages": {f"{k}_s": v for k, v in seconds.items()}, "calls": calls,
        "unaccounted_s": total - sum(v for k, v in seconds.items() if "_in_" not in k),
        "changes": {"create": summary.create, "update": summary.update,
                    "replace": summary.replace, "delete": summary.delete, "noop": summary.noop},
        "text_chars": len(result.output), "markdown_s": md_s, "markdown_chars": len(md),
        "json_s": json_s,
        "first_plan": {"diff_s": first_diff_s, "render_s": first_text_s,
                       "markdown_s": first_md_s, "text_chars": len(first_text),
                       "markdown_chars": len(first_md)},
    }


def worker_floor(count: int) -> dict[str, Any]:
    """`count` bare CustomResources under the SDK's plain MockMonitor: nothing of ours."""
    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime.sync_await import _sync_await

    imported = time.perf_counter() - T0

    class Bare(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
            return {}, None

    pulumi.runtime.set_mocks(Bare(), project="floor", stack="floor", preview=True)

    def program() -> None:
        for i in range(count):
            pulumi.CustomResource("kubernetes:core/v1:ConfigMap", f"r{i}",
                                  {"metadata": {"name": f"r{i}", "namespace": "ns"},
                                   "data": {"k": "v"}})

    _sync_await(pulumi.runtime.stack.run_pulumi_func(program))
    total = time.perf_counter() - T0
    return {"resources": count, "total_s": total, "import_s": imported,
            "register_s": total - imported, "peak_rss_mb": _rss_mb()}


def worker_render(project: str, stack: str, out: str) -> dict[str, Any]:
    """The render library path of `fluxform render --stack S --out DIR`, timed in-process."""
    from fluxform.project import load_stack
    from fluxform.render import render_tree, write_tree

    imported = time.perf_counter() - T0
    config = load_stack(project, stack)
    spec_s, spec = _timeit(config.load_spec)
    build_s, files = _timeit(lambda: render_tree(spec, config.spec_label))
    write_s, _ = _timeit(lambda: write_tree(files, out, spec_name=config.spec_label))
    return {"files": len(files), "bytes": sum(len(b) for b in files.values()),
            "import_s": imported, "spec_s": spec_s, "build_s": build_s, "write_s": write_s,
            "render_s": spec_s + build_s + write_s, "total_s": time.perf_counter() - T0}


def worker_plan_many(project: str, workers: str, *stacks: str) -> dict[str, Any]:
    """`plan_stacks` (what `plan --all` calls) with a given number of worker processes."""
    from fluxform.planning import PlanOptions, plan_stacks

    results = plan_stacks(PlanOptions(project_dir=project, fmt="text"), list(stacks),
                          workers=int(workers))
    errors = [r.error for r in results if r.error]
    if errors:
        raise SystemExit(f"plan failed: {errors[0]}")
    return {"stacks": len(results), "total_s": time.perf_counter() - T0}


def worker_imports(modules_file: str) -> dict[str, Any]:
    """Import, cold and in order, every module a plan process ended up with: the fixed cost a
    plan pays and the floor (which imports only `pulumi`) does not."""
    import importlib

    names = json.loads(Path(modules_file).read_text())
    failed = 0
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # modules that only import in their own context (a few)
            failed += 1
    return {"modules": len(names), "failed": failed, "import_s": time.perf_counter() - T0}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "plan": worker_plan, "floor": lambda n: worker_floor(int(n)), "render": worker_render,
    "plan-many": worker_plan_many, "imports": worker_imports}


# --------------------------------------------------------------------------- driver


def _sub(*args: str) -> dict[str, Any]:
    """Run a worker in a fresh interpreter; its wall time (interpreter start included) too."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__)), "--worker", *args],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    out = dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    out["process_wall_s"] = wall
    return out


def _timed(cmd: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
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


def _flux_local_bin(explicit: str | None) -> str | None:
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
    from fleet import make_project, shape_for

    stack = f"s{size}"
    head = make_project(work / f"head-{size}", {stack: size})
    base = make_project(work / f"base-{size}", {stack: size}, drift=True)
    git = make_project(work / f"git-{size}", {stack: size}, delivery="git")
    baseline = work / f"base-{size}.graph.json"
    subprocess.run([sys.executable, "-m", "fluxform.stackrun", "--project", str(base),
                    "--stack", stack, "--out", str(baseline)], check=True, cwd=ROOT)

    plans: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for _ in range(repeats):
        plans.append(_sub("plan", str(head), stack, str(baseline)))
        floors.append(_sub("floor", str(plans[0]["resources"])))
    modules = plans[0]["modules"]
    for run in plans:
        del run["modules"]
    plan, floor = _best(plans), _best(floors)
    modules_file = work / "modules.json"
    modules_file.write_text(json.dumps(modules))
    imports = min((_sub("imports", str(modules_file)) for _ in range(min(repeats, 2))),
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
        renders.append(_sub("render", str(git), stack, str(tree)))
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
    """`plan --all` (2 worker processes) against the same stacks planned one after another."""
    stacks = {f"m{i}": 1000 for i in range(4)}
    project = make_project_multi(work / "multi", stacks)
    cli = [*_fluxform_cli(), "plan", "--project", str(project)]
    seq_runs, all_runs, lib1, lib2 = [], [], [], []
    for _ in range(repeats):
        seq_runs.append(sum(_timed([*cli, "--stack", s]) for s in stacks))
        all_runs.append(_timed([*cli, "--all"]))
        lib1.append(_sub("plan-many", str(project), "1", *stacks)["total_s"])
        lib2.append(_sub("plan-many", str(project), "2", *stacks)["total_s"])
    return {"stacks": len(stacks), "resources_each": 1000, "cpus": os.cpu_count(),
            "sequential_cli_s": min(seq_runs), "all_cli_s": min(all_runs),
            "speedup": min(seq_runs) / min(all_runs),
            "library_one_worker_s": min(lib1), "library_two_workers_s": min(lib2),
            "library_speedup": min(lib1) / min(lib2),
            "runs": {"sequential_cli_s": seq_runs, "all_cli_s": all_runs,
                     "library_one_worker_s": lib1, "library_two_workers_s": lib2}}


def make_project_multi(dest: Path, stacks: dict[str, int]) -> Path:
    from fleet import make_project

    return make_project(dest, stacks)


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("fluxform", "pulumi", "pulumi-kubernetes", "pulumi-github", "pulumi-tls",
                 "pulumi-random", "protobuf", "grpcio", "PyYAML"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    try:
        kubectl = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                                 text=True, check=False).stdout
        out["kubectl"] = " / ".join(ln.split(":", 1)[1].strip() for ln in kubectl.splitlines()
                                    if ":" in ln)
    except OSError:
        pass
    return out


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sizes = results["sizes"]

    def near(n: int) -> dict[str, Any] | None:
        keys = [k for k in sizes if 0.5 * n <= int(k) <= 2 * n]
        return sizes[min(keys, key=lambda k: abs(int(k) - n))] if keys else None

    one, ten = near(1000), near(10000)
    value: dict[str, float | None] = {
        "plan_1000_vs_floor": one["ratio_plan_floor"] if one else None,
        "per_resource_10000_vs_1000": (ten["ms_per_resource"] / one["ms_per_resource"]
                                       if one and ten else None),
        "diff_render_share_10000": (max(ten["diff_render_share"],
                                        ten["diff_render_share_first_plan"]) if ten else None),
        "peak_rss_10000_mb": ten["plan"]["peak_rss_mb"] if ten else None,
        "plan_all_speedup": results["plan_all"]["speedup"] if "plan_all" in results else None,
    }
    out = {}
    for key, (label, op, limit) in TARGETS.items():
        v = value[key]
        ok = None if v is None else (v <= limit if op == "<=" else v < limit if op == "<"
                                     else v >= limit)
        out[key] = {"label": label, "value": v, "limit": f"{op} {limit}", "pass": ok}
    return out


def report(results: dict[str, Any]) -> str:
    lines = ["| size | resources | plan s | ms/res | config+spec | capture | baseline | policy "
             "| diff | render | peak MB | floor s | floor ms/res | plan/floor | same, imports aside "
             "| (diff+render)/total |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, row in results["sizes"].items():
        p, f, s = row["plan"], row["floor"], row["plan"]["stages"]
        pre = s.get("config_s", 0) + s.get("spec_s", 0)
        lines.append(
            f"| {size} | {p['resources']} | {p['total_s']:.2f} | {row['ms_per_resource']:.2f} | "
            f"{pre:.2f} | {s.get('capture_s', 0):.2f} | {s.get('baseline_s', 0):.3f} | "
            f"{s.get('policy_s', 0):.3f} | {s.get('diff_s', 0):.3f} | {s.get('render_s', 0):.3f} | "
            f"{p['peak_rss_mb']:.0f} | {f['total_s']:.2f} | {row['floor_ms_per_resource']:.2f} | "
            f"{row['ratio_plan_floor']:.2f} | {row['ratio_plan_floor_without_imports']:.2f} | "
            f"{row['diff_render_share']:.1%} |")
    lines.append("")
    for size, row in results["sizes"].items():
        p, fp = row["plan"], row["plan"]["first_plan"]
        lines.append(f"- {size}: plan {p['changes']}; markdown {p['markdown_s']:.3f}s, json "
                     f"{p['json_s']:.3f}s; first plan (all creates): diff {fp['diff_s']:.3f}s, "
                     f"text {fp['render_s']:.3f}s, markdown {fp['markdown_s']:.3f}s, share "
                     f"{row['diff_render_share_first_plan']:.1%}; spec loaded "
                     f"{p['calls'].get('spec', 0)}x ({p['stages'].get('spec_s', 0):.2f}s before "
                     f"capture, {p['stages'].get('spec_in_capture_s', 0):.2f}s in it)")
        lines.append(f"  imports: {row['plan_imports']['import_s']:.2f}s for the "
                     f"{row['plan_imports']['modules']} modules a plan loads, "
                     f"{row['floor']['import_s']:.2f}s for the floor's `import pulumi`")
        r = row["render_tree"]
        line = (f"  render (git delivery, {r['files']} files): {r['render_s']:.3f}s in-process")
        if "render_cli_s" in row:
            line += f", {row['render_cli_s']:.2f}s as `fluxform render`"
        if "kubectl_kustomize_s" in row:
            line += (f"; kubectl kustomize {row['kubectl_kustomize_s']:.3f}s "
                     f"(ratio {row['ratio_render_kustomize']:.2f}")
            if "ratio_render_cli_kustomize" in row:
                line += f", CLI to CLI {row['ratio_render_cli_kustomize']:.2f}"
            line += ")"
        if "flux_local" in row:
            fl = row["flux_local"]
            line += (f"; flux-local {fl['wall_s']:.2f}s" if fl["ran"] else
                     f"; flux-local did not run: {fl['reason']}")
        lines.append(line)
    if "cli_plan" in results:
        c = results["cli_plan"]
        lines.append(f"- `fluxform plan` CLI at {c['size']}: {c['cli_wall_s']:.2f}s wall "
                     f"(in-process {c['inprocess_total_s']:.2f}s)")
    if "plan_all" in results:
        a = results["plan_all"]
        lines.append(f"- plan --all, {a['stacks']} stacks of ~1,000: one after another "
                     f"{a['sequential_cli_s']:.1f}s, --all {a['all_cli_s']:.1f}s, speed-up "
                     f"{a['speedup']:.2f}x (library, 1 vs 2 workers: {a['library_one_worker_s']:.1f}s"
                     f" vs {a['library_two_workers_s']:.1f}s, {a['library_speedup']:.2f}x)")
    lines.append("")
    for t in results["targets"].values():
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[t["pass"]]
        shown = "-" if t["value"] is None else f"{t['value']:.3g}"
        lines.append(f"- {verdict}: {t['label']} = {shown} (target {t['limit']})")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--quick", action="store_true",
                        help="one run per figure; no CLI, plan --all or flux-local runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--flux-local", help="flux-local executable (default: on PATH)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        print(json.dumps(WORKERS[kind](*rest)))
        return 0

    sys.path.insert(0, str(HERE))
    repeats = 1 if args.quick else max(1, args.repeats)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(tempfile.mkdtemp(prefix="fluxform-bench-"))
    started = time.time()
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_start": os.getloadavg()},
        "versions": _versions(), "settings": {"sizes": sizes, "repeats": repeats,
                                              "quick": args.quick},
        "sizes": {}}
    try:
        for size in sizes:
            print(f"size {size}...", file=sys.stderr, flush=True)
            results["sizes"][str(size)] = measure_size(work, size, repeats, args.quick,
                                                       _flux_local_bin(args.flux_local))
        if not args.quick:
            near = min(sizes, key=lambda n: abs(n - 1000))
            print("CLI plan...", file=sys.stderr, flush=True)
            results["cli_plan"] = measure_cli(work, near, repeats,
                                              results["sizes"][str(near)]["plan"]["total_s"])
            print("plan --all...", file=sys.stderr, flush=True)
            results["plan_all"] = measure_plan_all(work, repeats)
    finally:
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["elapsed_s"] = time.time() - started
    results["targets"] = targets(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
