"""A loose guard against accidental quadratic behaviour: 10,000 resources, every format.

The bound is ten times what this 2-core machine measures (about 0.5 s for diff + markdown),
so load from other jobs does not make it flaky; it still catches an O(n^2) slip.
"""

from __future__ import annotations

import time

from synthetic import DEPLOY, graph, res

from fluxform.diff import compute_plan
from fluxform.graph import Resource
from fluxform.report import FORMATS, render


def deployment(i: int, prefix: str, image: str) -> Resource:
    env = [{"name": "A", "value": "1"}, {"name": "IMAGE", "value": image}]
    return res(DEPLOY, f"{prefix}-{i:05d}", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"{prefix}-{i}", "namespace": "apps", "labels": {"app": f"a{i}"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": image, "env": env, "ports": [{"name": "http", "containerPort": 8080}]},
            {"name": "side", "image": "proxy:1"}]}}}})


def test_ten_thousand_resources_diff_and_render_quickly() -> None:
    before = graph([deployment(i, "upd", "a") for i in range(9000)] + [deployment(i, "del", "x") for i in range(1000)])
    after = graph([deployment(i, "upd", "b") for i in range(9000)])
    start = time.perf_counter()
    plan = compute_plan(before, after)
    markdown = render(plan, "markdown")
    elapsed = time.perf_counter() - start
    assert (plan.summary.update, plan.summary.delete) == (9000, 1000) and len(markdown) <= 65536
    assert elapsed < 5.0, f"diff + markdown took {elapsed:.2f}s"
    for fmt in FORMATS:
        start = time.perf_counter()
        render(plan, fmt)
        assert time.perf_counter() - start < 5.0, fmt
