"""The rules on the example stacks: clean in both deliveries, severities as each stack says."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest
from conftest import ROOT
from policy_builders import release

from fluxform.capture import capture
from fluxform.graph import Graph
from fluxform.manifests import gitops_objects
from fluxform.policy import (
    RULES,
    check_spec,
    check_stack,
    context_from_spec,
    evaluate,
    objects_from_graph,
)
from fluxform.program import StackSettings, build
from fluxform.project import load_stack
from fluxform.spec.model import PolicySettings, Spec
from fluxform.stackrun import capture_config

STACKS = ("dev", "prod")


@cache
def stack_spec(stack: str) -> Spec:
    return load_stack(ROOT, stack).load_spec()


@cache
def captured(stack: str, delivery: str = "pulumi") -> Graph:
    """The stack's graph; for git delivery the same spec with `flux.delivery: git`."""
    config = load_stack(ROOT, stack)
    spec = stack_spec(stack)
    if delivery == spec.flux.delivery:
        return capture_config(config)
    return build_and_capture(with_delivery(spec, delivery), stack)


def build_and_capture(spec: Spec, stack: str) -> Graph:
    """The program on a modified spec, with the stack's own config (as `pulumi up` would)."""
    config = load_stack(ROOT, stack)
    settings = StackSettings(config.config.get("fluxform:kubeContext"), None,
                             config.config["fluxform:githubOwner"])

    def program() -> None:
        build(spec, settings)

    return capture(program, project=config.project, stack=stack, config=config.config,
                   secret_keys=list(config.secret_keys))


def with_delivery(spec: Spec, delivery: str) -> Spec:
    return dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery=delivery))  # type: ignore[arg-type]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("delivery", ["pulumi", "git"])
def test_example_stacks_pass_cleanly(stack: str, delivery: str) -> None:
    spec = with_delivery(stack_spec(stack), delivery)
    findings = check_stack(spec, captured(stack, delivery))
    assert findings == [], [f"{f.rule_id} {f.message}" for f in findings]


def test_git_delivery_is_checked_with_its_rendered_objects() -> None:
    """The rendered objects reach the rules: a floating chart in Git is still caught."""
    spec = with_delivery(stack_spec("prod"), "git")
    rendered = gitops_objects(spec)
    for obj in rendered:
        if obj["kind"] == "HelmRelease":
            obj["spec"]["chart"]["spec"]["version"] = "4.x"
    findings = check_spec(spec, captured("prod", "git"), rendered)
    assert {(f.rule_id, f.subject) for f in findings} == {
        ("FF005", "HelmRelease/flux-system/ingress-nginx"),
        ("FF005", "HelmRelease/flux-system/podinfo")}


def test_both_deliveries_at_once_is_an_ownership_violation() -> None:
    """Registering the Flux objects (pulumi delivery) and rendering them too: FF015 on each."""
    spec = stack_spec("prod")
    rendered = gitops_objects(with_delivery(spec, "git"))
    findings = check_spec(spec, captured("prod"), rendered)
    assert {f.rule_id for f in findings} == {"FF015"}
    assert sorted(f.subject for f in findings) == sorted(
        f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}" for o in rendered)


def test_context_follows_the_spec() -> None:
    dev, prod = context_from_spec(stack_spec("dev")), context_from_spec(stack_spec("prod"))
    assert (dev.production, prod.production) == (False, True)
    assert dict(prod.severities) == dict(stack_spec("prod").policy.severities)
    assert "fleet" in dev.writable_repositories  # dev's fleet enables image automation
    assert [i.push_branch for i in dev.image_automation] == ["image-updates"]


@pytest.mark.parametrize(("stack", "override", "expected"), [
    ("dev", (), "warning"),
    ("prod", (), "error"),
    ("prod", (("FF006", "warning"),), "warning"),
    ("dev", (("FF006", "error"),), "error"),
    ("prod", (("FF006", "off"),), None),
], ids=["dev-default", "prod-stricter", "prod-relaxed", "dev-raised", "prod-off"])
def test_severities_come_from_the_stack(stack: str, override: tuple[tuple[str, str], ...],
                                        expected: str | None) -> None:
    spec = dataclasses.replace(stack_spec(stack), policy=PolicySettings(override))  # type: ignore[arg-type]
    objects = [*objects_from_graph(captured(stack)), release("1.2")]
    found = [f.severity for f in evaluate(objects, context_from_spec(spec))]
    assert found == ([expected] if expected else [])


def test_every_rule_is_enabled_by_default_on_both_stacks() -> None:
    for stack in STACKS:
        assert not any(v == "off" for _, v in stack_spec(stack).policy.severities), stack
    assert len(RULES) >= 19


NOTES = (("fluxform.io/suspend-reason", "INC-1234"), ("fluxform.io/suspended-by", "jane"))


@pytest.mark.parametrize("delivery", ["pulumi", "git"])
@pytest.mark.parametrize(("notes", "fires"), [(NOTES, False), (NOTES[:1], True), ((), True)],
                         ids=["annotated", "reason-only", "bare"])
def test_suspension_annotations_flow_from_the_spec(delivery: str, notes: tuple[tuple[str, str], ...],
                                                   fires: bool) -> None:
    """The keys docs/policy.md documents, set in the spec, reach the object FF016 judges."""
    spec = with_delivery(stack_spec("dev"), delivery)
    layer = dataclasses.replace(spec.layers[0], suspend=True, annotations=notes)
    spec = dataclasses.replace(spec, layers=(layer, *spec.layers[1:]))
    found = [f for f in check_stack(spec, build_and_capture(spec, "dev")) if f.rule_id == "FF016"]
    assert [f.subject.endswith(layer.name) for f in found] == ([True] if fires else [])
