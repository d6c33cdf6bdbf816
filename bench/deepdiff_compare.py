"""deepdiff against fluxform's own walker for the field-level diff of changed resources.

    python bench/deepdiff_compare.py        (needs `pip install deepdiff`; not a dependency)

Two shapes at 10,000 resources: the pull-request plan of bench/RESULTS.md (111 changed
resources among 10,000: the field diff runs only on resources whose inputs differ) and a
stress shape where 9,000 resources change. Each engine diffs the inputs of exactly the changed
pairs; deepdiff runs with `ignore_order=True` on the order-free lists (what LIST_KEYS and
SET_LISTS give the walker) and without (cheaper, but then a reorder is a change). CPU time,
median of 5. Results: bench/RESULTS.md, "deepdiff".
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "plan"), str(ROOT)]

from test_performance import deployment  # noqa: E402

from fluxform.diff import diff_values  # noqa: E402


def median_cpu(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def pairs(changed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(dict(deployment(i, "r", "a").inputs), dict(deployment(i, "r", "b").inputs))
            for i in range(changed)]


def main() -> None:
    from deepdiff import DeepDiff

    for label, changed in (("PR plan (111 changed of 10,000)", 111),
                           ("stress (9,000 changed of 10,000)", 9000)):
        work = pairs(changed)
        walker = median_cpu(lambda w=work: [diff_values(b, a) for b, a in w])
        plain = median_cpu(lambda w=work: [DeepDiff(b, a) for b, a in w], runs=3)
        ordered = median_cpu(lambda w=work: [DeepDiff(b, a, ignore_order=True) for b, a in w],
                             runs=3)
        print(f"{label}: walker {walker:.4f}s | deepdiff {plain:.4f}s ({plain / walker:.0f}x) | "
              f"deepdiff ignore_order {ordered:.4f}s ({ordered / walker:.0f}x)")


if __name__ == "__main__":
    main()
