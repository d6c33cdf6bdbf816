"""Risk flags: changes that deserve a reviewer's attention beyond their operation.

Each rule is a small function over one resource's change (with its before and after
resource); `annotate` runs them all and adds the one cross-resource rule, R-URN-MOVE, which
pairs a deleted and a created resource that are the same Kubernetes object. CODES is the
documented list (docs/plan-format.md); a code never changes meaning once published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fluxform.graph import Resource, get_path, is_marker
from fluxform.plan import Op, ResourceChange, Risk

CODES: Mapping[str, str] = {
    "R-REPLACE": "a resource is replaced (deleted and created again)",
    "R-DEPLOY-KEY": "a deploy key, its private key or a Git credentials Secret is replaced or deleted",
    "R-DELETE-NAMESPACE": "a Namespace is deleted, and everything in it with it",
    "R-PRUNE-ON": "a Kustomization turns prune on: objects removed from Git get deleted",
    "R-SUSPEND": "a Flux reconciler or source is suspended",
    "R-TENANT-SA": "a tenant Kustomization/HelmRelease loses spec.serviceAccountName",
    "R-ROLEREF": "a RoleBinding/ClusterRoleBinding changes roleRef",
    "R-API-DOWNGRADE": "a Flux object moves to an older API version",
    "R-URN-MOVE": "one Kubernetes object is deleted under one URN and created under another",
}

DEPLOY_KEY_TYPES = frozenset({"github:index/repositoryDeployKey:RepositoryDeployKey",
                              "tls:index/privateKey:PrivateKey"})
CREDENTIAL_OWNERS = frozenset({"fluxform:index:DeployKey"})
SUSPENDABLE = frozenset({"Kustomization", "HelmRelease", "GitRepository", "OCIRepository",
                         "HelmRepository", "Bucket", "HelmChart"})
TENANT_RECONCILERS = frozenset({"Kustomization", "HelmRelease"})
CONTROL_NAMESPACE = "flux-system"
# API group -> versions, oldest first; moving left is a downgrade.
API_ORDER: Mapping[str, tuple[str, ...]] = {
    "source.toolkit.fluxcd.io": ("v1alpha1", "v1beta1", "v1beta2", "v1"),
    "kustomize.toolkit.fluxcd.io": ("v1alpha1", "v1beta1", "v1beta2", "v1"),
    "helm.toolkit.fluxcd.io": ("v2alpha1", "v2beta1", "v2beta2", "v2"),
    "notification.toolkit.fluxcd.io": ("v1alpha1", "v1beta1", "v1beta2", "v1beta3", "v1"),
    "image.toolkit.fluxcd.io": ("v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1"),
}

Rule = Callable[[ResourceChange, Resource | None, Resource | None], Iterator[Risk]]


def kind_of(res: Resource) -> str:
    return res.type.rsplit(":", 1)[-1]


def _is_credentials(res: Resource) -> bool:
    """A Git credentials Secret: created by a DeployKey component, or holding `identity`."""
    if res.type != "kubernetes:core/v1:Secret":
        return False
    owners = res.urn.split("::")[2].split("$")[:-1] if res.urn.count("::") >= 3 else []
    if CREDENTIAL_OWNERS.intersection(owners):
        return True
    return any(isinstance(data, dict) and not is_marker(data) and "identity" in data
               for data in (res.inputs.get("stringData"), res.inputs.get("data")))


def api_version(res: Resource) -> tuple[str, str]:
    """(group, version) from the inputs' apiVersion, else from the type token."""
    raw = res.inputs.get("apiVersion")
    api = raw if isinstance(raw, str) else res.type.split(":")[1] if res.type.count(":") >= 2 else ""
    group, _, version = api.rpartition("/")
    return group, version


def _downgrade(before: Resource, after: Resource) -> str | None:
    (group, old), (new_group, new) = api_version(before), api_version(after)
    order = API_ORDER.get(group)
    if group != new_group or not order or old not in order or new not in order:
        return None
    return f"{group} {old} -> {new}" if order.index(new) < order.index(old) else None


def _replaced(change: ResourceChange, before: Resource | None,
              after: Resource | None) -> Iterator[Risk]:
    if change.op is not Op.REPLACE or before is None or after is None:
        return
    same_object = before.k8s_identity is not None and before.k8s_identity == after.k8s_identity
    order = ("the old one is deleted first (same name), so it is briefly absent"
             if after.delete_before_replace or same_object
             else "the new one is created before the old one is deleted")
    why = "; ".join(change.replace_reasons)
    yield Risk("R-REPLACE", f"{change.display} will be replaced ({why}); {order}")


def _credentials(change: ResourceChange, before: Resource | None,
                 after: Resource | None) -> Iterator[Risk]:
    res = before or after
    if change.op not in (Op.REPLACE, Op.DELETE) or res is None:
        return
    if res.type in DEPLOY_KEY_TYPES or _is_credentials(res):
        effect = ("Flux cannot fetch until the new key is registered and the Secret updated"
                  if change.op is Op.REPLACE else "Flux can no longer fetch with it")
        yield Risk("R-DEPLOY-KEY", f"{change.display}: Git credentials {change.op.value}d; {effect}")


