"""Evaluate the registry on PolicyObjects: severities per context, findings sorted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from fluxform.findings import Finding
from fluxform.policy.convert import tenant_namespaces
from fluxform.policy.model import Context, PolicyObject, Rule
from fluxform.policy.rules import RULES

SEVERITIES = ("error", "warning", "off")


def severity_of(rule: Rule, ctx: Context) -> str:
    """The stack's override if any, else the production or the default severity."""
    override = ctx.severities.get(rule.id)
    if override in SEVERITIES:
        return override
    return rule.prod_severity if ctx.production else rule.severity


def with_objects(ctx: Context, objects: Iterable[PolicyObject]) -> Context:
    """The context completed with what the objects say (namespaces labelled as tenants')."""
    labelled = tenant_namespaces(objects)
    return replace(ctx, tenant_namespaces=ctx.tenant_namespaces | labelled) if labelled else ctx


def evaluate(objects: list[PolicyObject], ctx: Context,
             rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every violation of every enabled rule, deduplicated and sorted."""
    ctx = with_objects(ctx, objects)
    findings: set[Finding] = set()
    for rule in rules:
        severity = severity_of(rule, ctx)
        if severity == "off":
            continue
        for subject, message in rule.check(objects, ctx):
            findings.add(Finding(rule.id, severity, subject, message, rule.hint))  # type: ignore[arg-type]
    return sorted(findings)
