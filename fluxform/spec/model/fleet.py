"""The cluster, the Flux install, the fleet source and the root sync of one environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fluxform.spec.model.sources import DeployKey, OciSource, Source

Delivery = Literal["pulumi", "git"]
Tier = Literal["production", "staging", "dev"]
FLUX_NAMESPACE = "flux-system"


@dataclass(frozen=True)
class Cluster:
    """The cluster this environment provisions, and how Pulumi reaches it."""

    name: str
    """Cluster name: names the Kubernetes provider and makes deploy-key titles unique."""
    environment: str
    """Environment label (free text, e.g. dev, prod, staging-eu)."""
    tier: Tier = "dev"
    """The production switch: `production` turns on the production policy rules. The loader
    fills it from `environment` when the spec does not set it (fluxform.spec.tiers)."""
    context: str | None = None
    """kubeconfig context to use (exactly one of context/kubeconfig is set)."""
    kubeconfig: str | None = None
    """Path to a kubeconfig file (relative to the project root)."""


@dataclass(frozen=True)
class GitSource(Source):
    """The fleet source: a GitHub repository Flux syncs from (`type: github`), or an OCI
    artifact (`type: oci`, an OCIRepository; owner and repository then empty)."""

    owner: str = ""
    repository: str = ""
    branch: str = "main"
    path: str = "./"
    interval: str = "5m"
    timeout: str = "60s"
    """Timeout of each fetch (the GitRepository's spec.timeout)."""
    deploy_key: DeployKey = field(default_factory=DeployKey)
    image_automation: bool = False
    """True when image automation pushes to this repository (the deploy key is then read-write)."""
    image_automation_branch: str | None = None
    """Branch image automation pushes to (must differ from `branch` in prod)."""
    verify_signatures: bool = False
    """Verify commit signatures (spec.verify, mode HEAD) with the keys in `verify_secret`, or
    (type oci) the artifact's signature with cosign or notation."""
    verify_secret: str | None = None
    type: Literal["github", "oci"] = "github"
    oci: OciSource | None = None
    """The artifact (type oci; interval and timeout are the fleet's)."""

    @property
    def is_oci(self) -> bool:
        return self.type == "oci"

    @property
    def kind(self) -> str:
        """The Flux source kind of the fleet (the root sync's sourceRef kind)."""
        return "OCIRepository" if self.is_oci else "GitRepository"

    @property
    def url(self) -> str:
        if self.oci is not None:
            return self.oci.url
        return f"ssh://git@github.com/{self.owner}/{self.repository}"

    @property
    def needs_deploy_key(self) -> bool:
        """A GitHub fleet gets a generated deploy key and the Git credentials Secret; an OCI
        fleet neither (least privilege: only what the source needs)."""
        return not self.is_oci


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
class Sync:
    """Timing of the root Kustomization `flux-system`."""

    interval: str = "10m"
    retry_interval: str = "2m"
    timeout: str = "5m"
    wait: bool = True
