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
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "Provider": "notification.toolkit.fluxcd.io/v1beta3",
    "Alert": "notification.toolkit.fluxcd.io/v1beta3",
    "Receiver": "notification.toolkit.fluxcd.io/v1",
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
                   secret_name: str, verify_secret: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "url": url, "ref": {"branch": branch}, "interval": interval,
        "secretRef": {"name": secret_name}, "timeout": "60s",
    }
    if verify_secret:
        spec["verify"] = {"mode": "HEAD", "secretRef": {"name": verify_secret}}
    return flux_object("GitRepository", name, namespace, spec)


def kustomization(name: str, namespace: str, *, source: str, path: str, interval: str,
                  retry_interval: str = "2m", timeout: str = "5m", prune: bool = True,
                  wait: bool = True, suspend: bool = False,
                  depends_on: Iterable[tuple[str, str | None]] = (),
                  service_account: str | None = None, target_namespace: str | None = None,
                  annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": interval, "retryInterval": retry_interval, "timeout": timeout,
        "path": path, "prune": prune, "wait": wait,
        "sourceRef": {"kind": "GitRepository", "name": source},
    }
    _with(spec, dependsOn=[{"name": n, **({"namespace": ns} if ns else {})} for n, ns in depends_on],
          suspend=suspend, serviceAccountName=service_account, targetNamespace=target_namespace)
    return flux_object("Kustomization", name, namespace, spec, annotations)


def helm_repository(name: str, *, url: str, interval: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"url": url, "interval": interval}
    if url.startswith("oci://"):
        spec["type"] = "oci"
    return flux_object("HelmRepository", name, FLUX_NAMESPACE, spec)


def helm_release(name: str, *, target_namespace: str, repository: str, chart: str, version: str,
                 interval: str, chart_interval: str, timeout: str, retries: int,
                 values: Mapping[str, Any], depends_on: Iterable[str] = (),
                 create_namespace: bool = True, suspend: bool = False,
                 service_account: str | None = None,
                 annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A platform HelmRelease. It lives in flux-system beside its HelmRepository (so the
    lockdown flag --no-cross-namespace-refs holds) and installs into `target_namespace`."""
    spec: dict[str, Any] = {
        "interval": interval,
        "timeout": timeout,
        "releaseName": name,
        "targetNamespace": target_namespace,
        "storageNamespace": target_namespace,
        "chart": {"spec": {
            "chart": chart, "version": version, "interval": chart_interval,
            "sourceRef": {"kind": "HelmRepository", "name": repository},
        }},
        "install": {"createNamespace": create_namespace, "remediation": {"retries": retries}},
        "upgrade": {"remediation": {"retries": retries, "remediateLastFailure": True},
                    "cleanupOnFail": True},
    }
    _with(spec, values=dict(values), dependsOn=[{"name": d} for d in depends_on],
          suspend=suspend, serviceAccountName=service_account)
    return flux_object("HelmRelease", name, FLUX_NAMESPACE, spec, annotations)


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
