"""The validated, typed form of a declarative environment spec (stacks/<env>.yaml).

These frozen dataclasses are what the loader returns once every check has passed; code
downstream (the Pulumi program, the renderer, the policy rules) trusts them and never
re-validates. Field names mirror the YAML keys (snake_case). Defaults here are the
documented defaults of the format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

DeployKeyAlgorithm = Literal["ecdsa-p384", "ed25519"]
Delivery = Literal["pulumi", "git"]
Severity = Literal["error", "warning", "off"]

FLUX_NAMESPACE = "flux-system"


@dataclass(frozen=True)
class Cluster:
    """The cluster this environment provisions, and how Pulumi reaches it."""

    name: str
    """Cluster name: names the Kubernetes provider and makes deploy-key titles unique."""
    environment: str
    """Environment label (e.g. dev, prod); `prod` turns on the production policy rules."""
    context: str | None = None
    """kubeconfig context to use (exactly one of context/kubeconfig is set)."""
    kubeconfig: str | None = None
    """Path to a kubeconfig file (relative to the project root)."""


@dataclass(frozen=True)
class DeployKey:
    """An SSH deploy key generated with pulumi-tls and registered on GitHub."""

    algorithm: DeployKeyAlgorithm = "ecdsa-p384"
    rotation: str = "1"
    """Any string; changing it replaces the key, the GitHub deploy key and the Secret."""


@dataclass(frozen=True)
class GitSource:
    """A GitHub repository Flux syncs from."""

    owner: str
    repository: str
    branch: str = "main"
    path: str = "./"
    interval: str = "5m"
    deploy_key: DeployKey = field(default_factory=DeployKey)
    image_automation: bool = False
    """True when image automation pushes to this repository (the deploy key is then read-write)."""
    image_automation_branch: str | None = None
    """Branch image automation pushes to (must differ from `branch` in prod)."""
    verify_signatures: bool = False
    """Verify commit signatures (spec.verify, mode HEAD) with the keys in `verify_secret`."""
    verify_secret: str | None = None

    @property
    def url(self) -> str:
        return f"ssh://git@github.com/{self.owner}/{self.repository}"


@dataclass(frozen=True)
class Flux:
    """The Flux install: pinned flux2 Helm chart, optional components, lockdown."""

    chart_version: str
    """Exact version of the fluxcd-community `flux2` Helm chart (pins every controller image)."""
    chart_repository: str = "https://fluxcd-community.github.io/helm-charts"
    image_automation: bool = False
    """Install image-reflector-controller and image-automation-controller."""
    network_policy: bool = True
    multitenant_lockdown: bool = True
    delivery: Delivery = "pulumi"
    """Who applies the non-bootstrap Flux objects: Pulumi (CustomResources) or Flux from Git."""


@dataclass(frozen=True)
class Layer:
    """A platform layer: a Kustomization in flux-system reconciling a path of the fleet repo."""

    name: str
    path: str
    interval: str = "10m"
    retry_interval: str = "2m"
    timeout: str = "5m"
    prune: bool = True
    wait: bool = True
    suspend: bool = False
    depends_on: tuple[str, ...] = ()
    """Names of other layers."""
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HelmRepository:
    name: str
    url: str
    """oci://... (preferred) or https://..."""
    interval: str = "1h"

    @property
    def is_oci(self) -> bool:
        return self.url.startswith("oci://")


@dataclass(frozen=True)
class HelmRelease:
    name: str
    namespace: str
    """Namespace the release (and the HelmRelease object) lives in."""
    repository: str
    """Name of a HelmRepository in this spec."""
    chart: str
    version: str
    interval: str = "10m"
    chart_interval: str = "1h"
    timeout: str = "5m"
    retries: int = 3
    """Install and upgrade remediation retries."""
    values_json: str = "{}"
    """Helm values as canonical JSON (sorted keys), so the dataclass stays frozen and hashable."""
    depends_on: tuple[str, ...] = ()
    """Names of other HelmReleases in this spec."""
    create_namespace: bool = True
    suspend: bool = False
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def values(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.values_json)
        return parsed


@dataclass(frozen=True)
class Quota:
    hard: tuple[tuple[str, str], ...]
    """ResourceQuota spec.hard, as sorted (resource, quantity) pairs."""


@dataclass(frozen=True)
class Tenant:
    name: str
    """Tenant name; also its namespace."""
    source: GitSource
    cluster_role: str = "admin"
    quota: Quota | None = None
    depends_on: tuple[str, ...] = ()
    """Names of platform layers the tenant's Kustomization waits for."""
    prune: bool = True
    suspend: bool = False
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NotificationProvider:
    name: str
    type: str
    """Flux provider type (slack, msteams, github, generic, ...)."""
    channel: str | None = None
    address: str | None = None
    """Non-secret address (e.g. an API URL); secret webhooks use `secret_config`."""
    secret_config: str | None = None
    """Pulumi config key (in the `fluxform` namespace) holding the secret webhook URL / token."""


@dataclass(frozen=True)
class EventSource:
    kind: str
    name: str
    namespace: str | None = None


@dataclass(frozen=True)
class Alert:
    name: str
    provider: str
    severity: Literal["info", "error"] = "info"
    sources: tuple[EventSource, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class Receiver:
    name: str
    type: str
    """Flux receiver type (github, gitlab, generic-hmac, ...); plain `generic` is rejected by policy."""
    events: tuple[str, ...] = ()
    resources: tuple[EventSource, ...] = ()


@dataclass(frozen=True)
class Notifications:
    providers: tuple[NotificationProvider, ...] = ()
    alerts: tuple[Alert, ...] = ()
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class PolicySettings:
    """Per-stack policy severities: rule id -> error | warning | off."""

    severities: tuple[tuple[str, Severity], ...] = ()


@dataclass(frozen=True)
class Spec:
    """One environment."""

    source_file: str
    cluster: Cluster
    flux: Flux
    fleet: GitSource
    layers: tuple[Layer, ...] = ()
    helm_repositories: tuple[HelmRepository, ...] = ()
    helm_releases: tuple[HelmRelease, ...] = ()
    tenants: tuple[Tenant, ...] = ()
    notifications: Notifications = field(default_factory=Notifications)
    policy: PolicySettings = field(default_factory=PolicySettings)

    @property
    def is_production(self) -> bool:
        return self.cluster.environment == "prod"
