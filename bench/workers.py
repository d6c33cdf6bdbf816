"""Benchmark workers: each runs in a fresh interpreter and prints one JSON line.

    python bench/workers.py KIND ARG...   (run by bench/measure.py, not by hand)

KIND is `plan`, `floor`, `render`, `plan-many` or `imports`. The clock (T0) starts before
anything heavy is imported, so every total includes the imports the work needs.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # a worker's clock starts before it imports anything heavy

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


if __name__ == "__main__":
    print(json.dumps(WORKERS[sys.argv[1]](*sys.argv[2:])))
