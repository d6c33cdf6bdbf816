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


KUST_T = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"
CM_T = "kubernetes:core/v1:ConfigMap"


def synthetic(n: int, prefix: str, value: str, type_: str = CM_T) -> dict[str, Resource]:
    out = {}
    for i in range(n):
        urn = f"urn:pulumi:prod::fluxform::{type_}::{prefix}-{i:05d}"
        out[urn] = Resource(urn=urn, type=type_, name=f"{prefix}-{i:05d}",
                            inputs={"metadata": {"name": f"{prefix}-{i}", "namespace": "apps"},
                                    "spec": {"interval": value, "path": f"./{prefix}/{i}"}})
    return out


def test_ten_thousand_changes_fit_and_list_every_deletion() -> None:
    before = Graph("fluxform", "prod", {**synthetic(9000, "upd", "5m", KUST_T), **synthetic(1000, "del", "x")})
    after = Graph("fluxform", "prod", synthetic(9000, "upd", "1m", KUST_T))
    plan = compute_plan(before, after)
    assert (plan.summary.update, plan.summary.delete) == (9000, 1000)
    md = render(plan, "markdown")
    assert len(md) <= GITHUB_LIMIT
    assert md.startswith("<!-- fluxform-plan:fluxform/prod -->\n")
    assert "**Plan: 0 to add, 9000 to change, 1000 to destroy.**" in md
    assert "| 0 | 9000 | 0 | 1000 | 0 | 0 | 0 | 0 |" in md
    deletions = next(line for line in md.splitlines() if line.startswith("> - **delete**"))
    assert "(1,000): " in deletions and "more deletions" not in deletions
    assert re.findall(r"del-\d{5}", deletions) == [f"del-{i:05d}" for i in range(1000)]
    detailed = md.count("<details>")
    listed = len(re.findall(r"^- <code>~ ", md, re.M))
    match = re.search(r"_Details of ([\d,]+) resources elided to fit GitHub's 65,536-character comment "
                      r"limit \(([\d,]+) listed by name above, ([\d,]+) not listed\); the JSON plan "
                      r"artifact has every change\._", md)
    assert match, md[-400:]
    elided, shown, unlisted = (int(g.replace(",", "")) for g in match.groups())
    assert detailed > 0 and detailed + elided == 9000 and shown == listed and shown + unlisted == elided


def test_ten_thousand_deletions_state_exactly_what_was_cut() -> None:
    plan = compute_plan(Graph("fluxform", "prod", synthetic(10000, "del", "x")), Graph("fluxform", "prod", {}))
    md = render(plan, "markdown")
    assert len(md) <= GITHUB_LIMIT
    assert "_One line per kind, names only: the full list does not fit in one comment._" in md
    match = re.search(r"> - \*\*delete\*\* <code>kubernetes:core/v1:ConfigMap</code> \(10,000\): (.*), "
                      r"…and ([\d,]+) more deletions \(see the JSON plan artifact\)$", md, re.M)
    assert match
    shown = re.findall(r"del-\d{5}", match.group(1))
    assert len(set(shown)) == len(shown) > 1000
    assert len(shown) + int(match.group(2).replace(",", "")) == 10000


def test_few_deletions_are_listed_one_per_line() -> None:
    plan = compute_plan(Graph("p", "s", synthetic(20, "del", "x")), Graph("p", "s", {}))
    md = render(plan, "markdown")
    assert md.count("> - **delete** <code>kubernetes:core/v1:ConfigMap del-") == 20
    assert "One line per kind" not in md


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1024, max_value=GITHUB_LIMIT), st.integers(0, 300), st.integers(0, 300),
       st.integers(0, 40))
def test_markdown_never_exceeds_the_budget(limit: int, updates: int, deletes: int, replaces: int) -> None:
    before = Graph("p", "s", {**synthetic(updates, "u", "5m", KUST_T), **synthetic(deletes, "d", "x"),
                              **synthetic(replaces, "r", "x", "kubernetes:core/v1:Namespace")})
    renamed = {u: Resource(urn=r.urn, type=r.type, name=r.name, inputs={**r.inputs, "metadata": {"name": "x"}})
               for u, r in synthetic(replaces, "r", "x", "kubernetes:core/v1:Namespace").items()}
    after = Graph("p", "s", {**synthetic(updates, "u", "1m", KUST_T), **renamed})
    plan = compute_plan(before, after)
    md = render(plan, "markdown", max_chars=limit)
    assert len(md) <= limit
    assert md.startswith("<!-- fluxform-plan:p/s -->\n") and plan.summary.terraform_line() in md
