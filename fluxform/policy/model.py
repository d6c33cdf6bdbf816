"""What policy rules see: neutral objects and a context, whichever runner feeds them.

A rule never sees a Graph, a CrossGuard PolicyResource or a rendered YAML document: each
runner converts what it has into PolicyObjects first (fluxform/policy/convert.py offline,
fluxform/policy/crossguard.py online), so the rule logic exists once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fluxform.findings import FindingSeverity
from fluxform.graph import is_marker

Origin = Literal["pulumi", "rendered"]
RuleSeverity = Literal["error", "warning", "off"]
FLUX_NAMESPACE = "flux-system"
TENANT_LABEL = "toolkit.fluxcd.io/tenant"


@dataclass(frozen=True)
class PolicyObject:
    """One resource: its type token, a subject naming it in findings, a display name, its props.

    `type` is a Pulumi type token (`kubernetes:<group>/<version>:<Kind>` for Kubernetes
    objects, rendered ones included). `subject` is the URN for Pulumi resources and
    `Kind/namespace/name` for rendered objects. `name` is the Kubernetes metadata.name when
    there is one, else the Pulumi logical name. Secret and unknown values in `props` are
    markers (see fluxform.graph); rules treat them as "not known" and never print them.
    `parent` is the parent's URN (a component) for Pulumi resources, None for rendered ones.
    """

    type: str
    subject: str
    name: str
    props: Mapping[str, Any]
    origin: Origin = "pulumi"
    parent: str | None = None

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]

    @property
    def is_kubernetes(self) -> bool:
        return self.type.startswith("kubernetes:") and not self.type.startswith("kubernetes:helm.sh/")

    @property
    def api_version(self) -> str:
        declared = self.props.get("apiVersion")
        if isinstance(declared, str) and declared:
            return declared
        parts = self.type.split(":")
        return parts[1] if len(parts) == 3 else ""

    @property
    def metadata(self) -> Mapping[str, Any]:
        meta = self.props.get("metadata")
        return meta if isinstance(meta, dict) and not is_marker(meta) else {}

    @property
    def namespace(self) -> str:
        value = self.metadata.get("namespace")
        return value if isinstance(value, str) else ""

    @property
    def annotations(self) -> Mapping[str, Any]:
        notes = self.metadata.get("annotations")
        return notes if isinstance(notes, dict) and not is_marker(notes) else {}

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.props.get("spec")
        return spec if isinstance(spec, dict) and not is_marker(spec) else {}

    @property
    def label(self) -> str:
        """`Kind namespace/name` (or `Kind name` when cluster-scoped), for messages."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    @property
    def identity(self) -> tuple[str, str, str]:
        """(kind, namespace, metadata.name): what the cluster sees; name empty if unknown."""
        name = self.metadata.get("name")
        return self.kind, self.namespace, name if isinstance(name, str) else ""


@dataclass(frozen=True)
class ImageAutomation:
    """A repository image automation writes to: its sync branch and the branch it pushes to."""

    repository: str
    branch: str
    push_branch: str | None


@dataclass(frozen=True)
class Context:
    """What a rule may know beyond the objects: the stack's environment and its settings.

    `production` switches rules to their production severity and turns on the production-only
    rules. `severities` overrides a rule's severity per stack (rule id -> error | warning |
    off). `writable_repositories` and `image_automation` are what the spec says about image
    automation (the repositories it writes to; per repository, the synced and the push
    branch). `tenant_namespaces` lists namespaces known to belong to tenants (labelled
    toolkit.fluxcd.io/tenant): that is how flux-system itself could count as one; any other
    namespace than flux-system counts as a tenant's anyway.
    """

    production: bool = False
    severities: Mapping[str, str] = field(default_factory=dict)
    writable_repositories: frozenset[str] = frozenset()
    image_automation: tuple[ImageAutomation, ...] = ()
    tenant_namespaces: frozenset[str] = frozenset()

    def is_tenant(self, obj: PolicyObject) -> bool:
        ns = obj.namespace
        return bool(ns) and (ns != FLUX_NAMESPACE or ns in self.tenant_namespaces)


Hits = Iterator[tuple[str, str]]
Check = Callable[[list[PolicyObject], Context], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """One row of the registry.

    `severity` applies by default, `prod_severity` when the stack is production (a stack's
    `policy.severities` overrides both). `description` says why the rule exists, `hint` how
    to fix a finding; both appear in docs/policy.md and in the CrossGuard pack.
    """

    id: str
    title: str
    severity: FindingSeverity
    prod_severity: FindingSeverity
    description: str
    hint: str
    check: Check


def of(objs: Iterable[PolicyObject], *kinds: str) -> Iterator[PolicyObject]:
    """The Kubernetes objects of the given kinds."""
    return (o for o in objs if o.is_kubernetes and o.kind in kinds)


def text(value: Any) -> str | None:
    """A plain string value, or None (missing, a secret/unknown marker, another type)."""
    return value if isinstance(value, str) else None


def sub(mapping: Any, *path: str) -> Any:
    """mapping[path[0]][path[1]]..., None when any step is missing or a marker."""
    for key in path:
        if not isinstance(mapping, dict) or is_marker(mapping):
            return None
        mapping = mapping.get(key)
    return None if is_marker(mapping) else mapping


def absent(mapping: Any, *path: str) -> bool:
    """True when mapping[path...] is certainly missing (False when a step is a marker)."""
    node = mapping
    for key in path:
        if is_marker(node):
            return False
        if not isinstance(node, Mapping):
            return True
        node = node.get(key)
    return node is None


def missing(mapping: Any, *path: str) -> bool:
    """True when mapping[path...] is certainly absent or an empty string (a marker is neither)."""
    return absent(mapping, *path) or sub(mapping, *path) == ""


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(duration: Any) -> float | None:
    """A Go duration (`1m30s`, `500ms`, `2h`) in seconds; None when absent or not one."""
    if not isinstance(duration, str) or not duration:
        return None
    parts = _DURATION_PART.findall(duration)
    if "".join(n + u for n, u in parts) != duration:
        return None
    return sum(float(n) * _SCALE[u] for n, u in parts)
