"""Tenants: where each one's manifests come from and with which credentials, and the
namespace it owns (quota, network policy, limit range, Helm, Kustomization)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fluxform.spec.model.fleet import GitSource
from fluxform.spec.model.helm import TenantHelmRelease, TenantHelmRepository
from fluxform.spec.model.layers import Decryption, HealthCheck, Patch
from fluxform.spec.model.sources import DeployKey, OidcIdentity, Source

SourceType = Literal["github", "git", "oci"]
PodSecurity = Literal["restricted", "baseline", "privileged"]


@dataclass(frozen=True)
class Quota:
    hard: tuple[tuple[str, str], ...]
    """ResourceQuota spec.hard, as sorted (resource, quantity) pairs."""

    @property
    def constrains_requests(self) -> bool:
        """A pod without requests is refused admission under this quota."""
        return any(r in ("cpu", "memory", "ephemeral-storage") or r.startswith("requests.")
                   for r, _ in self.hard)

    @property
    def constrains_limits(self) -> bool:
        """A pod without limits is refused admission under this quota."""
        return any(r.startswith("limits.") for r, _ in self.hard)


@dataclass(frozen=True)
class TenantSource(Source):
    """Where a tenant's manifests come from, and which credentials that takes.

    - `github`: `ssh://git@github.com/<owner>/<repository>` with a generated deploy key;
    - `git` over `https://`: no credentials (a public repository), or `secret_ref`;
    - `git` over `ssh://`: a generated key whose Secret pins `known_hosts`, or `secret_ref`;
    - `oci`: an OCIRepository (tag, semver or digest), optionally verified with cosign or
      notation; credentials only through `secret_ref`.
    """

    type: SourceType = "github"
    owner: str = ""
    """GitHub owner (type github; empty otherwise)."""
    repository: str = ""
    """GitHub repository name (type github; empty otherwise)."""
    url: str | None = None
    branch: str = "main"
    tag: str | None = None
    semver: str | None = None
    digest: str | None = None
    path: str = "./"
    interval: str = "5m"
    timeout: str = "60s"
    secret_ref: str | None = None
    """A credentials Secret the tenant manages itself (fluxform creates none)."""
    known_hosts: str | None = None
    deploy_key: DeployKey = field(default_factory=DeployKey)
    image_automation: bool = False
    image_automation_branch: str | None = None
    verify_signatures: bool = False
    verify_secret: str | None = None
    verify_provider: Literal["cosign", "notation"] = "cosign"
    verify_identities: tuple[OidcIdentity, ...] = ()

    @property
    def kind(self) -> str:
        """The Flux source kind."""
        return "OCIRepository" if self.type == "oci" else "GitRepository"

    @property
    def fetch_url(self) -> str:
        if self.type == "github":
            return f"ssh://git@github.com/{self.owner}/{self.repository}"
        return str(self.url)

    @property
    def generates_key(self) -> bool:
        """fluxform generates an SSH key and the credentials Secret (GitHub or ssh://)."""
        return self.secret_ref is None and (
            self.type == "github" or (self.type == "git" and self.fetch_url.startswith("ssh://")))

    @property
    def registers_deploy_key(self) -> bool:
        """The generated key is registered on GitHub as a deploy key."""
        return self.generates_key and self.type == "github"

    @property
    def credentials_secret(self) -> str | None:
        """The Secret the source object references (None: a public source)."""
        return self.secret_ref or (TENANT_SECRET if self.generates_key else None)


TENANT_SECRET = "flux-git-credentials"


@dataclass(frozen=True)
class NetworkPolicy:
    enabled: bool = True
    allow_same_namespace: bool = True
    ingress_from_namespaces: tuple[str, ...] = ()
    egress: Literal["namespace", "all"] = "namespace"


@dataclass(frozen=True)
class LimitRange:
    default_request: tuple[tuple[str, str], ...] = (("cpu", "100m"), ("memory", "128Mi"))
    default: tuple[tuple[str, str], ...] = (("cpu", "500m"), ("memory", "512Mi"))


@dataclass(frozen=True)
class Tenant:
    name: str
    """Tenant name: the toolkit.fluxcd.io/tenant label and the name of its Flux objects."""
    source: TenantSource
    namespace: str = ""
    """The tenant's namespace; the loader fills in the name when the spec leaves it out."""
    service_account: str = "flux-reconciler"
    """The reconciler ServiceAccount every Flux object of the tenant runs as."""
    cluster_role: str = "admin"
    quota: Quota | None = None
    interval: str = "5m"
    retry_interval: str = "1m"
    timeout: str = "3m"
    wait: bool = True
    pod_security: PodSecurity = "restricted"
    network_policy: NetworkPolicy = field(default_factory=NetworkPolicy)
    limit_range: LimitRange = field(default_factory=LimitRange)
    helm_repositories: tuple[TenantHelmRepository, ...] = ()
    helm_releases: tuple[TenantHelmRelease, ...] = ()
    depends_on: tuple[str, ...] = ()
    """Names of platform layers the tenant's Kustomization waits for."""
    prune: bool = True
    suspend: bool = False
    annotations: tuple[tuple[str, str], ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    patches: tuple[Patch, ...] = ()
    components: tuple[str, ...] = ()
    cluster_vars: bool = False
    """Substitute from the cluster-vars ConfigMap (postBuild.substituteFrom)."""
    substitute: tuple[tuple[str, str], ...] = ()
    """Literal postBuild.substitute pairs, sorted."""
    decryption: Decryption | None = None

    def __post_init__(self) -> None:
        if not self.namespace:
            object.__setattr__(self, "namespace", self.name)
        if isinstance(self.source, GitSource):  # a GitHub source built by hand (tests, scripts)
            src = self.source
            object.__setattr__(self, "source", TenantSource(
                owner=src.owner, repository=src.repository, branch=src.branch, path=src.path,
                interval=src.interval, timeout=src.timeout, deploy_key=src.deploy_key,
                image_automation=src.image_automation,
                image_automation_branch=src.image_automation_branch,
                verify_signatures=src.verify_signatures, verify_secret=src.verify_secret))

    @property
    def needs_limit_range(self) -> bool:
        """The quota constrains requests or limits, so pods need defaults to be admitted."""
        return self.quota is not None and (self.quota.constrains_requests or self.quota.constrains_limits)
