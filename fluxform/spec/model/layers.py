"""Platform layers and what their Kustomizations deliver with: health checks, patches, SOPS
decryption, and the cluster-wide cluster vars and SOPS identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fluxform.spec.model.sources import OciSource


@dataclass(frozen=True)
class HealthCheck:
    """An object a Kustomization waits for (spec.healthChecks)."""

    kind: str
    name: str
    api_version: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class PatchTarget:
    group: str | None = None
    version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None


@dataclass(frozen=True)
class Patch:
    """A strategic merge patch (a mapping) or a JSON6902 patch (a list of operations)."""

    patch: str
    target: PatchTarget | None = None


@dataclass(frozen=True)
class Decryption:
    """SOPS decryption on a Kustomization (spec.decryption)."""

    provider: Literal["sops"] = "sops"
    secret_ref: str | None = None
    age_key_config: str | None = None
    """Tenants only: the stack config key of the tenant's own age private key."""


@dataclass(frozen=True)
class ClusterVars:
    """The cluster-vars ConfigMap: what infrastructure knows and manifests need."""

    region: str | None = None
    domain: str | None = None
    ingress_class: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    from_config: tuple[tuple[str, str], ...] = ()
    """(variable, stack config key) pairs: plain config values the program reads."""


@dataclass(frozen=True)
class Sops:
    """The cluster's SOPS identity: an age key from stack config, or cloud KMS."""

    age_recipients: tuple[str, ...] = ()
    age_key_config: str | None = None
    kms_annotations: tuple[tuple[str, str], ...] | None = None


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
    source: OciSource | None = None
    """An OCI artifact instead of the fleet repository."""
    health_checks: tuple[HealthCheck, ...] = ()
    patches: tuple[Patch, ...] = ()
    components: tuple[str, ...] = ()
    cluster_vars: bool = False
    """Substitute from the cluster-vars ConfigMap (postBuild.substituteFrom)."""
    substitute: tuple[tuple[str, str], ...] = ()
    """Literal postBuild.substitute pairs, sorted."""
    decryption: Decryption | None = None
