"""fluxform benchmarks: plan time, its split, peak memory, and ratios to a floor, in one run.

    python bench/run.py [--sizes 100,1000,10000] [--quick] [--out bench/results/latest.json]

Every measurement of a size runs in a fresh subprocess (clean interpreter, honest peak RSS).
The floor registers the same number of bare `pulumi.CustomResource`s under the SDK's plain
MockMonitor: the cost of the mock engine alone, with no work of ours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet import make_project

HERE = Path(__file__).resolve().parent


def _worker_plan(project: str, stack: str) -> dict[str, Any]:
    from fluxform.diff import compute_plan
    from fluxform.policy import check_stack
    from fluxform.project import load_stack
    from fluxform.report import render
    from fluxform.spec import load_spec
    from fluxform.stackrun import capture_config

    t0 = time.perf_counter()
    config = load_stack(project, stack)
    spec = load_spec(config.spec_path)
    graph = capture_config(config)
    t1 = time.perf_counter()
    findings = check_stack(spec, graph)
    t2 = time.perf_counter()
    # What one `fluxform plan` does: one diff (here the widest: every resource against itself,
    # field by field) and one render (the default text format, of the widest output: all creates).
    compute_plan(graph, graph, findings)
    t3 = time.perf_counter()
    creates = compute_plan(None, graph, findings)
    t4 = time.perf_counter()
    text = render(creates, "text")
    t5 = time.perf_counter()
    md = render(creates, "markdown")
    t6 = time.perf_counter()
    total = (t3 - t0) + (t5 - t4)
    return {"resources": len(graph), "capture_s": t1 - t0, "policy_s": t2 - t1,
            "diff_s": t3 - t2, "render_s": t5 - t4, "total_s": total,
            "markdown_s": t6 - t5, "markdown_chars": len(md), "text_chars": len(text),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _worker_floor(count: int) -> dict[str, Any]:
    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime.sync_await import _sync_await

    class Bare(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
            return {}, None

    t0 = time.perf_counter()
    pulumi.runtime.set_mocks(Bare(), project="floor", stack="floor", preview=True)

    def program() -> None:
        for i in range(count):
            pulumi.CustomResource("kubernetes:core/v1:ConfigMap", f"r{i}",
                                  {"metadata": {"name": f"r{i}", "namespace": "ns"}, "data": {"k": "v"}})

    _sync_await(pulumi.runtime.stack.run_pulumi_func(program))
    return {"resources": count, "total_s": time.perf_counter() - t0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _sub(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True,
                          text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _timed(cmd: list[str], cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - t0


def measure(sizes: list[int], quick: bool) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="fluxform-bench-"))
    results: dict[str, Any] = {"sizes": {}, "machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}}
    try:
        for size in sizes:
            project = make_project(work / f"p{size}", {f"s{size}": size})
            plan = min((_sub("plan", str(project), f"s{size}") for _ in range(1 if quick else 2)),
                       key=lambda r: r["total_s"])
            floor = min((_sub("floor", str(plan["resources"])) for _ in range(1 if quick else 2)),
                        key=lambda r: r["total_s"])
            row = {"plan": plan, "floor": floor,
                   "ratio_plan_floor": plan["total_s"] / floor["total_s"],
                   "ms_per_resource": 1000 * plan["total_s"] / plan["resources"],
                   "diff_render_share": (plan["diff_s"] + plan["render_s"]) / plan["total_s"]}
            if shutil.which("kubectl"):
                import dataclasses

                from fluxform.render import render_tree
                from fluxform.render.write import write_tree
                from fluxform.spec import load_spec
                spec = load_spec(project / "stacks" / f"s{size}.yaml")
                spec = dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery="git"))
                t0 = time.perf_counter()
                files = render_tree(spec, "stacks/x.yaml")
                write_tree(files, project / "fleet")
                render_s = time.perf_counter() - t0
                kust_s = _timed(["kubectl", "kustomize", str(project / "fleet" / "clusters" / f"s{size}")])
                row["render_git_tree_s"] = render_s
                row["kubectl_kustomize_s"] = kust_s
                row["ratio_render_kustomize"] = render_s / kust_s
            results["sizes"][str(size)] = row
        if not quick:
            stacks = {f"m{i}": 1000 for i in range(4)}
            project = make_project(work / "multi", stacks)
            cli = [sys.executable, "-m", "fluxform.cli", "plan", "--project", str(project)]
            seq = sum(_timed([*cli, "--stack", s, "--format", "json"]) for s in stacks)
            par = _timed([*cli, "--all", "--format", "json"])
            one = _timed([*cli, "--stack", "m0"])
            results["plan_all"] = {"stacks": len(stacks), "sequential_s": seq, "parallel_s": par,
                                   "speedup": seq / par, "cli_1000_s": one}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def report(results: dict[str, Any]) -> str:
    lines = ["| size | resources | plan s | ms/res | capture | policy | diff | render | peak MB "
             "| floor s | plan/floor | (diff+render)/total |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, row in results["sizes"].items():
        p, f = row["plan"], row["floor"]
        lines.append(f"| {size} | {p['resources']} | {p['total_s']:.2f} | {row['ms_per_resource']:.2f} | "
                     f"{p['capture_s']:.2f} | {p['policy_s']:.3f} | {p['diff_s']:.3f} | "
                     f"{p['render_s']:.3f} | "
                     f"{p['peak_rss_mb']:.0f} | {f['total_s']:.2f} | {row['ratio_plan_floor']:.2f} | "
                     f"{row['diff_render_share']:.1%} |")
    for size, row in results["sizes"].items():
        if "kubectl_kustomize_s" in row:
            lines.append(f"- {size}: render git tree {row['render_git_tree_s']:.3f}s vs "
                         f"kubectl kustomize {row['kubectl_kustomize_s']:.3f}s "
                         f"(ratio {row['ratio_render_kustomize']:.2f})")
    if "plan_all" in results:
        a = results["plan_all"]
        lines.append(f"- plan --all, {a['stacks']} stacks of ~1000: sequential {a['sequential_s']:.1f}s, "
                     f"parallel {a['parallel_s']:.1f}s, speed-up {a['speedup']:.2f}x; "
                     f"one CLI plan of ~1000: {a['cli_1000_s']:.1f}s")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--quick", action="store_true", help="one repetition, no --all run")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        out = _worker_plan(*rest) if kind == "plan" else _worker_floor(int(rest[0]))
        print(json.dumps(out))
        return 0
    results = measure([int(s) for s in args.sizes.split(",")], args.quick)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
