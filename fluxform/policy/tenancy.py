"""Tenant isolation rules: tenants reconcile as themselves, stay in their namespace, and their
namespaces are hardened (Pod Security, default-deny network, container defaults under a quota)."""

from __future__ import annotations

from typing import Any

from fluxform.policy.model import (
    FLUX_NAMESPACE,
    TENANT_LABEL,
    Context,
    Hits,
    PolicyObject,
    absent,
    missing,
    of,
    sub,
    text,
)

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


POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
_QUOTA_REQUESTS = ("cpu", "memory", "ephemeral-storage")


def _tenant_namespaces(objs: list[PolicyObject]) -> list[PolicyObject]:
    """Namespaces labelled toolkit.fluxcd.io/tenant (what the Tenant component creates)."""
    out = []
    for o in of(objs, "Namespace"):
        labels = sub(o.props, "metadata", "labels")
        if isinstance(labels, dict) and TENANT_LABEL in labels:
            out.append(o)
    return out


def _ns_name(o: PolicyObject) -> str:
    return text(sub(o.props, "metadata", "name")) or o.name


def pod_security(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF021: a tenant namespace that enforces no Pod Security Standard level."""
    for o in _tenant_namespaces(objs):
        labels = sub(o.props, "metadata", "labels")
        if absent(labels, POD_SECURITY_LABEL):
            yield o.subject, (f"tenant namespace {_ns_name(o)} enforces no Pod Security Standard "
                              "(privileged and hostPath pods are admitted)")


def pod_security_level(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF022: a tenant namespace enforcing `baseline` or `privileged` rather than `restricted`."""
    for o in _tenant_namespaces(objs):
        level = text(sub(o.props, "metadata", "labels", POD_SECURITY_LABEL))
        if level is not None and level != "restricted":
            yield o.subject, (f"tenant namespace {_ns_name(o)} enforces Pod Security '{level}', "
                              "not 'restricted'")


def _denies_by_default(policy: PolicyObject) -> bool:
    """Selects every pod and restricts ingress (a policy with Ingress in its types)."""
    spec = policy.spec
    types = spec.get("policyTypes")
    return sub(spec, "podSelector") == {} and isinstance(types, list) and "Ingress" in types


def network_isolation(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF023: a tenant namespace without a default-deny NetworkPolicy (every pod, ingress)."""
    isolated = {p.namespace for p in of(objs, "NetworkPolicy") if _denies_by_default(p)}
    for o in _tenant_namespaces(objs):
        if _ns_name(o) not in isolated:
            yield o.subject, (f"tenant namespace {_ns_name(o)} has no default-deny NetworkPolicy "
                              "(any pod in the cluster can reach its pods)")


def _constrained(quota: PolicyObject) -> set[str]:
    """'requests' and/or 'limits' when the quota's hard list makes pods state them."""
    hard = sub(quota.spec, "hard")
    out = set()
    for key in hard if isinstance(hard, dict) else {}:
        if key in _QUOTA_REQUESTS or key.startswith("requests."):
            out.add("requests")
        elif key.startswith("limits."):
            out.add("limits")
    return out


def _defaults(limit_range: PolicyObject) -> set[str]:
    out = set()
    limits = limit_range.spec.get("limits")
    for item in limits if isinstance(limits, list) else []:
        if sub(item, "type") == "Container":
            if isinstance(sub(item, "defaultRequest"), dict) or isinstance(sub(item, "default"), dict):
                out.add("requests")  # a default limit is also the default request
            if isinstance(sub(item, "default"), dict):
                out.add("limits")
    return out


def container_defaults(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF024: a tenant ResourceQuota constraining requests/limits with no LimitRange defaults."""
    defaults: dict[str, set[str]] = {}
    for lr in of(objs, "LimitRange"):
        defaults.setdefault(lr.namespace, set()).update(_defaults(lr))
    for quota in of(objs, "ResourceQuota"):
        if not ctx.is_tenant(quota):
            continue
        missing_defaults = sorted(_constrained(quota) - defaults.get(quota.namespace, set()))
        if missing_defaults:
            yield quota.subject, (f"{quota.label} constrains {' and '.join(missing_defaults)} but no "
                                  "LimitRange gives containers defaults (pods without them fail admission)")
