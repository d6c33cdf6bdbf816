"""Guardrails: the production rules of Flux, one rule set for both runners.

Offline, `fluxform check` and `fluxform plan` feed the captured graph (plus, in git delivery,
the objects rendered for the fleet repository); online, the CrossGuard pack in policy-pack/
feeds `pulumi preview`'s resources. Both convert to PolicyObjects and call `evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fluxform.findings import Finding
from fluxform.graph import Graph
from fluxform.manifests import gitops_objects
from fluxform.policy.model import Context, ImageAutomation, PolicyObject, Rule
from fluxform.policy.rules import RULES
from fluxform.spec.model import Spec

__all__ = ["RULES", "Context", "PolicyObject", "Rule", "check_stack", "context_from_spec",
           "evaluate", "objects_from_graph", "objects_from_rendered", "severity_of"]


def objects_from_graph(graph: Graph) -> list[PolicyObject]:
    return [PolicyObject(r.type, r.urn, dict(r.inputs)) for r in graph if r.custom]


def objects_from_rendered(objects: Iterable[Mapping[str, Any]]) -> list[PolicyObject]:
    out = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        type_ = f"kubernetes:{obj.get('apiVersion')}:{obj.get('kind')}"
        subject = f"{obj.get('kind')}/{meta.get('namespace', '')}/{meta.get('name', '')}"
        out.append(PolicyObject(type_, subject, dict(obj), origin="rendered"))
    return out


def context_from_spec(spec: Spec) -> Context:
    sources = [spec.fleet, *(t.source for t in spec.tenants)]
    return Context(
        production=spec.is_production,
        severities=dict(spec.policy.severities),
        writable_repositories=frozenset(s.repository for s in sources if s.image_automation),
        image_automation=tuple(ImageAutomation(s.repository, s.branch, s.image_automation_branch)
                               for s in sources if s.image_automation),
    )


def severity_of(rule: Rule, ctx: Context) -> str:
    return ctx.severities.get(rule.id) or (rule.prod_severity if ctx.production else rule.severity)


def evaluate(objects: list[PolicyObject], ctx: Context,
             rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every violation of every enabled rule, sorted; severity per the context."""
    findings: set[Finding] = set()
    for rule in rules:
        severity = severity_of(rule, ctx)
        if severity == "off":
            continue
        for subject, message in rule.check(objects, ctx):
            findings.add(Finding(rule.id, severity, subject, message, rule.hint))  # type: ignore[arg-type]
    return sorted(findings)


def check_stack(spec: Spec, graph: Graph) -> list[Finding]:
    """The findings for one stack: its graph, plus its rendered objects in git delivery."""
    objects = objects_from_graph(graph)
    if spec.flux.delivery == "git":
        objects += objects_from_rendered(gitops_objects(spec))
    return evaluate(objects, context_from_spec(spec))
