"""Guardrails: the production rules of Flux, one rule set for two runners.

Offline, `fluxform check` and `fluxform plan` feed the captured graph (plus, in git delivery,
the objects rendered for the fleet repository); online, the CrossGuard pack in policy-pack/
feeds `pulumi preview`'s resources (fluxform.policy.crossguard). Both convert what they have
to PolicyObjects and call the same rule functions (fluxform.policy.rules.RULES).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fluxform.findings import Finding
from fluxform.graph import Graph
from fluxform.policy.convert import context_from_spec, objects_from_graph, objects_from_rendered
from fluxform.policy.engine import evaluate, severity_of
from fluxform.policy.model import Context, ImageAutomation, PolicyObject, Rule
from fluxform.policy.rules import RULES, RULES_BY_ID
from fluxform.spec.model import Spec

__all__ = ["RULES", "RULES_BY_ID", "Context", "ImageAutomation", "PolicyObject", "Rule",
           "check_spec", "check_stack", "context_from_spec", "evaluate", "objects_from_graph",
           "objects_from_rendered", "severity_of"]


def check_spec(spec: Spec, graph: Graph, rendered: Iterable[Mapping[str, Any]] = ()) -> list[Finding]:
    """The findings for a graph captured from `spec`, plus the objects rendered into Git.

    `rendered` is taken as given: pass the renderer's objects for a git-delivery stack (or
    use `check_stack`, which does that itself).
    """
    objects = objects_from_graph(graph) + objects_from_rendered(rendered)
    return evaluate(objects, context_from_spec(spec))


def check_stack(spec: Spec, graph: Graph) -> list[Finding]:
    """`check_spec` with the rendered objects a stack's delivery implies (none for pulumi)."""
    rendered: list[dict[str, Any]] = []
    if spec.flux.delivery == "git":
        from fluxform.manifests import gitops_objects  # the renderer's mapping, loaded on demand

        rendered = gitops_objects(spec)
    return check_spec(spec, graph, rendered)
