"""Guardrails: the production rules of Flux, one rule set for two runners.

Offline, `fluxform check` and `fluxform plan` feed the captured graph (plus, in git delivery,
the objects rendered for the fleet repository); online, the CrossGuard pack in policy-pack/
feeds `pulumi preview`'s resources (fluxform.policy.crossguard). Both convert what they have
to PolicyObjects and call the same rule functions (fluxform.policy.rules.RULES).
"""

from __future__ import annotations

from fluxform.findings import Finding
from fluxform.graph import Graph
from fluxform.policy.convert import context_from_spec, objects_from_graph, objects_from_rendered
from fluxform.policy.engine import evaluate, severity_of
from fluxform.policy.model import Context, ImageAutomation, PolicyObject, Rule
from fluxform.policy.rules import RULES, RULES_BY_ID
from fluxform.spec.model import Spec

__all__ = ["RULES", "RULES_BY_ID", "Context", "ImageAutomation", "PolicyObject", "Rule",
           "check_stack", "context_from_spec", "evaluate", "objects_from_graph",
           "objects_from_rendered", "severity_of"]


def check_stack(spec: Spec, graph: Graph) -> list[Finding]:
    """The findings for one stack: its graph, plus its rendered objects in git delivery."""
    objects = objects_from_graph(graph)
    if spec.flux.delivery == "git":
        from fluxform.manifests import gitops_objects  # the renderer's mapping, loaded on demand

        objects += objects_from_rendered(gitops_objects(spec))
    return evaluate(objects, context_from_spec(spec))
