"""The CrossGuard runner calls the same rules, in-process, on captured and hand-built resources."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT
from policy_builders import git, helm_repo, kust, release, token
from pulumi.runtime.rpc import UNKNOWN as ENGINE_UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    Secret,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from fluxform.graph import Graph, Resource
from fluxform.policy import RULES, evaluate, objects_from_graph
from fluxform.policy.crossguard import (
    context_from_config,
    objects_from_policy_resources,
    policies,
    policy_name,
    validator,
)
from fluxform.policy.model import PolicyObject
from fluxform.stackrun import capture_stack

OPTS = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None,
                             aliases=[], additional_secret_outputs=[],
                             custom_timeouts=PolicyCustomTimeouts(0, 0, 0))
Reported = list[tuple[str, str, str | None]]


def policy_resource(type_: str, urn: str, name: str, props: dict[str, Any],
                    parent: PolicyResource | None = None) -> PolicyResource:
    return PolicyResource(type_, props, urn, name, OPTS, None, parent, [], {})


def from_graph(graph: Graph) -> list[PolicyResource]:
    return [policy_resource(r.type, r.urn, r.name, dict(r.inputs)) for r in graph]


def from_objects(objs: list[PolicyObject]) -> list[PolicyResource]:
    return [policy_resource(o.type, o.subject, o.name, dict(o.props)) for o in objs]


def run_pack(resources: list[PolicyResource], config: dict[str, Any] | None = None,
             per_policy: dict[str, dict[str, Any]] | None = None) -> Reported:
    """Every policy's validate function, as the pack runs them, collecting violations.

    `config` goes to every policy; `per_policy` (a --policy-pack-config file's shape) gives
    each policy its own, as the engine does.
    """
    reported: Reported = []
    for policy in policies():
        assert isinstance(policy, StackValidationPolicy)
        own = (per_policy or {}).get(policy.name, config or {})
        args = StackValidationArgs(resources, {k: v for k, v in own.items() if k != "enforcementLevel"})

        def report(message: str, urn: str | None = None, _name: str = policy.name) -> None:
            reported.append((_name, message, urn))

        policy.validate(args, report)
    return reported


def test_one_policy_per_rule_with_enforcement_by_severity() -> None:
    pack = policies()
    assert [p.name for p in pack] == [policy_name(r) for r in RULES]
    for policy, rule in zip(pack, RULES, strict=True):
        expected = EnforcementLevel.MANDATORY if rule.severity == "error" else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == expected, rule.id
        assert rule.id in policy.description and rule.description in policy.description
        assert policy.remediation_steps == rule.hint
        assert policy.severity == (Severity.HIGH if rule.prod_severity == "error" else Severity.MEDIUM)


def test_pack_reports_what_the_offline_runner_finds() -> None:
    objs = [kust(serviceAccountName=None), release("*"), token(8), kust(name="ok")]
    online = run_pack(from_objects(objs), {"production": False})
    offline = evaluate(objs, context_from_config({"production": False}))
    assert sorted((name, urn) for name, _, urn in online) == \
        sorted((policy_name_of(f.rule_id), f.subject) for f in offline)
    assert all(message.startswith(("FF001", "FF005", "FF012")) and "fix:" in message
               for _, message, _ in online)


def policy_name_of(rule_id: str) -> str:
    return f"fluxform-{rule_id.lower()}"


def test_stack_level_violation_has_no_urn() -> None:
    config = {"production": True,
              "imageAutomation": [{"repository": "fleet", "branch": "main"}]}
    reported = run_pack([], config)
    assert reported == [(policy_name_of("FF014"), reported[0][1], None)]
    assert "fleet" in reported[0][1]


def test_config_maps_to_context() -> None:
    ctx = context_from_config({"production": True, "writableRepositories": ["fleet"],
                               "imageAutomation": [{"repository": "fleet", "branch": "main",
                                                    "pushBranch": "image-updates"}]})
    assert ctx.production and ctx.writable_repositories == frozenset({"fleet"})
    assert ctx.image_automation[0].push_branch == "image-updates"
    assert context_from_config(None).production is False


def test_providers_and_components_are_not_policy_objects() -> None:
    graph = Graph("p", "s", {
        "urn:a": Resource("urn:a", "pulumi:providers:kubernetes", "k8s"),
        "urn:b": Resource("urn:b", "fluxform:index:Tenant", "t", custom=False),
        "urn:c": Resource("urn:c", "random:index/randomBytes:RandomBytes", "tok", inputs={"length": 4}),
    })
    assert [o.subject for o in objects_from_graph(graph)] == ["urn:c"]
    assert [urn for _, _, urn in run_pack(from_graph(graph), {})] == ["urn:c"]


def _capture(stack: str) -> Graph:
    return capture_stack(ROOT, stack)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pack_reports_nothing_on_the_example_stacks(stack: str) -> None:
    """dev with the pack's defaults (plus the repository its image automation writes), prod
    with config.prod.json, as the docs run them."""
    resources = from_graph(_capture(stack))
    if stack == "prod":
        reported = run_pack(resources, per_policy=prod_config())
    else:
        reported = run_pack(resources, {"writableRepositories": ["fleet"],
                                        "imageAutomation": [{"repository": "fleet", "branch": "main",
                                                             "pushBranch": "image-updates"}]})
    assert reported == []


def prod_config() -> dict[str, dict[str, Any]]:
    import json

    config: dict[str, dict[str, Any]] = json.loads((ROOT / "policy-pack" / "config.prod.json").read_text())
    return config


def test_prod_config_makes_the_pack_production() -> None:
    """With config.prod.json, production-only rules fire and FF006 is mandatory."""
    resources = from_objects([release("1.2"), git(), helm_repo()])
    names = {name for name, _, _ in run_pack(resources, per_policy=prod_config())}
    assert names == {policy_name_of("FF006"), policy_name_of("FF017"), policy_name_of("FF018")}
    assert prod_config()[policy_name_of("FF006")]["enforcementLevel"] == "mandatory"
    assert {name for name, _, _ in run_pack(resources)} == {policy_name_of("FF006")}


def test_pack_and_offline_runner_agree_on_a_broken_capture() -> None:
    graph = _capture("dev")
    broken = {}
    for urn, res in graph.resources.items():
        inputs = dict(res.inputs)
        meta = inputs.get("metadata") or {}
        if res.type.endswith(":Kustomization") and meta.get("namespace") not in (None, "flux-system"):
            inputs["spec"] = {k: v for k, v in inputs["spec"].items() if k != "serviceAccountName"}
        if res.type == "random:index/randomBytes:RandomBytes":
            inputs["length"] = 8
        broken[urn] = Resource(**{**res.__dict__, "inputs": inputs})
    graph = Graph(graph.project, graph.stack, broken)
    config = {"production": False, "writableRepositories": ["fleet"]}
    offline = {(f.rule_id, f.subject) for f in evaluate(objects_from_graph(graph),
                                                        context_from_config(config))
               if f.severity == "error"}
    online = {(name, urn) for name, _, urn in run_pack(from_graph(graph), config)
              if name in {policy_name(r) for r in RULES if r.severity == "error"}}
    assert {rule for rule, _ in offline} == {"FF001", "FF012"}
    assert online == {(policy_name_of(rule), subject) for rule, subject in offline}
    assert validator(RULES[0]) is not validator(RULES[0])  # a fresh closure per policy


def test_pack_entry_point_builds_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    import pulumi_policy

    built: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack",
                        lambda name, policies, **kw: built.update(name=name, policies=policies))
    runpy.run_path(str(ROOT / "policy-pack" / "__main__.py"), run_name="__main__")
    assert built["name"] == "fluxform-guardrails"
    assert [p.name for p in built["policies"]] == [policy_name(r) for r in RULES]
    config = (ROOT / "policy-pack" / "PulumiPolicy.yaml").read_text()
    assert "runtime" in config and "python" in config


def test_prod_pack_config_raises_what_production_raises() -> None:
    import json

    config = json.loads((ROOT / "policy-pack" / "config.prod.json").read_text())
    assert set(config) == {policy_name(r) for r in RULES}
    assert all(c["production"] is True for c in config.values())
    raised = {name for name, c in config.items() if c.get("enforcementLevel") == "mandatory"}
    assert raised == {policy_name(r) for r in RULES
                      if r.severity == "warning" and r.prod_severity == "error"}


def test_engine_unknowns_and_secrets_are_not_values() -> None:
    """A chart version not known during preview is neither a range (FF005) nor inexact (FF006)."""
    unknown = release(ENGINE_UNKNOWN)
    secret = release(None, chart={"spec": {"chart": "c", "version": Secret("9"),
                                           "sourceRef": {"kind": "HelmRepository", "name": "r"}}})
    resources = from_objects([unknown, secret])
    assert run_pack(resources, {"production": True}) == []
    objs = objects_from_policy_resources(resources)
    assert objs[0].spec["chart"]["spec"]["version"] == {"$fluxform": "unknown"}
    assert objs[1].spec["chart"]["spec"]["version"]["$fluxform"] == "secret"
    assert run_pack(from_objects([release("1.x")]), {"production": True})  # a real range still fails


def test_parent_urn_comes_from_the_policy_resource() -> None:
    component = policy_resource("fluxform:index:Tenant", "urn:t", "t", {})
    child = policy_resource("kubernetes:core/v1:Namespace", "urn:n", "n",
                            {"metadata": {"name": "team-a"}}, parent=component)
    objs = objects_from_policy_resources([component, child])
    assert [(o.subject, o.parent) for o in objs] == [("urn:n", "urn:t")]
