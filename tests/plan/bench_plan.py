"""Diff and render timings for 10,000 synthetic resources (not a test; run it directly).

    python tests/plan/bench_plan.py

Reports the median CPU time (process time, so other jobs on the machine distort it less)
of compute_plan and of each renderer, for four shapes of plan.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from synthetic import graph  # noqa: E402
from test_performance import deployment  # noqa: E402

from fluxform.diff import compute_plan  # noqa: E402
from fluxform.report import FORMATS, render  # noqa: E402


def median_cpu(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def main() -> None:
    updated = [deployment(i, "upd", "a") for i in range(9000)]
    deleted = [deployment(i, "del", "x") for i in range(1000)]
    everything = graph(updated + deleted)
    shapes = {
        "9,000 updates + 1,000 deletes": (everything, graph(deployment(i, "upd", "b") for i in range(9000))),
        "10,000 unchanged": (everything, everything),
        "10,000 creates": (None, everything),
        "10,000 deletes": (everything, graph([])),
    }
    for label, (before, after) in shapes.items():
        diff_s, plan = median_cpu(partial(compute_plan, before, after))
        row = [f"{label}: diff {diff_s:.3f}s"]
        for fmt in sorted(FORMATS):
            render_s, out = median_cpu(partial(render, plan, fmt))
            row.append(f"{fmt} {render_s:.3f}s ({len(out) / 1e6:.1f} MB)")
        print(" | ".join(row))


if __name__ == "__main__":
    main()
