"""Pure builders for Flux objects (plain dicts). The single source of every Flux object.

Both the Pulumi components (which register these dicts as CustomResources) and the GitOps
renderer (which writes them to YAML) call these functions, so the two sides cannot disagree.
Only current API versions are emitted; they are declared once in API_VERSIONS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

API_VERSIONS: Mapping[str, str] = {
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "Provider": "notification.toolkit.fluxcd.io/v1beta3",
    "Alert": "notification.toolkit.fluxcd.io/v1beta3",
    "Receiver": "notification.toolkit.fluxcd.io/v1",
    "ImageRepository": "image.toolkit.fluxcd.io/v1",
    "ImagePolicy": "image.toolkit.fluxcd.io/v1",
    "ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
}

FLUX_NAMESPACE = "flux-system"
MANAGED_BY = {"app.kubernetes.io/managed-by": "fluxform"}

# Pinned GitHub SSH host keys (GitHub's published ed25519 and ECDSA keys). Pinned rather than
# fetched so the plan is offline and deterministic and a compromised lookup cannot inject a key.
GITHUB_KNOWN_HOSTS = (
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
    "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxk"
    "ZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=\n"
)


def flux_object(kind: str, name: str, namespace: str, spec: Mapping[str, Any],
                annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": API_VERSIONS[kind], "kind": kind, "metadata": metadata, "spec": dict(spec)}


def _with(spec: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """`spec` plus every optional field that is set (falsy values are left out)."""
    spec.update({key: value for key, value in optional.items() if value})
    return spec


def git_repository(name: str, namespace: str, *, url: str, branch: str, interval: str,
                   secret_name: str | None, verify_secret: str | None = None,
                   timeout: str = "60s") -> dict[str, Any]:
    """A GitRepository; `secret_name` None for a public https:// repository."""
    spec: dict[str, Any] = {"url": url, "ref": {"branch": branch}, "interval": interval, "timeout": timeout}
    if secret_name:
        spec["secretRef"] = {"name": secret_name}
    if verify_secret:
        spec["verify"] = {"mode": "HEAD", "secretRef": {"name": verify_secret}}
    return flux_object("GitRepository", name, namespace, spec)


def oci_repository(name: str, namespace: str, *, url: str, interval: str, timeout: str = "60s",
                   tag: str | None = None, semver: str | None = None, digest: str | None = None,
                   secret_name: str | None = None, verify_provider: str | None = None,
                   verify_secret: str | None = None,
                   verify_identities: Iterable[tuple[str, str]] = (), provider: str = "generic",
                   layer_media_type: str | None = None) -> dict[str, Any]:
    """An OCIRepository pinned by tag, semver or digest; `verify_provider` (cosign, notation)
    turns on signature verification with the keys in `verify_secret` or, for keyless cosign,
    against the OIDC (issuer, subject) identities. `provider` other than generic authenticates
    with the cloud's workload identity; `layer_media_type` selects that layer and keeps it as
    it is (operation copy: a Helm chart's tarball, for a HelmRelease's chartRef)."""
    ref = _with({}, tag=tag, semver=semver, digest=digest)
    spec: dict[str, Any] = {"url": url, "ref": ref, "interval": interval, "timeout": timeout}
    if secret_name:
        spec["secretRef"] = {"name": secret_name}
    if provider != "generic":
        spec["provider"] = provider
    if layer_media_type:
        spec["layerSelector"] = {"mediaType": layer_media_type, "operation": "copy"}
    if verify_provider:
        verify: dict[str, Any] = {"provider": verify_provider}
        if verify_secret:
            verify["secretRef"] = {"name": verify_secret}
        identities = [{"issuer": i, "subject": s} for i, s in verify_identities]
        if identities:
            verify["matchOIDCIdentity"] = identities
        spec["verify"] = verify
    return flux_object("OCIRepository", name, namespace, spec)


