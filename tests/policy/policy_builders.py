"""Hand-built PolicyObjects for rule tests (the shapes the program and renderer produce)."""

from __future__ import annotations

from typing import Any

from fluxform.policy.model import PolicyObject

SRC = "source.toolkit.fluxcd.io/v1"
KUS = "kustomize.toolkit.fluxcd.io/v1"
HELM = "helm.toolkit.fluxcd.io/v2"
NOTE = "notification.toolkit.fluxcd.io/v1"
RBAC = "rbac.authorization.k8s.io/v1"


def k8s(kind: str, api: str, ns: str, name: str, spec: dict[str, Any] | None = None,
        origin: str = "pulumi", annotations: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None, **extra: Any) -> PolicyObject:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    if annotations:
        meta["annotations"] = annotations
    if labels:
        meta["labels"] = labels
    props = {"apiVersion": api, "kind": kind, "metadata": meta, **extra}
    if spec is not None:
        props["spec"] = spec
    subject = (f"urn:pulumi:dev::fluxform::kubernetes:{api}:{kind}::{ns}-{name}"
               if origin == "pulumi" else f"{kind}/{ns}/{name}")
    return PolicyObject(f"kubernetes:{api}:{kind}", subject, name, props, origin)  # type: ignore[arg-type]


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def kust(ns: str = "team-a", name: str = "apps", **spec: Any) -> PolicyObject:
    base = {"interval": "5m", "timeout": "2m", "retryInterval": "1m", "prune": True,
            "path": "./", "sourceRef": {"kind": "GitRepository", "name": name},
            "serviceAccountName": "flux-reconciler"}
    return k8s("Kustomization", KUS, ns, name, drop_none({**base, **spec}))


def release(version: Any = "1.2.3", ns: str = "flux-system", name: str = "web",
            **spec: Any) -> PolicyObject:
    chart = drop_none({"chart": "c", "version": version,
                       "sourceRef": {"kind": "HelmRepository", "name": "r"}})
    base = {"interval": "10m", "timeout": "5m", "serviceAccountName": "helm-controller",
            "chart": {"spec": chart}, "install": {"remediation": {"retries": 3}},
            "upgrade": {"remediation": {"retries": 3}}}
    return k8s("HelmRelease", HELM, ns, name, drop_none({**base, **spec}))


def git(ns: str = "flux-system", name: str = "fleet", **spec: Any) -> PolicyObject:
    base = {"interval": "5m", "url": f"ssh://git@github.com/acme/{name}", "ref": {"branch": "main"}}
    return k8s("GitRepository", SRC, ns, name, drop_none({**base, **spec}))


def helm_repo(**spec: Any) -> PolicyObject:
    return k8s("HelmRepository", SRC, "flux-system", "charts",
               drop_none({"interval": "1h", "url": "https://charts.example.com", **spec}))


def receiver(**spec: Any) -> PolicyObject:
    base = {"type": "github", "events": ["push"], "secretRef": {"name": "receiver-token"},
            "resources": [{"kind": "GitRepository", "name": "fleet"}]}
    return k8s("Receiver", NOTE, "flux-system", "github", drop_none({**base, **spec}))


def binding(kind: str, role: str, ns: str = "team-a", subject_ns: str = "team-a") -> PolicyObject:
    return k8s(kind, RBAC, ns if kind == "RoleBinding" else "", "reconciler",
               roleRef={"apiGroup": RBAC.split("/")[0], "kind": "ClusterRole", "name": role},
               subjects=[{"kind": "ServiceAccount", "name": "flux-reconciler",
                          "namespace": subject_ns}])


def token(length: Any) -> PolicyObject:
    return PolicyObject("random:index/randomBytes:RandomBytes",
                        "urn:pulumi:dev::fluxform::random:index/randomBytes:RandomBytes::receiver-token",
                        "receiver-token", {"length": length})


def deploy_key(read_only: bool | None, repo: str = "apps") -> PolicyObject:
    props = drop_none({"readOnly": read_only, "repository": repo, "title": "flux"})
    return PolicyObject("github:index/repositoryDeployKey:RepositoryDeployKey",
                        f"urn:pulumi:dev::fluxform::github:index/repositoryDeployKey:RepositoryDeployKey::{repo}-key",
                        f"{repo}-key", props)


def image_automation(push: str | None, checkout: str = "main") -> PolicyObject:
    git_spec: dict[str, Any] = {"checkout": {"ref": {"branch": checkout}}}
    if push:
        git_spec["push"] = {"branch": push}
    return k8s("ImageUpdateAutomation", "image.toolkit.fluxcd.io/v1beta2", "flux-system", "fleet",
               {"interval": "30m", "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                "git": git_spec})


SUSPEND_NOTES = {"fluxform.io/suspended-by": "ops@acme", "fluxform.io/suspend-reason": "INC-42"}


def pulumi_helm(version: str | None, chart: str = "flux2",
                repo: str | None = "https://fluxcd-community.github.io/helm-charts") -> PolicyObject:
    """A `kubernetes:helm.sh/v3:Release` like the one that installs Flux."""
    props = drop_none({"chart": chart, "version": version, "namespace": "flux-system",
                       "repositoryOpts": {"repo": repo} if repo else None})
    return PolicyObject("kubernetes:helm.sh/v3:Release",
                        "urn:pulumi:dev::fluxform::fluxform:index:FluxBootstrap$kubernetes:helm.sh/v3:Release::flux",
                        "flux", props)


def alert(*sources: dict[str, str], ns: str = "team-a") -> PolicyObject:
    return k8s("Alert", "notification.toolkit.fluxcd.io/v1beta3", ns, "alerts",
               {"providerRef": {"name": "slack"}, "eventSources": list(sources)})
