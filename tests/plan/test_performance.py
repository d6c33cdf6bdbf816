"""A guard against accidental quadratic behaviour in the diff and the report renderers.

Measured as work, not time (function calls, which machine load does not change): twice the
resources may cost at most a little over twice the calls, where an O(n^2) slip costs four
times as many. The bench (bench/run.py) reports the times.
"""

from __future__ import annotations

import pytest
from conftest import calls
from synthetic import DEPLOY, graph, res

from fluxform.diff import compute_plan
from fluxform.graph import Graph, Resource
from fluxform.report import FORMATS, render


def deployment(i: int, prefix: str, image: str) -> Resource:
    env = [{"name": "A", "value": "1"}, {"name": "IMAGE", "value": image}]
    return res(DEPLOY, f"{prefix}-{i:05d}", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"{prefix}-{i}", "namespace": "apps", "labels": {"app": f"a{i}"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": image, "env": env, "ports": [{"name": "http", "containerPort": 8080}]},
            {"name": "side", "image": "proxy:1"}]}}}})


def plans(n: int) -> tuple[Graph, Graph]:
    """Before and after graphs of n resources: 90% updated, 10% deleted."""
    updated, deleted = n * 9 // 10, n // 10
    before = graph([deployment(i, "upd", "a") for i in range(updated)]
                   + [deployment(i, "del", "x") for i in range(deleted)])
    return before, graph([deployment(i, "upd", "b") for i in range(updated)])


def test_ten_thousand_resources_diff_and_render() -> None:
    before, after = plans(10_000)
    plan = compute_plan(before, after)
    assert (plan.summary.update, plan.summary.delete) == (9000, 1000)
    assert len(render(plan, "markdown")) <= 65536


@pytest.mark.parametrize("fmt", ["diff", *FORMATS])
def test_diff_and_render_work_grows_linearly(fmt: str) -> None:
    def work(n: int) -> int:
        before, after = plans(n)
        if fmt == "diff":
            return calls(lambda: compute_plan(before, after))
        plan = compute_plan(before, after)
        return calls(lambda: render(plan, fmt))

    small, large = work(1_000), work(2_000)
    assert large < 2.5 * small, (fmt, small, large)
