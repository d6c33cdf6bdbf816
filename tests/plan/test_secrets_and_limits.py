"""Canary secrets through every path never reach any output; the PR comment stays in bounds."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime import mocks as pulumi_mocks

from fluxform.capture import PlanMocks
from fluxform.diff import compute_plan
from fluxform.graph import Graph, Resource
from fluxform.plan import Op
from fluxform.project import load_stack
from fluxform.report import render
from fluxform.report.markdown import GITHUB_LIMIT
from fluxform.stackrun import capture_config

CANARY = {"config": "CANARY-config-51ab", "tls": "CANARY-tls-77c2", "random": "CANARY-random-90ef"}


class CanaryMocks(PlanMocks):
    """A real engine would return key material and tokens: here, canaries."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        id_, state = super().new_resource(args)
        if args.typ == "tls:index/privateKey:PrivateKey":
            state.update(privateKeyOpenssh=CANARY["tls"], privateKeyPem=CANARY["tls"],
                         publicKeyOpenssh="ssh-ed25519 AAAA-public")
        if args.typ == "random:index/randomBytes:RandomBytes":
            state.update(hex=CANARY["random"], base64=CANARY["random"])
        return id_, state


def canary_graph(stack: str) -> Graph:
    config = load_stack(ROOT, stack)
    # As if the secure value had been decrypted: the canary goes in as the config value.
    config = dataclasses.replace(config, config={**config.config,
                                                 "fluxform:slackWebhookUrl": CANARY["config"]})
    return capture_config(config, mocks=CanaryMocks())


def test_no_canary_in_any_output() -> None:
    for stack in ("dev", "prod"):
        graph = canary_graph(stack)
        baseline = Graph(graph.project, graph.stack, {})
        outputs = [graph.to_json()]
        for before in (None, baseline, graph):
            plan = compute_plan(before, graph)
            outputs += [render(plan, fmt) for fmt in ("text", "markdown", "json")]
        secret_holders = [r for r in graph if r.type == "kubernetes:core/v1:Secret"]
        assert len(secret_holders) >= 4
        for text in outputs:
            for where, canary in CANARY.items():
                assert canary not in text, f"{where} canary leaked in {stack}"
            assert "CANARY" not in text


def synthetic(n: int, prefix: str, value: str) -> dict[str, Resource]:
    out = {}
    for i in range(n):
        urn = f"urn:pulumi:prod::fluxform::kubernetes:core/v1:ConfigMap::{prefix}-{i:05d}"
        out[urn] = Resource(urn=urn, type="kubernetes:core/v1:ConfigMap", name=f"{prefix}-{i:05d}",
                            inputs={"metadata": {"name": f"{prefix}-{i}", "namespace": "apps"},
                                    "data": {"key": value, "other": f"{value}-{i}"}})
    return out


def test_ten_thousand_changes_fit_and_list_every_deletion() -> None:
    before = Graph("fluxform", "prod", {**synthetic(9000, "upd", "a"), **synthetic(1000, "del", "x")})
    after = Graph("fluxform", "prod", synthetic(9000, "upd", "b"))
    plan = compute_plan(before, after)
    assert plan.summary.update == 9000 and plan.summary.delete == 1000
    md = render(plan, "markdown")
    assert len(md) <= GITHUB_LIMIT
    for i in range(1000):
        assert re.search(rf"[ ,]del-{i:05d}[,\n]", md), i
    match = re.search(r"Details of ([\d,]+) resources elided", md)
    assert match and int(match.group(1).replace(",", "")) > 0
    assert md.startswith("<!-- fluxform-plan:fluxform/prod -->")
    assert "Plan: 0 to add, 9000 to change, 1000 to destroy." in md


def test_ten_thousand_deletions_state_what_was_cut() -> None:
    before = Graph("fluxform", "prod", synthetic(10000, "del", "x"))
    plan = compute_plan(before, Graph("fluxform", "prod", {}))
    md = render(plan, "markdown")
    assert len(md) <= GITHUB_LIMIT
    # Even the compact list of 10,000 names does not fit: what is cut is counted exactly.
    assert "compact list" in md
    match = re.search(r"\(10000\): (.*) \.\.\.and (\d+) more \(see the JSON plan artifact\)", md)
    assert match
    shown = len(re.findall(r"del-\d{5}", match.group(1)))
    assert shown > 1000 and shown + int(match.group(2)) == 10000


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1000, max_value=GITHUB_LIMIT), st.integers(0, 300), st.integers(0, 300))
def test_markdown_never_exceeds_the_budget(limit: int, updates: int, deletes: int) -> None:
    before = Graph("p", "s", {**synthetic(updates, "u", "a"), **synthetic(deletes, "d", "x")})
    after = Graph("p", "s", synthetic(updates, "u", "b"))
    md = render(compute_plan(before, after), "markdown", max_chars=limit)
    assert len(md) <= limit


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(6))), st.permutations(list(range(3))))
def test_reordering_keyed_lists_is_never_a_change(order: list[int], rules: list[int]) -> None:
    deps = [{"name": f"layer-{i}", "namespace": "flux-system"} for i in range(6)]
    rule_list = [{"apiGroups": [""], "resources": [f"r{i}"], "verbs": ["get"]} for i in range(3)]

    def graph(d: list[Any], r: list[Any]) -> Graph:
        urn = "urn:pulumi:s::p::kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization::k"
        res = Resource(urn=urn, type=urn.split("::")[2], name="k",
                       inputs={"spec": {"dependsOn": d, "rules": r}})
        return Graph("p", "s", {urn: res})

    plan = compute_plan(graph(deps, rule_list),
                        graph([deps[i] for i in order], [rule_list[i] for i in rules]))
    assert [c.op for c in plan.changes] == [Op.NOOP]