def _namespace(change: ResourceChange, before: Resource | None,
               after: Resource | None) -> Iterator[Risk]:
    if change.op is Op.DELETE and before is not None and before.type == "kubernetes:core/v1:Namespace":
        yield Risk("R-DELETE-NAMESPACE",
                   f"{change.display}: deleting the namespace deletes every object in it")


def _turned_on(before: Resource, after: Resource, key: str) -> bool:
    return (get_path(after.inputs, ("spec", key)) is True
            and get_path(before.inputs, ("spec", key)) is not True)


def _flux_switches(change: ResourceChange, before: Resource | None,
                   after: Resource | None) -> Iterator[Risk]:
    kind = kind_of(after) if after is not None else ""
    if before is None or after is None or kind not in SUSPENDABLE:
        return
    if kind == "Kustomization" and _turned_on(before, after, "prune"):
        yield Risk("R-PRUNE-ON",
                   f"{change.display}: prune turned on; objects removed from Git will be deleted")
    if kind in SUSPENDABLE and _turned_on(before, after, "suspend"):
        yield Risk("R-SUSPEND", f"{change.display}: suspended; Flux stops reconciling it")
    namespace = get_path(after.inputs, ("metadata", "namespace"))
    if (kind in TENANT_RECONCILERS and namespace != CONTROL_NAMESPACE
            and get_path(before.inputs, ("spec", "serviceAccountName"))
            and not get_path(after.inputs, ("spec", "serviceAccountName"))):
        yield Risk("R-TENANT-SA", f"{change.display}: tenant reconciler loses serviceAccountName "
                                  "and would run with the controller's own permissions")


def _role_ref(change: ResourceChange, before: Resource | None,
              after: Resource | None) -> Iterator[Risk]:
    if (before is not None and after is not None
            and kind_of(after) in ("RoleBinding", "ClusterRoleBinding")
            and before.inputs.get("roleRef") != after.inputs.get("roleRef")):
        old, new = (_ref_name(r.inputs.get("roleRef")) for r in (before, after))
        yield Risk("R-ROLEREF", f"{change.display}: roleRef changes from {old} to {new}")


def _ref_name(ref: Any) -> str:
    if isinstance(ref, dict) and not is_marker(ref):
        return f"{ref.get('kind', '?')}/{ref.get('name', '?')}"
    return "(unknown)"


def _api(change: ResourceChange, before: Resource | None,
         after: Resource | None) -> Iterator[Risk]:
    if (before is not None and after is not None
            and before.inputs.get("apiVersion") != after.inputs.get("apiVersion")
            and (what := _downgrade(before, after))):
        yield Risk("R-API-DOWNGRADE", f"{change.display}: API version downgrade ({what})")


_CHANGED = frozenset({Op.UPDATE, Op.REPLACE})
# Each rule with the operations it can fire on (the others skip it without a call).
RULES: tuple[tuple[frozenset[Op], Rule], ...] = (
    (frozenset({Op.REPLACE}), _replaced),
    (frozenset({Op.REPLACE, Op.DELETE}), _credentials),
    (frozenset({Op.DELETE}), _namespace),
    (_CHANGED, _flux_switches),
    (_CHANGED, _role_ref),
    (_CHANGED, _api),
)


def _moves(changes: list[ResourceChange], old: Mapping[str, Resource],
           new: Mapping[str, Resource]) -> dict[str, list[Risk]]:
    """Creates that are the same Kubernetes object as a delete (kind, namespace, name)."""
    deleted: dict[tuple[str, str, str], Resource] = {}
    for c in changes:
        if c.op is Op.DELETE and (ident := old[c.urn].k8s_identity) is not None:
            deleted[ident] = old[c.urn]
    found: dict[str, list[Risk]] = {}
    for c in changes if deleted else ():
        if c.op is not Op.CREATE or (ident := new[c.urn].k8s_identity) not in deleted:
            continue
        gone, res = deleted[ident], new[c.urn]
        where = f"{ident[1]}/{ident[2]}" if ident[1] else ident[2]
        risks = [Risk("R-URN-MOVE", f"{c.display}: same {ident[0]} {where} as deleted {gone.name}; "
                                    "without an alias Pulumi creates it before deleting the old "
                                    "resource, so the create fails or the delete removes it")]
        if what := _downgrade(gone, res):
            risks.append(Risk("R-API-DOWNGRADE", f"{c.display}: API version downgrade ({what})"))
        found[c.urn] = risks
    return found


def annotate(changes: list[ResourceChange], old: Mapping[str, Resource],
             new: Mapping[str, Resource]) -> list[ResourceChange]:
    """The same changes, each with its risk flags (no-ops have none)."""
    moves = _moves(changes, old, new)
    out = []
    for c in changes:
        if c.op is Op.NOOP:
            out.append(c)
            continue
        before, after = old.get(c.urn), new.get(c.urn)
        risks = [r for ops, rule in RULES if c.op in ops for r in rule(c, before, after)]
        risks += moves.get(c.urn, [])
        out.append(dataclasses.replace(c, risks=tuple(risks)) if risks else c)
    return out
