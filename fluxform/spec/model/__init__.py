"""The validated, typed form of a declarative environment spec (stacks/<env>.yaml).

These frozen dataclasses are what the loader returns once every check has passed; code
downstream (the Pulumi program, the renderer, the policy rules) trusts them and never
re-validates. Field names mirror the YAML keys (snake_case). Defaults here are the
documented defaults of the format.

Spec, the root, and the policy settings are here; the rest is kept by what it describes:
sources (what the fleet's, layers' and tenants' sources share), fleet (cluster, Flux, fleet
source, sync), layers, helm, tenants, notifications and images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fluxform.spec.model.fleet import FLUX_NAMESPACE, Cluster, Delivery, Flux, GitSource, Sync, Tier
from fluxform.spec.model.helm import (
    ChartSource,
    HelmRelease,
    HelmRepository,
    TenantHelmRelease,
    TenantHelmRepository,
)
from fluxform.spec.model.images import ImageAutomation, ImagePolicy, ImageRepository, ImageUpdate
from fluxform.spec.model.layers import (
    ClusterVars,
    Decryption,
    HealthCheck,
    Layer,
    Patch,
    PatchTarget,
    Sops,
)
from fluxform.spec.model.notifications import (
    Alert,
    EventSource,
    NotificationProvider,
    Notifications,
    Receiver,
)
from fluxform.spec.model.sources import DeployKey, DeployKeyAlgorithm, OciSource, OidcIdentity, Source
from fluxform.spec.model.tenants import (
    TENANT_SECRET,
    LimitRange,
    NetworkPolicy,
    PodSecurity,
    Quota,
    SourceType,
    Tenant,
    TenantSource,
)

__all__ = [
    "FLUX_NAMESPACE", "TENANT_SECRET", "Alert", "ChartSource", "Cluster", "ClusterVars", "Decryption",
    "Delivery", "DeployKey", "DeployKeyAlgorithm", "EventSource", "Flux", "GitSource", "HealthCheck",
    "HelmRelease", "HelmRepository", "ImageAutomation", "ImagePolicy", "ImageRepository", "ImageUpdate",
    "Layer", "LimitRange", "NetworkPolicy", "NotificationProvider", "Notifications", "OciSource",
    "OidcIdentity", "Patch", "PatchTarget", "PodSecurity", "PolicySettings", "Quota", "Receiver",
    "Severity", "Sops", "Source", "SourceType", "Spec", "Sync", "Tenant", "TenantHelmRelease",
    "TenantHelmRepository", "TenantSource", "Tier",
]

Severity = Literal["error", "warning", "off"]


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
    sync: Sync = field(default_factory=Sync)
    layers: tuple[Layer, ...] = ()
    helm_repositories: tuple[HelmRepository, ...] = ()
    helm_releases: tuple[HelmRelease, ...] = ()
    tenants: tuple[Tenant, ...] = ()
    notifications: Notifications = field(default_factory=Notifications)
    policy: PolicySettings = field(default_factory=PolicySettings)
    cluster_vars: ClusterVars | None = None
    sops: Sops | None = None
    image_automation: ImageAutomation | None = None

    @property
    def is_production(self) -> bool:
        return self.cluster.tier == "production"
