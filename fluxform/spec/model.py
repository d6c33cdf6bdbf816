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
Tier = Literal["production", "staging", "dev"]
SourceType = Literal["github", "git", "oci"]
PodSecurity = Literal["restricted", "baseline", "privileged"]
Severity = Literal["error", "warning", "off"]

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
class DeployKey:
    """An SSH deploy key generated with pulumi-tls and registered on GitHub."""

    algorithm: DeployKeyAlgorithm = "ecdsa-p384"
    rotation: str = "1"
    """Any string; changing it replaces the key, the GitHub deploy key and the Secret."""


class Source:
    """What every repository source says about image automation (GitSource, TenantSource)."""

    repository: str
    branch: str
    image_automation: bool
    image_automation_branch: str | None


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
class OciSource:
    """An OCI artifact a layer applies (an OCIRepository named after the layer)."""

    url: str
    tag: str | None = None
    semver: str | None = None
    digest: str | None = None
    interval: str = "5m"
    timeout: str = "60s"
    secret_ref: str | None = None
    verify_signatures: bool = False
    verify_provider: Literal["cosign", "notation"] = "cosign"
    verify_secret: str | None = None
    verify_identities: tuple[OidcIdentity, ...] = ()
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    """Registry authentication (the fleet's artifact; layers use generic)."""


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


@dataclass(frozen=True, kw_only=True)
class ChartSource:
    """How a Helm repository's charts reach helm-controller: a HelmRepository (default), or
    with `chart_ref` an OCIRepository per release and the release's spec.chartRef."""

    chart_ref: bool = False
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    verify_signatures: bool = False
    verify_provider: Literal["cosign", "notation"] = "cosign"
    verify_secret: str | None = None
    verify_identities: tuple[OidcIdentity, ...] = ()


@dataclass(frozen=True)
class HelmRepository(ChartSource):
    name: str
    url: str
    """oci://... (preferred) or https://..."""
    interval: str = "1h"

    @property
    def is_oci(self) -> bool:
        return self.url.startswith("oci://")


@dataclass(frozen=True, kw_only=True)
class _Release:
    """What every HelmRelease of a spec says, the platform's and a tenant's."""

    name: str
    repository: str
    """Name of a HelmRepository beside it (the spec's, or the tenant's own)."""
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
    """Names of other HelmReleases beside it."""
    suspend: bool = False
    annotations: tuple[tuple[str, str], ...] = ()
    digest: str | None = None
    """Chart artifact digest (a repository with chart_ref)."""

    @property
    def values(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.values_json)
        return parsed


@dataclass(frozen=True, kw_only=True)
class HelmRelease(_Release):
    namespace: str
    """Namespace the release installs into (targetNamespace); the HelmRelease object itself
    lives in flux-system beside its HelmRepository."""
    create_namespace: bool = True


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
class OidcIdentity:
    issuer: str
    subject: str


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
class TenantHelmRepository(ChartSource):
    name: str
    url: str
    interval: str = "1h"
    secret_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class TenantHelmRelease(_Release):
    """A tenant's own HelmRelease: in the tenant's namespace, run as its service account."""


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


@dataclass(frozen=True)
class Sync:
    """Timing of the root Kustomization `flux-system`."""

    interval: str = "10m"
    retry_interval: str = "2m"
    timeout: str = "5m"
    wait: bool = True


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
class ImageRepository:
    name: str
    image: str
    interval: str = "5m"
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    secret_ref: str | None = None


@dataclass(frozen=True)
class ImagePolicy:
    name: str
    repository: str
    semver: str | None = None
    alphabetical: Literal["asc", "desc"] | None = None
    numerical: Literal["asc", "desc"] | None = None
    filter_pattern: str | None = None
    filter_extract: str | None = None


@dataclass(frozen=True)
class ImageUpdate:
    interval: str = "30m"
    path: str | None = None
    strategy: Literal["Setters"] = "Setters"
    author_name: str = "fluxcdbot"
    author_email: str = "fluxcdbot@users.noreply.github.com"
    message_template: str | None = None
    signing_key_secret: str | None = None
    signing_key_type: Literal["gpg", "ssh"] = "gpg"


@dataclass(frozen=True)
class ImageAutomation:
    """ImageRepositories, ImagePolicies and the fleet's ImageUpdateAutomation."""

    repositories: tuple[ImageRepository, ...] = ()
    policies: tuple[ImagePolicy, ...] = ()
    update: ImageUpdate = field(default_factory=ImageUpdate)


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
