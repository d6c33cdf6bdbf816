"""Spec -> Flux objects. The one mapping used by the Pulumi program and the renderer.

`bootstrap_objects` are always Pulumi's (the root sync). `gitops_objects` are applied by
whoever `flux.delivery` names: Pulumi as CustomResources, or Flux from the fleet repository.
Secrets never appear here: objects reference them by name (see *_secret_name).
"""

from __future__ import annotations

from typing import Any

from components import flux_objects as fo
from fluxform.spec.model import (
    FLUX_NAMESPACE,
    GitSource,
    HealthCheck,
    HelmRelease,
    HelmRepository,
    Layer,
    OciSource,
    Patch,
    Spec,
    Tenant,
    TenantHelmRelease,
    TenantHelmRepository,
    TenantSource,
)
from fluxform.spec.model import TENANT_SECRET as TENANT_SECRET

ROOT_NAME = "flux-system"
FLEET_SECRET = "flux-system"
TENANT_SERVICE_ACCOUNT = "flux-reconciler"
"""The default reconciler account of a tenant (`tenants[].service_account`)."""
# Under lockdown (--default-service-account=default) platform reconcilers in flux-system name
# their controller's own service account explicitly, or they would run as `default`.
PLATFORM_ACCOUNTS = {"Kustomization": "kustomize-controller", "HelmRelease": "helm-controller"}


def platform_account(spec: Spec, kind: str) -> str | None:
    return PLATFORM_ACCOUNTS[kind] if spec.flux.multitenant_lockdown else None

CLUSTER_VARS = "cluster-vars"
"""The ConfigMap of cluster variables (flux-system, and a copy in each tenant namespace)."""
SOPS_SECRET = "sops-age"
"""The age decryption Secret fluxform provisions (flux-system, and per tenant with its own key)."""
SOPS_KEY = "age.agekey"
"""The Secret key kustomize-controller reads age identities from (any key ending in .agekey)."""
DECRYPTION_LABEL = {"fluxform.io/purpose": "sops-decryption"}


def cluster_vars(spec: Spec) -> dict[str, str]:
    """The literal cluster variables: name, environment, tier, then the spec's (sorted by name).
    Values the spec names from stack config are added by the program (`cluster_vars_config`)."""
    out = {"CLUSTER_NAME": spec.cluster.name, "CLUSTER_ENVIRONMENT": spec.cluster.environment,
           "CLUSTER_TIER": spec.cluster.tier}
    cv = spec.cluster_vars
    if cv is not None:
        for name, value in (("CLUSTER_REGION", cv.region), ("CLUSTER_DOMAIN", cv.domain),
                            ("INGRESS_CLASS", cv.ingress_class)):
            if value is not None:
                out[name] = value
        out.update(cv.values)
    return dict(sorted(out.items()))


def cluster_vars_config(spec: Spec) -> dict[str, str]:
    """Variable -> stack config key, for the values the program reads from stack config."""
    return dict(spec.cluster_vars.from_config) if spec.cluster_vars is not None else {}


def uses_cluster_vars(spec: Spec) -> bool:
    """Some layer or tenant substitutes from cluster-vars (the ConfigMap exists only then)."""
    return any(layer.cluster_vars for layer in spec.layers) or any(t.cluster_vars for t in spec.tenants)


def cluster_key_secret(spec: Spec) -> str | None:
    """The decryption Secret fluxform provisions in flux-system (None: no age key configured)."""
    return SOPS_SECRET if spec.sops is not None and spec.sops.age_key_config is not None else None


def tenant_key_config(tenant: Tenant) -> str | None:
    """The stack config key of the tenant's own age key, when fluxform provisions its Secret."""
    dec = tenant.decryption
    return dec.age_key_config if dec is not None else None


def _health(check: HealthCheck) -> dict[str, str]:
    out = {"kind": check.kind, "name": check.name}
    if check.api_version:
        out["apiVersion"] = check.api_version
    if check.namespace:
        out["namespace"] = check.namespace
    return out


def _patch(patch: Patch) -> dict[str, Any]:
    out: dict[str, Any] = {"patch": patch.patch}
    t = patch.target
    if t is not None:
        out["target"] = {key: value for key, value in (
            ("group", t.group), ("version", t.version), ("kind", t.kind), ("name", t.name),
            ("namespace", t.namespace), ("labelSelector", t.label_selector),
            ("annotationSelector", t.annotation_selector)) if value is not None}
    return out


