"""What policy rules see: neutral objects and a context, whichever runner feeds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fluxform.findings import FindingSeverity

Origin = Literal["pulumi", "rendered"]
FLUX_NAMESPACE = "flux-system"


@dataclass(frozen=True)
class PolicyObject:
    """One resource: its Pulumi type token, a subject to name it, and its input properties."""

    type: str
    subject: str
    props: Mapping[str, Any]
    origin: Origin = "pulumi"

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]

    @property
    def api_version(self) -> str:
        return str(self.props.get("apiVersion") or self.type.split(":")[1])

    @property
    def namespace(self) -> str:
        meta = self.props.get("metadata")
        return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""

    @property
    def name(self) -> str:
        meta = self.props.get("metadata")
        return str(meta.get("name") or "") if isinstance(meta, dict) else ""

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.props.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def is_tenant(self) -> bool:
        return bool(self.namespace) and self.namespace != FLUX_NAMESPACE

    @property
    def identity(self) -> tuple[str, str, str]:
        return self.kind, self.namespace, self.name


@dataclass(frozen=True)
class ImageAutomation:
    repository: str
    branch: str
    push_branch: str | None


@dataclass(frozen=True)
class Context:
    production: bool = False
    severities: Mapping[str, str] = field(default_factory=dict)
    writable_repositories: frozenset[str] = frozenset()
    image_automation: tuple[ImageAutomation, ...] = ()


Check = Callable[[list[PolicyObject], Context], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: FindingSeverity
    prod_severity: FindingSeverity
    hint: str
    check: Check
