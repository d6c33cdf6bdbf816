"""The online runner: the same rules as Pulumi CrossGuard stack validations.

`policy-pack/__main__.py` builds the pack from `policies()`. Each rule becomes one
StackValidationPolicy whose validate function converts CrossGuard's resources into
PolicyObjects and calls the very rule function `fluxform check` calls. Enforcement follows the
rule's default severity (error -> mandatory, warning -> advisory); a stack's policy config
(see policy-pack/config.prod.json) raises or lowers it, as `policy.severities` does offline.
Per-policy config keys: production (bool), writableRepositories (list), imageAutomation
(list of {repository, branch, pushBranch}).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fluxform.policy.model import Context, ImageAutomation, PolicyObject, Rule
from fluxform.policy.rules import RULES

CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    "production": {"type": "boolean", "default": False},
    "writableRepositories": {"type": "array", "items": {"type": "string"}, "default": []},
    "imageAutomation": {"type": "array", "default": [], "items": {"type": "object"}},
}


def objects_from_policy_resources(resources: Iterable[Any]) -> list[PolicyObject]:
    """CrossGuard PolicyResources (resource_type, urn, props) -> PolicyObjects."""
    return [PolicyObject(r.resource_type, r.urn, dict(r.props)) for r in resources
            if not r.resource_type.startswith(("pulumi:providers:", "fluxform:index:"))]


def context_from_config(config: Mapping[str, Any] | None) -> Context:
    config = config or {}
    return Context(
        production=bool(config.get("production", False)),
        writable_repositories=frozenset(config.get("writableRepositories") or ()),
        image_automation=tuple(
            ImageAutomation(str(i.get("repository")), str(i.get("branch", "main")), i.get("pushBranch"))
            for i in config.get("imageAutomation") or ()),
    )


def validator(rule: Rule) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        objects = objects_from_policy_resources(args.resources)
        for subject, message in rule.check(objects, context_from_config(args.get_config())):
            report_violation(f"{message} (fix: {rule.hint})", subject)
    return validate


def policies() -> list[Any]:
    """One StackValidationPolicy per rule (imports pulumi_policy only when asked)."""
    from pulumi_policy import EnforcementLevel, PolicyConfigSchema, StackValidationPolicy

    return [
        StackValidationPolicy(
            name=f"fluxform-{rule.id.lower()}",
            description=f"{rule.id}: {rule.title}",
            validate=validator(rule),
            enforcement_level=(EnforcementLevel.MANDATORY if rule.severity == "error"
                               else EnforcementLevel.ADVISORY),
            config_schema=PolicyConfigSchema(properties=CONFIG_SCHEMA),
        )
        for rule in RULES
    ]