def kustomize_options(spec: Spec, item: Layer | Tenant) -> dict[str, Any]:
    """Health checks, patches, components, substitutions and decryption of a layer or tenant,
    as fo.kustomization's keyword arguments. A tenant's ConfigMap and key live in its own
    namespace, so every reference stays inside it (--no-cross-namespace-refs)."""
    dec = item.decryption
    secret: str | None = None
    if dec is not None:
        if isinstance(item, Tenant):
            secret = dec.secret_ref or SOPS_SECRET
        else:
            secret = dec.secret_ref or cluster_key_secret(spec)
    return {
        "health_checks": [_health(h) for h in item.health_checks],
        "patches": [_patch(p) for p in item.patches],
        "components": list(item.components),
        "substitute": dict(item.substitute),
        "substitute_from": [CLUSTER_VARS] if item.cluster_vars else [],
        "decryption": dec is not None, "decryption_secret": secret,
    }


def oci_source(name: str, namespace: str, src: OciSource) -> dict[str, Any]:
    return fo.oci_repository(
        name, namespace, url=src.url, interval=src.interval, timeout=src.timeout, tag=src.tag,
        semver=src.semver, digest=src.digest, secret_name=src.secret_ref,
        verify_provider=src.verify_provider if src.verify_signatures else None,
        verify_secret=src.verify_secret,
        verify_identities=[(i.issuer, i.subject) for i in src.verify_identities],
        provider=src.provider)


HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
"""The media type of a Helm chart's layer in an OCI artifact (what `helm push` writes)."""


def chart_ref_ref(version: str) -> tuple[str | None, str | None]:
    """(tag, semver) of a chart_ref release's OCIRepository ref: an exact version is the tag
    it was pushed as, anything else a semver range (as helm-controller reads a HelmRepository
    chart's version). A digest, when given, pins the artifact whatever these say."""
    from fluxform.policy.versions import EXACT

    exact = EXACT.match(version) is not None
    return (version, None) if exact else (None, version)


def chart_source(release: HelmRelease | TenantHelmRelease, namespace: str,
                 repo: HelmRepository | TenantHelmRepository) -> dict[str, Any]:
    """The OCIRepository a chart_ref release takes its chart from: named after the release,
    beside it, `<repository url>/<chart>`, the chart layer kept as it is (operation copy)."""
    return fo.oci_repository(
        release.name, namespace, url=f"{repo.url.rstrip('/')}/{release.chart}",
        interval=release.chart_interval, tag=chart_ref_ref(release.version)[0],
        semver=chart_ref_ref(release.version)[1], digest=release.digest,
        secret_name=getattr(repo, "secret_ref", None),
        verify_provider=repo.verify_provider if repo.verify_signatures else None,
        verify_secret=repo.verify_secret,
        verify_identities=[(i.issuer, i.subject) for i in repo.verify_identities],
        provider=repo.provider, layer_media_type=HELM_CHART_LAYER)


KIND_RANK = {k: i for i, k in enumerate([
    "GitRepository", "OCIRepository", "HelmRepository", "Kustomization", "HelmRelease", "Provider", "Alert",
    "Receiver", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation",
])}


def provider_secret_name(provider: str) -> str:
    return f"{provider}-address"


def receiver_secret_name(receiver: str) -> str:
    return f"{receiver}-token"


def sort_key(obj: dict[str, Any]) -> tuple[int, str, str]:
    meta = obj["metadata"]
    return KIND_RANK.get(obj["kind"], 99), meta.get("namespace", ""), meta["name"]


def source_repository(name: str, namespace: str, src: GitSource, secret: str) -> dict[str, Any]:
    return fo.git_repository(name, namespace, url=src.url, branch=src.branch,
                             interval=src.interval, secret_name=secret, timeout=src.timeout,
                             verify_secret=src.verify_secret if src.verify_signatures else None)


