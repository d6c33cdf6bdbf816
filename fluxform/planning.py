"""`fluxform plan` as a library call: capture, baseline, policy, diff, render."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fluxform import baseline as baselines
from fluxform.diff import compute_plan
from fluxform.errors import FluxformError
from fluxform.graph import Graph
from fluxform.plan import Plan
from fluxform.policy import check_stack
from fluxform.project import load_stack
from fluxform.report import render
from fluxform.stackrun import capture_config


@dataclass(frozen=True)
class PlanOptions:
    project_dir: str
    fmt: str = "text"
    color: bool = False
    baseline: str | None = None
    state: str | None = None
    base_ref: str | None = None
    save: str | None = None
    policy_gate: bool = True


@dataclass(frozen=True)
class PlanResult:
    stack: str
    output: str
    has_changes: bool
    policy_errors: int
    error: str | None = None

    def exit_code(self, detailed: bool, gate: bool) -> int:
        if self.error or (gate and self.policy_errors):
            return 1
        return 2 if detailed and self.has_changes else 0


def write_atomic(path: str | Path, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _baseline(opts: PlanOptions, stack: str) -> tuple[Graph | None, str]:
    if opts.baseline:
        return baselines.load_saved(opts.baseline), f"saved graph {opts.baseline}"
    if opts.state:
        return baselines.load_state(opts.state), f"pulumi state {opts.state}"
    if opts.base_ref:
        return baselines.capture_at_ref(Path(opts.project_dir), stack, opts.base_ref)
    return None, "none (everything is a create)"


def make_plan(opts: PlanOptions, stack: str) -> Plan:
    config = load_stack(opts.project_dir, stack)
    spec = config.load_spec()
    graph = capture_config(config)
    if opts.save:
        write_atomic(opts.save, graph.to_json())
    before, label = _baseline(opts, stack)
    findings = check_stack(spec, graph)
    return compute_plan(before, graph, findings, baseline=label)


def plan_stack(opts: PlanOptions, stack: str) -> PlanResult:
    """Plan one stack; errors come back as a one-line message, never a traceback."""
    try:
        plan = make_plan(opts, stack)
    except FluxformError as exc:
        return PlanResult(stack, "", False, 0, exc.one_line())
    output = render(plan, opts.fmt, color=opts.color)
    return PlanResult(stack, output, plan.summary.has_changes, len(plan.errors))


def plan_stacks(opts: PlanOptions, stacks: list[str], workers: int | None = None) -> list[PlanResult]:
    """Plan several stacks in parallel processes; results in the order of `stacks`."""
    workers = min(len(stacks), workers or os.cpu_count() or 1)
    if workers <= 1:
        return [plan_stack(opts, s) for s in stacks]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(plan_stack, [opts] * len(stacks), stacks))
