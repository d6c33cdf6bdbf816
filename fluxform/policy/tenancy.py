"""Tenant isolation rules: tenants reconcile as themselves and stay in their namespace."""

from __future__ import annotations

from typing import Any

from fluxform.policy.model import FLUX_NAMESPACE, Context, Hits, PolicyObject, missing, of, sub, text

RECONCILERS = ("Kustomization", "HelmRelease")
SOURCES = ("GitRepository", "HelmRepository", "OCIRepository", "Bucket", "HelmChart")
BINDINGS = ("RoleBinding", "ClusterRoleBinding")
CLUSTER_ADMIN = "cluster-admin"


def service_account(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF001: a tenant Kustomization/HelmRelease without serviceAccountName runs as the controller."""
    for o in of(objs, *RECONCILERS):
        if ctx.is_tenant(o) and missing(o.props, "spec", "serviceAccountName"):
            yield o.subject, f"tenant {o.label} sets no serviceAccountName (runs as the controller)"


def _tenant_subjects(binding: PolicyObject, ctx: Context) -> list[str]:
    subjects = binding.props.get("subjects")
    out = []
    for s in subjects if isinstance(subjects, list) else []:
        ns = text(sub(s, "namespace"))
        if ns and (ns != FLUX_NAMESPACE or ns in ctx.tenant_namespaces):
            out.append(f"{ns}/{text(sub(s, 'name')) or '?'}")
    return out


def cluster_role_binding(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF002: a ClusterRoleBinding whose subject lives in a tenant namespace."""
    for o in of(objs, "ClusterRoleBinding"):
        tenants = _tenant_subjects(o, ctx)
        if tenants:
            yield o.subject, (f"ClusterRoleBinding {o.name} grants cluster-wide rights to tenant "
                              f"subject {', '.join(sorted(tenants))}")


def cluster_admin(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF003: a tenant bound to cluster-admin (by a binding in, or a subject from, a tenant namespace)."""
    for o in of(objs, *BINDINGS):
        if text(sub(o.props, "roleRef", "name")) != CLUSTER_ADMIN:
            continue
        if ctx.is_tenant(o) or _tenant_subjects(o, ctx):
            yield o.subject, f"{o.label} binds a tenant to cluster-admin"


def _refs(o: PolicyObject) -> list[tuple[str, Any]]:
    """(field, reference) for every field through which a Flux object names another object."""
    spec = o.spec
    refs = [
        ("sourceRef", spec.get("sourceRef")),
        ("chart.spec.sourceRef", sub(spec, "chart", "spec", "sourceRef")),
        ("chartRef", spec.get("chartRef")),
        ("secretRef", spec.get("secretRef")),
        ("kubeConfig.secretRef", sub(spec, "kubeConfig", "secretRef")),
        ("decryption.secretRef", sub(spec, "decryption", "secretRef")),
        ("providerRef", spec.get("providerRef")),
    ]
    for field in ("resources", "eventSources"):  # Receiver and Alert targets
        items = spec.get(field)
        refs += [(f"{field}[{i}]", item) for i, item in enumerate(items if isinstance(items, list) else [])]
    return refs


def cross_namespace(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF004: a tenant object referring to a source, secret or target outside its namespace."""
    for o in objs:
        if not o.is_kubernetes or not ctx.is_tenant(o):
            continue
        for field, ref in _refs(o):
            ns = text(sub(ref, "namespace"))
            if ns and ns != o.namespace:
                name = text(sub(ref, "name")) or "?"
                yield o.subject, f"tenant {o.label} {field} points at {ns}/{name} (another namespace)"
        if o.kind in RECONCILERS and o.spec.get("kubeConfig") is not None:
            yield o.subject, f"tenant {o.label} sets a kubeConfig (reaches beyond its namespace)"
