"""Small hand-made resources and graphs for plan tests (no Pulumi program involved)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fluxform.diff import compute_plan
from fluxform.findings import Finding
from fluxform.graph import Graph, Resource
from fluxform.plan import Plan

NS = "kubernetes:core/v1:Namespace"
CM = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
SA = "kubernetes:core/v1:ServiceAccount"
DEPLOY = "kubernetes:apps/v1:Deployment"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
GITREPO = "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository"
KUST = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"
KUST_BETA = "kubernetes:kustomize.toolkit.fluxcd.io/v1beta2:Kustomization"
HR = "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease"
HR_BETA = "kubernetes:helm.toolkit.fluxcd.io/v2beta2:HelmRelease"
ALERT = "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert"
RECEIVER = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
RELEASE = "kubernetes:helm.sh/v3:Release"
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
TLS_KEY = "tls:index/privateKey:PrivateKey"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
K8S_PROVIDER = "pulumi:providers:kubernetes"


def urn(type_: str, name: str, parents: str = "") -> str:
    chain = f"{parents}${type_}" if parents else type_
    return f"urn:pulumi:prod::fluxform::{chain}::{name}"


def res(type_: str, name: str, inputs: dict[str, Any] | None = None, *, parents: str = "",
        **extra: Any) -> Resource:
    return Resource(urn=urn(type_, name, parents), type=type_, name=name, inputs=inputs or {},
                    **extra)


def k8s(type_: str, name: str, namespace: str | None = None, *, obj_name: str | None = None,
        spec: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """Inputs of a Kubernetes object of `type_` (apiVersion and kind from the token)."""
    _, api, kind = type_.split(":")
    api = api.removeprefix("core/")
    meta: dict[str, Any] = {"name": obj_name or name}
    if namespace is not None:
        meta["namespace"] = namespace
    out: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta, **top}
    if spec is not None:
        out["spec"] = spec
    return out


CLUSTER_SCOPED = frozenset({NS, CRD, CRB, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"})


def obj(type_: str, name: str, namespace: str | None = "apps", **kwargs: Any) -> Resource:
    """A Kubernetes object resource (cluster-scoped kinds get no namespace)."""
    namespace = None if type_ in CLUSTER_SCOPED else namespace
    extra = {k: kwargs.pop(k) for k in ("provider", "replace_on_changes", "replacement_trigger",
                                        "delete_before_replace", "parents") if k in kwargs}
    return res(type_, name, k8s(type_, name, namespace, **kwargs), **extra)


def graph(resources: Iterable[Resource]) -> Graph:
    return Graph("fluxform", "prod", {r.urn: r for r in resources})


def plan_of(before: Iterable[Resource] | None, after: Iterable[Resource],
            findings: Iterable[Finding] = (), baseline: str = "test") -> Plan:
    return compute_plan(graph(before) if before is not None else None, graph(after),
                        tuple(findings), baseline=baseline)


def one(before: Resource | None, after: Resource | None) -> Plan:
    """The plan of a single resource going from `before` to `after` (None: absent)."""
    return plan_of([before] if before else [], [after] if after else [])