def bootstrap_objects(spec: Spec) -> list[dict[str, Any]]:
    """The root source (the GitRepository, or for an OCI fleet the OCIRepository) and the root
    Kustomization in flux-system (always owned by Pulumi)."""
    sync = spec.sync
    fleet = spec.fleet
    root = (oci_source(ROOT_NAME, FLUX_NAMESPACE, fleet.oci) if fleet.oci is not None
            else source_repository(ROOT_NAME, FLUX_NAMESPACE, fleet, FLEET_SECRET))
    return [
        root,
        fo.kustomization(ROOT_NAME, FLUX_NAMESPACE, source=ROOT_NAME, source_kind=fleet.kind,
                         path=spec.fleet.path,
                         interval=sync.interval, retry_interval=sync.retry_interval,
                         timeout=sync.timeout, wait=sync.wait, prune=True,
                         service_account=platform_account(spec, "Kustomization")),
    ]


def tenant_source(name: str, namespace: str, src: TenantSource) -> dict[str, Any]:
    """The tenant's GitRepository or OCIRepository, referencing only the Secret it needs."""
    if src.type == "oci":
        return fo.oci_repository(
            name, namespace, url=src.fetch_url, interval=src.interval, timeout=src.timeout,
            tag=src.tag, semver=src.semver, digest=src.digest, secret_name=src.secret_ref,
            verify_provider=src.verify_provider if src.verify_signatures else None,
            verify_secret=src.verify_secret,
            verify_identities=[(i.issuer, i.subject) for i in src.verify_identities])
    return fo.git_repository(name, namespace, url=src.fetch_url, branch=src.branch,
                             interval=src.interval, timeout=src.timeout,
                             secret_name=src.credentials_secret,
                             verify_secret=src.verify_secret if src.verify_signatures else None)


def tenant_objects(spec: Spec, tenant: Tenant) -> list[dict[str, Any]]:
    """The tenant's source, Helm repositories and releases, and its Kustomization: all in its
    namespace, every reconciler running as its service account."""
    ns, account = tenant.namespace, tenant.service_account
    objs = [tenant_source(tenant.name, ns, tenant.source)]
    objs += [fo.helm_repository(r.name, url=r.url, interval=r.interval, namespace=ns,
                                secret_name=r.secret_ref)
             for r in tenant.helm_repositories if not r.chart_ref]
    repos = {r.name: r for r in tenant.helm_repositories}
    objs += [chart_source(r, ns, repos[r.repository]) for r in tenant.helm_releases
             if repos[r.repository].chart_ref]
    objs += [fo.tenant_helm_release(
        r.name, ns, service_account=account, repository=r.repository, chart=r.chart,
        version=r.version, interval=r.interval, chart_interval=r.chart_interval, timeout=r.timeout,
        retries=r.retries, values=r.values, depends_on=r.depends_on, suspend=r.suspend,
        annotations=dict(r.annotations), chart_ref=repos[r.repository].chart_ref)
        for r in tenant.helm_releases]
    objs.append(fo.kustomization(
        tenant.name, ns, source=tenant.name, source_kind=tenant.source.kind,
        path=tenant.source.path, interval=tenant.interval, retry_interval=tenant.retry_interval,
        timeout=tenant.timeout, wait=tenant.wait, prune=tenant.prune, suspend=tenant.suspend,
        depends_on=[(d, FLUX_NAMESPACE) for d in tenant.depends_on],
        service_account=account, target_namespace=ns, annotations=dict(tenant.annotations),
        **kustomize_options(spec, tenant),
    ))
    return objs


def tenant_hardening(tenant: Tenant) -> dict[str, Any]:
    """The namespace hardening of a tenant, as the Tenant component's args take it."""
    net = tenant.network_policy
    out: dict[str, Any] = {
        "pod_security": tenant.pod_security,
        "network_policy": {
            "allow_same_namespace": net.allow_same_namespace,
            "ingress_from_namespaces": list(net.ingress_from_namespaces), "egress": net.egress,
        } if net.enabled else None,
        "limit_range": {
            "default_request": dict(tenant.limit_range.default_request),
            "default": dict(tenant.limit_range.default),
        } if tenant.needs_limit_range else None,
    }
    return out