def kustomization(name: str, namespace: str, *, source: str, path: str, interval: str,
                  source_kind: str = "GitRepository",
                  retry_interval: str = "2m", timeout: str = "5m", prune: bool = True,
                  wait: bool = True, suspend: bool = False,
                  depends_on: Iterable[tuple[str, str | None]] = (),
                  service_account: str | None = None, target_namespace: str | None = None,
                  annotations: Mapping[str, str] | None = None,
                  health_checks: Iterable[Mapping[str, str]] = (),
                  patches: Iterable[Mapping[str, Any]] = (), components: Iterable[str] = (),
                  substitute: Mapping[str, str] | None = None,
                  substitute_from: Iterable[str] = (),
                  decryption_secret: str | None = None, decryption: bool = False) -> dict[str, Any]:
    """A Kustomization. `health_checks` are {apiVersion?, kind, name, namespace?} references,
    `patches` {patch, target?} items, `substitute_from` names of ConfigMaps in its namespace;
    `decryption` turns on SOPS (with the keys in `decryption_secret`, or none for cloud KMS
    through the controller's workload identity)."""
    spec: dict[str, Any] = {
        "interval": interval, "retryInterval": retry_interval, "timeout": timeout,
        "path": path, "prune": prune, "wait": wait,
        "sourceRef": {"kind": source_kind, "name": source},
    }
    post_build = _with({}, substitute=dict(substitute or {}),
                       substituteFrom=[{"kind": "ConfigMap", "name": n} for n in substitute_from])
    _with(spec, dependsOn=[{"name": n, **({"namespace": ns} if ns else {})} for n, ns in depends_on],
          suspend=suspend, serviceAccountName=service_account, targetNamespace=target_namespace,
          healthChecks=[dict(h) for h in health_checks], patches=[dict(p) for p in patches],
          components=list(components), postBuild=post_build)
    if decryption or decryption_secret:
        spec["decryption"] = _with({"provider": "sops"},
                                   secretRef={"name": decryption_secret} if decryption_secret else None)
    return flux_object("Kustomization", name, namespace, spec, annotations)


def image_repository(name: str, *, image: str, interval: str, provider: str = "generic",
                     secret_name: str | None = None, namespace: str = FLUX_NAMESPACE) -> dict[str, Any]:
    spec = _with({"image": image, "interval": interval},
                 secretRef={"name": secret_name} if secret_name else None)
    if provider != "generic":
        spec["provider"] = provider
    return flux_object("ImageRepository", name, namespace, spec)


def image_policy(name: str, *, repository: str, semver: str | None = None,
                 alphabetical: str | None = None, numerical: str | None = None,
                 filter_pattern: str | None = None, filter_extract: str | None = None,
                 namespace: str = FLUX_NAMESPACE) -> dict[str, Any]:
    """An ImagePolicy choosing by semver range, or alphabetical/numerical order (asc, desc)."""
    if semver is not None:
        policy: dict[str, Any] = {"semver": {"range": semver}}
    elif alphabetical is not None:
        policy = {"alphabetical": {"order": alphabetical}}
    elif numerical is not None:
        policy = {"numerical": {"order": numerical}}
    else:
        raise ValueError(f"image policy {name}: one of semver, alphabetical or numerical is needed")
    spec: dict[str, Any] = {"imageRepositoryRef": {"name": repository}, "policy": policy}
    if filter_pattern is not None:
        spec["filterTags"] = _with({"pattern": filter_pattern}, extract=filter_extract)
    return flux_object("ImagePolicy", name, namespace, spec)


def image_update_automation(name: str, *, source: str, interval: str, checkout_branch: str,
                            push_branch: str | None, author_name: str, author_email: str,
                            path: str, strategy: str = "Setters", message_template: str | None = None,
                            signing_key_secret: str | None = None, signing_key_type: str = "gpg",
                            namespace: str = FLUX_NAMESPACE) -> dict[str, Any]:
    """An ImageUpdateAutomation on a GitRepository: checks out `checkout_branch`, commits as the
    author (signed with the key in `signing_key_secret`) and pushes to `push_branch` (default:
    the checked-out branch).

    `signingKey.type` is written only for `ssh`: an OpenPGP key (`git.asc` in the Secret) is
    what a signingKey without type means, and the image-automation-controller of the pinned
    Flux (v1.0/v1.1; the vendored CRDs) has no `type` field at all (it came in v1.2)."""
    commit: dict[str, Any] = _with({"author": {"name": author_name, "email": author_email}},
                                   messageTemplate=message_template)
    if signing_key_secret:
        commit["signingKey"] = _with({"secretRef": {"name": signing_key_secret}},
                                     type=signing_key_type if signing_key_type != "gpg" else None)
    git: dict[str, Any] = {"checkout": {"ref": {"branch": checkout_branch}}, "commit": commit}
    if push_branch:
        git["push"] = {"branch": push_branch}
    spec = {"interval": interval, "sourceRef": {"kind": "GitRepository", "name": source},
            "git": git, "update": {"path": path, "strategy": strategy}}
    return flux_object("ImageUpdateAutomation", name, namespace, spec)


