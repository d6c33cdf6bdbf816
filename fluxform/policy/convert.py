"""Offline inputs -> PolicyObjects and Context: captured graphs, rendered objects, the spec."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fluxform.graph import Graph
from fluxform.policy.model import TENANT_LABEL, Context, ImageAutomation, Origin, PolicyObject
from fluxform.spec.model import Spec

SKIPPED_TYPE_PREFIXES = ("pulumi:providers:", "pulumi:pulumi:")


def _display_name(props: Mapping[str, Any], fallback: str) -> str:
    meta = props.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else fallback


def policy_object(type_: str, subject: str, logical_name: str, props: Mapping[str, Any],
                  origin: Origin = "pulumi", parent: str | None = None) -> PolicyObject:
    """One PolicyObject; `name` is metadata.name when known, else the logical name."""
    return PolicyObject(type_, subject, _display_name(props, logical_name), dict(props),
                        origin, parent)


def objects_from_graph(graph: Graph) -> list[PolicyObject]:
    """Every custom resource of a captured graph (providers and components left out)."""
    return [policy_object(r.type, r.urn, r.name, r.inputs, parent=r.parent) for r in graph
            if r.custom and not r.type.startswith(SKIPPED_TYPE_PREFIXES)]


def objects_from_rendered(objects: Iterable[Mapping[str, Any]]) -> list[PolicyObject]:
    """Kubernetes objects rendered for the fleet repository; subject `Kind/namespace/name`."""
    out = []
    for obj in objects:
        raw_meta = obj.get("metadata")
        meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        kind, api = str(obj.get("kind") or ""), str(obj.get("apiVersion") or "")
        name = str(meta.get("name") or "")
        subject = f"{kind}/{meta.get('namespace') or ''}/{name}"
        out.append(policy_object(f"kubernetes:{api}:{kind}", subject, name, obj, "rendered"))
    return out


def tenant_namespaces(objects: Iterable[PolicyObject]) -> frozenset[str]:
    """Namespaces labelled toolkit.fluxcd.io/tenant among the objects."""
    out = set()
    for o in objects:
        labels = o.metadata.get("labels")
        if o.is_kubernetes and o.kind == "Namespace" and isinstance(labels, dict) \
                and TENANT_LABEL in labels:
            out.add(o.name)
    return frozenset(out)


def context_from_spec(spec: Spec) -> Context:
    """The stack's context: environment, severity overrides, repositories image automation writes."""
    sources = [spec.fleet, *(t.source for t in spec.tenants)]
    return Context(
        production=spec.is_production,
        severities=dict(spec.policy.severities),
        writable_repositories=frozenset(s.repository for s in sources if s.image_automation),
        image_automation=tuple(ImageAutomation(s.repository, s.branch, s.image_automation_branch)
                               for s in sources if s.image_automation),
    )