def layer_objects(spec: Spec) -> list[dict[str, Any]]:
    """Each layer's Kustomization, and the OCIRepository of a layer applied from an artifact."""
    out = [oci_source(layer.name, FLUX_NAMESPACE, layer.source)
           for layer in spec.layers if layer.source is not None]
    out += [
        fo.kustomization(
            layer.name, FLUX_NAMESPACE, path=layer.path, interval=layer.interval,
            source=layer.name if layer.source is not None else ROOT_NAME,
            source_kind="OCIRepository" if layer.source is not None else spec.fleet.kind,
            retry_interval=layer.retry_interval, timeout=layer.timeout, prune=layer.prune,
            wait=layer.wait, suspend=layer.suspend,
            depends_on=[(d, None) for d in layer.depends_on], annotations=dict(layer.annotations),
            service_account=platform_account(spec, "Kustomization"),
            **kustomize_options(spec, layer),
        )
        for layer in spec.layers
    ]
    return out


def helm_objects(spec: Spec) -> list[dict[str, Any]]:
    """HelmRepositories and HelmReleases; a release from a chart_ref repository gets its own
    OCIRepository instead (and the repository no HelmRepository)."""
    repos = [fo.helm_repository(r.name, url=r.url, interval=r.interval)
             for r in spec.helm_repositories if not r.chart_ref]
    by_name = {r.name: r for r in spec.helm_repositories}
    repos += [chart_source(r, FLUX_NAMESPACE, by_name[r.repository]) for r in spec.helm_releases
              if by_name[r.repository].chart_ref]
    releases = [
        fo.helm_release(
            r.name, target_namespace=r.namespace, repository=r.repository, chart=r.chart,
            version=r.version, interval=r.interval, chart_interval=r.chart_interval,
            timeout=r.timeout, retries=r.retries, values=r.values, depends_on=r.depends_on,
            create_namespace=r.create_namespace, suspend=r.suspend,
            service_account=platform_account(spec, "HelmRelease"), annotations=dict(r.annotations),
            chart_ref=by_name[r.repository].chart_ref,
        )
        for r in spec.helm_releases
    ]
    return repos + releases


def notification_objects(spec: Spec) -> list[dict[str, Any]]:
    n = spec.notifications
    out = [
        fo.notification_provider(
            p.name, type_=p.type, channel=p.channel, address=p.address,
            secret_name=provider_secret_name(p.name) if p.secret_config else None)
        for p in n.providers
    ]
    out += [fo.alert(a.name, provider=a.provider, severity=a.severity,
                     sources=[(s.kind, s.name, s.namespace) for s in a.sources], summary=a.summary)
            for a in n.alerts]
    out += [fo.receiver(r.name, type_=r.type, events=r.events,
                        resources=[(s.kind, s.name, s.namespace) for s in r.resources],
                        secret_name=receiver_secret_name(r.name))
            for r in n.receivers]
    return out


def image_objects(spec: Spec) -> list[dict[str, Any]]:
    """ImageRepositories, ImagePolicies and the fleet's ImageUpdateAutomation `flux-system`:
    it checks out the synced branch and pushes to `fleet.image_automation_branch`, with the
    fleet's read-write deploy key (the only read-write one; the loader requires
    fleet.image_automation)."""
    images = spec.image_automation
    if images is None:
        return []
    out = [fo.image_repository(r.name, image=r.image, interval=r.interval, provider=r.provider,
                               secret_name=r.secret_ref) for r in images.repositories]
    out += [fo.image_policy(p.name, repository=p.repository, semver=p.semver, alphabetical=p.alphabetical,
                            numerical=p.numerical, filter_pattern=p.filter_pattern,
                            filter_extract=p.filter_extract) for p in images.policies]
    u = images.update
    out.append(fo.image_update_automation(
        ROOT_NAME, source=ROOT_NAME, interval=u.interval, checkout_branch=spec.fleet.branch,
        push_branch=spec.fleet.image_automation_branch, author_name=u.author_name,
        author_email=u.author_email, path=u.path or spec.fleet.path, strategy=u.strategy,
        message_template=u.message_template, signing_key_secret=u.signing_key_secret,
        signing_key_type=u.signing_key_type))
    return out


def gitops_objects(spec: Spec) -> list[dict[str, Any]]:
    """Every Flux object whose owner `flux.delivery` chooses, in a fixed order."""
    objs = layer_objects(spec) + helm_objects(spec) + notification_objects(spec) + image_objects(spec)
    for tenant in spec.tenants:
        objs += tenant_objects(spec, tenant)
    return sorted(objs, key=sort_key)