def config_map(name: str, namespace: str, data: Mapping[str, Any],
               labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A ConfigMap (core; Pulumi always applies it: it carries infrastructure's values)."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": {**MANAGED_BY, **(labels or {})}},
            "data": dict(data)}


def helm_repository(name: str, *, url: str, interval: str, namespace: str = FLUX_NAMESPACE,
                    secret_name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"url": url, "interval": interval}
    if url.startswith("oci://"):
        spec["type"] = "oci"
    if secret_name:
        spec["secretRef"] = {"name": secret_name}
    return flux_object("HelmRepository", name, namespace, spec)


def _release_spec(name: str, placement: Mapping[str, Any], install: Mapping[str, Any], *,
                  repository: str, chart: str, version: str, interval: str, chart_interval: str,
                  timeout: str, retries: int, chart_ref: tuple[str, str] | None = None) -> dict[str, Any]:
    """The spec every HelmRelease shares: timing, the chart from a HelmRepository beside it
    (or, with `chart_ref` (name, namespace), from that OCIRepository: spec.chartRef, which
    carries the version in its ref), and install/upgrade remediation; `placement` says where
    it installs or as whom it runs."""
    source: dict[str, Any] = {"chart": {"spec": {
        "chart": chart, "version": version, "interval": chart_interval,
        "sourceRef": {"kind": "HelmRepository", "name": repository},
    }}}
    if chart_ref is not None:
        source = {"chartRef": {"kind": "OCIRepository", "name": chart_ref[0], "namespace": chart_ref[1]}}
    return {
        "interval": interval,
        "timeout": timeout,
        "releaseName": name,
        **placement,
        **source,
        "install": {**install, "remediation": {"retries": retries}},
        "upgrade": {"remediation": {"retries": retries, "remediateLastFailure": True},
                    "cleanupOnFail": True},
    }


def helm_release(name: str, *, target_namespace: str, repository: str, chart: str, version: str,
                 interval: str, chart_interval: str, timeout: str, retries: int,
                 values: Mapping[str, Any], depends_on: Iterable[str] = (),
                 create_namespace: bool = True, suspend: bool = False,
                 service_account: str | None = None,
                 annotations: Mapping[str, str] | None = None,
                 chart_ref: bool = False) -> dict[str, Any]:
    """A platform HelmRelease. It lives in flux-system beside its HelmRepository (so the
    lockdown flag --no-cross-namespace-refs holds) and installs into `target_namespace`.
    With `chart_ref` its chart is the OCIRepository of its own name beside it."""
    spec = _release_spec(
        name, {"targetNamespace": target_namespace, "storageNamespace": target_namespace},
        {"createNamespace": create_namespace}, repository=repository, chart=chart,
        version=version, interval=interval, chart_interval=chart_interval, timeout=timeout,
        retries=retries, chart_ref=(name, FLUX_NAMESPACE) if chart_ref else None)
    _with(spec, values=dict(values), dependsOn=[{"name": d} for d in depends_on],
          suspend=suspend, serviceAccountName=service_account)
    return flux_object("HelmRelease", name, FLUX_NAMESPACE, spec, annotations)


def tenant_helm_release(name: str, namespace: str, *, service_account: str, repository: str,
                        chart: str, version: str, interval: str, chart_interval: str, timeout: str,
                        retries: int, values: Mapping[str, Any], depends_on: Iterable[str] = (),
                        suspend: bool = False,
                        annotations: Mapping[str, str] | None = None,
                        chart_ref: bool = False) -> dict[str, Any]:
    """A tenant's HelmRelease: in the tenant's namespace beside its HelmRepository (or, with
    `chart_ref`, the OCIRepository of its own name: the reference stays in the namespace),
    installed there (no targetNamespace) and run as the tenant's service account."""
    spec = _release_spec(
        name, {"serviceAccountName": service_account}, {}, repository=repository, chart=chart,
        version=version, interval=interval, chart_interval=chart_interval, timeout=timeout,
        retries=retries, chart_ref=(name, namespace) if chart_ref else None)
    _with(spec, values=dict(values), dependsOn=[{"name": d} for d in depends_on], suspend=suspend)
    return flux_object("HelmRelease", name, namespace, spec, annotations)


def notification_provider(name: str, *, type_: str, channel: str | None, address: str | None,
                          secret_name: str | None) -> dict[str, Any]:
    spec = _with({"type": type_}, channel=channel, address=address,
                 secretRef={"name": secret_name} if secret_name else None)
    return flux_object("Provider", name, FLUX_NAMESPACE, spec)


def event_sources(sources: Iterable[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    return [{"kind": k, "name": n, **({"namespace": ns} if ns else {})} for k, n, ns in sources]


def alert(name: str, *, provider: str, severity: str,
          sources: Iterable[tuple[str, str, str | None]], summary: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "providerRef": {"name": provider}, "eventSeverity": severity,
        "eventSources": event_sources(sources),
    }
    _with(spec, summary=summary)
    return flux_object("Alert", name, FLUX_NAMESPACE, spec)


def receiver(name: str, *, type_: str, events: Iterable[str],
             resources: Iterable[tuple[str, str, str | None]], secret_name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": type_, "resources": event_sources(resources), "secretRef": {"name": secret_name},
    }
    _with(spec, events=list(events))
    return flux_object("Receiver", name, FLUX_NAMESPACE, spec)


# Tenant namespace hardening: core Kubernetes objects (always applied by Pulumi, beside the
# namespace), built here so the component, the program and the tests share one shape.

POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
POD_SECURITY_LEVELS = ("restricted", "baseline", "privileged")
DEFAULT_DENY_POLICY = "default-deny"
LIMIT_RANGE_NAME = "tenant-defaults"


def pod_security_labels(level: str) -> dict[str, str]:
    """The namespace labels that enforce a Pod Security Standard level (at the latest version)."""
    if level not in POD_SECURITY_LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r} (one of {', '.join(POD_SECURITY_LEVELS)})")
    return {POD_SECURITY_LABEL: level, f"{POD_SECURITY_LABEL}-version": "latest"}


def network_policy(namespace: str, *, allow_same_namespace: bool = True,
                   ingress_from_namespaces: Iterable[str] = (), egress: str = "namespace",
                   labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The namespace's default-deny NetworkPolicy: every pod, ingress and (unless `egress` is
    `all`) egress denied except from/to the namespace's own pods (when allowed), the listed
    namespaces' pods (ingress), and cluster DNS (egress)."""
    own: list[dict[str, Any]] = [{"podSelector": {}}] if allow_same_namespace else []
    ingress_peers = own + [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
        for ns in ingress_from_namespaces]
    spec: dict[str, Any] = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                            "ingress": [{"from": ingress_peers}] if ingress_peers else []}
    if egress == "all":
        spec["egress"] = [{}]
    elif egress == "namespace":
        dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
        spec["egress"] = ([{"to": own}] if own else []) + [dns]
    else:
        raise ValueError(f"unknown egress mode {egress!r} (namespace or all)")
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": DEFAULT_DENY_POLICY, "namespace": namespace,
                         "labels": {**MANAGED_BY, **(labels or {})}},
            "spec": spec}


def limit_range(namespace: str, *, default_request: Mapping[str, str], default: Mapping[str, str],
                labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Container defaults, so pods without requests/limits are admitted under a quota."""
    limit: dict[str, Any] = {"type": "Container"}
    _with(limit, defaultRequest=dict(default_request), default=dict(default))
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": LIMIT_RANGE_NAME, "namespace": namespace,
                         "labels": {**MANAGED_BY, **(labels or {})}},
            "spec": {"limits": [limit]}}
