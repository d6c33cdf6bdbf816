"""The CrossGuard runner calls the same rules, in-process, on captured resources."""

from __future__ import annotations

from typing import Any

from conftest import ROOT
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)

from fluxform.graph import Graph
from fluxform.policy import check_stack, evaluate, objects_from_graph
from fluxform.policy.crossguard import context_from_config, policies, validator
from fluxform.policy.rules import RULES
from fluxform.spec import load_spec
from fluxform.stackrun import capture_stack


def as_policy_resources(graph: Graph) -> list[PolicyResource]:
    opts = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None,
                                 aliases=[], additional_secret_outputs=[], custom_timeouts=None)
    return [PolicyResource(r.type, dict(r.inputs), r.urn, r.name, opts, None, None, [], {})
            for r in graph]


def run_pack(graph: Graph, config: dict[str, Any]) -> list[tuple[str, str | None]]:
    args = StackValidationArgs(as_policy_resources(graph), config)
    reported: list[tuple[str, str | None]] = []
    for rule in RULES:
        validator(rule)(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_pack_has_one_policy_per_rule_with_enforcement() -> None:
    pack = policies()
    assert len(pack) == len(RULES)
    levels = {p.name: p.enforcement_level for p in pack}
    assert levels["fluxform-ff001"] == EnforcementLevel.MANDATORY
    assert levels["fluxform-ff008"] == EnforcementLevel.ADVISORY


def test_pack_is_clean_on_the_example_stack() -> None:
    graph = capture_stack(ROOT, "prod")
    assert run_pack(graph, {"production": True}) == []


def test_pack_and_offline_runner_report_the_same_violations() -> None:
    graph = capture_stack(ROOT, "dev")
    spec = load_spec(ROOT / "stacks" / "dev.yaml")
    # Break the graph: a tenant Kustomization loses its service account, a token shrinks.
    broken = {}
    for urn, res in graph.resources.items():
        inputs = dict(res.inputs)
        if res.name == "tenant-team-a-kustomization-team-a":
            inputs["spec"] = {k: v for k, v in inputs["spec"].items() if k != "serviceAccountName"}
        if res.type == "random:index/randomBytes:RandomBytes":
            inputs["length"] = 8
        broken[urn] = type(res)(**{**res.__dict__, "inputs": inputs})
    graph = Graph(graph.project, graph.stack, broken)
    offline = {(f.rule_id, f.subject) for f in check_stack(spec, graph) if f.severity == "error"}
    online = run_pack(graph, {"production": False, "writableRepositories": ["fleet"]})
    assert {subject for _, subject in online} == {subject for _, subject in offline}
    assert {rule for rule, _ in offline} == {"FF001", "FF012"}
    assert any("serviceAccountName" in message for message, _ in online)


def test_config_maps_to_context() -> None:
    ctx = context_from_config({"production": True, "writableRepositories": ["fleet"],
                               "imageAutomation": [{"repository": "fleet", "branch": "main"}]})
    assert ctx.production and ctx.writable_repositories == frozenset({"fleet"})
    assert [f.rule_id for f in evaluate([], ctx)] == ["FF014"]
    assert objects_from_graph(Graph("p", "s", {})) == []
