"""The online runner: the same rules as Pulumi CrossGuard stack validations.

`policy-pack/__main__.py` builds the pack from `policies()`. Each rule becomes one
StackValidationPolicy whose validate function (`validator(rule)`) converts CrossGuard's
PolicyResources into PolicyObjects and calls the very rule function `fluxform check` calls.
Enforcement follows the rule's default severity (error -> mandatory, warning -> advisory); a
stack's policy config (policy-pack/config.prod.json) sets production and raises or disables
rules, as `policy.severities` does offline.

Policy config keys (set on each policy, as config.prod.json does):
production (bool), writableRepositories (list of repository names), imageAutomation (list of
{repository, branch, pushBranch}).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi.runtime.rpc import UNKNOWN as ENGINE_UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    Secret,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from fluxform.graph import UNKNOWN, secret_marker
from fluxform.policy.convert import SKIPPED_TYPE_PREFIXES, policy_object
from fluxform.policy.engine import with_objects
from fluxform.policy.model import Context, ImageAutomation, PolicyObject, Rule, text
from fluxform.policy.rules import RULES

PACK_NAME = "fluxform-guardrails"
CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    "production": {"type": "boolean", "default": False},
    "writableRepositories": {"type": "array", "items": {"type": "string"}, "default": []},
    "imageAutomation": {"type": "array", "default": [], "items": {"type": "object"}},
}
ReportViolation = Callable[..., None]


def policy_name(rule: Rule) -> str:
    """The CrossGuard policy name of a rule: `fluxform-ff001`..."""
    return f"fluxform-{rule.id.lower()}"


def _markers(value: Any) -> Any:
    """The props with the engine's unknown sentinel and proxied secrets as fluxform markers.

    Under `pulumi preview` an output not known yet is absent, None or the engine's sentinel
    string; left as a string, a sentinel would read as (say) a chart version that is no
    version. Secrets arrive in plain text to a stack validation; wrapped ones (Secret) become
    markers, and no message quotes a value that could be secret either way.
    """
    if isinstance(value, str):
        return dict(UNKNOWN) if value == ENGINE_UNKNOWN else value
    if isinstance(value, Mapping):
        return {k: _markers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_markers(v) for v in value]
    if isinstance(value, Secret):
        return secret_marker(None)
    return value


def objects_from_policy_resources(resources: Iterable[Any]) -> list[PolicyObject]:
    """CrossGuard PolicyResources (resource_type, urn, name, props, parent) -> PolicyObjects."""
    return [policy_object(r.resource_type, r.urn, r.name, _markers(r.props),
                          parent=getattr(r.parent, "urn", None))
            for r in resources
            if not r.resource_type.startswith((*SKIPPED_TYPE_PREFIXES, "fluxform:index:"))]


def context_from_config(config: Mapping[str, Any] | None) -> Context:
    """The Context a policy's config describes (the pack's stand-in for the spec)."""
    config = config or {}
    return Context(
        production=bool(config.get("production", False)),
        writable_repositories=frozenset(str(r) for r in config.get("writableRepositories") or ()),
        image_automation=tuple(
            ImageAutomation(str(i.get("repository")), str(i.get("branch") or "main"),
                            text(i.get("pushBranch")))
            for i in config.get("imageAutomation") or () if isinstance(i, Mapping)),
    )


def validator(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    """The validate function of a rule's StackValidationPolicy (each violation reported once)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        objects = objects_from_policy_resources(args.resources)
        ctx = with_objects(context_from_config(args.get_config()), objects)
        for subject, message in sorted(set(rule.check(objects, ctx))):
            text = f"{rule.id}: {message} (fix: {rule.hint})"
            if subject.startswith("urn:"):
                report_violation(text, subject)
            else:  # a stack-level finding (e.g. FF014 names a repository, not a resource)
                report_violation(text)

    return validate


def policies() -> list[StackValidationPolicy]:
    """One StackValidationPolicy per rule."""
    return [
        StackValidationPolicy(
            name=policy_name(rule),
            description=f"{rule.id}: {rule.title}. Why: {rule.description}.",
            display_name=f"{rule.id} {rule.title}",
            validate=validator(rule),
            enforcement_level=(EnforcementLevel.MANDATORY if rule.severity == "error"
                               else EnforcementLevel.ADVISORY),
            severity=Severity.HIGH if rule.prod_severity == "error" else Severity.MEDIUM,
            remediation_steps=rule.hint,
            config_schema=PolicyConfigSchema(properties=CONFIG_SCHEMA),
        )
        for rule in RULES
    ]
