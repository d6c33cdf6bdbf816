"""Risk flags: changes that deserve a reviewer's attention beyond their operation."""

from __future__ import annotations

from collections.abc import Iterator

from fluxform.graph import Resource, get_path
from fluxform.plan import Op, ResourceChange, Risk

DEPLOY_KEY_TYPES = ("github:index/repositoryDeployKey:RepositoryDeployKey",
                    "tls:index/privateKey:PrivateKey")
RECONCILERS = ("Kustomization", "HelmRelease")
# group -> versions, oldest first; moving left is a downgrade
API_ORDER = {
    "source.toolkit.fluxcd.io": ["v1beta1", "v1beta2", "v1"],
    "kustomize.toolkit.fluxcd.io": ["v1beta1", "v1beta2", "v1"],
    "helm.toolkit.fluxcd.io": ["v2beta1", "v2beta2", "v2"],
    "notification.toolkit.fluxcd.io": ["v1beta1", "v1beta2", "v1beta3", "v1"],
}

CODES = {
    "R-REPLACE": "resource is replaced (deleted, then created)",
    "R-DELETE-NAMESPACE": "namespace deletion deletes everything in it",
    "R-DEPLOY-KEY": "deploy key or Git credentials replaced or deleted",
    "R-PRUNE-ON": "prune turned on: objects removed from Git will be deleted",
    "R-SUSPEND": "reconciliation suspended",
    "R-TENANT-SA": "tenant reconciler loses serviceAccountName (would run as the controller)",
    "R-ROLEREF": "RBAC roleRef changed",
    "R-API-DOWNGRADE": "Flux API version downgraded",
}


def _kind(res: Resource) -> str:
    return res.type.rsplit(":", 1)[-1]


def _is_credentials(res: Resource) -> bool:
    """A Git credentials Secret: one a DeployKey component owns, or one holding `identity`."""
    if res.type != "kubernetes:core/v1:Secret":
        return False
    data = res.inputs.get("stringData") or res.inputs.get("data") or {}
    parent_type = (res.parent or "").split("::")[2:3]  # urn:pulumi:stack::project::type::name
    owned = bool(parent_type) and parent_type[0].endswith("fluxform:index:DeployKey")
    return owned or (isinstance(data, dict) and "identity" in data)


def _version(res: Resource) -> tuple[str, str]:
    api = str(res.inputs.get("apiVersion") or res.type.split(":")[1])
    group, _, version = api.rpartition("/")
    return group, version


def risks_for(change: ResourceChange, before: Resource | None,
              after: Resource | None) -> Iterator[Risk]:
    name = change.display
    res = after or before
    assert res is not None
    if change.op is Op.REPLACE:
        yield Risk("R-REPLACE", f"{name} will be replaced: {'; '.join(change.replace_reasons)}")
    if change.op in (Op.REPLACE, Op.DELETE) and (res.type in DEPLOY_KEY_TYPES or _is_credentials(res)):
        effect = ("Flux loses access until the new key is registered and the Secret updated"
                  if change.op is Op.REPLACE else "Flux can no longer fetch with this key")
        yield Risk("R-DEPLOY-KEY", f"{name}: Git credentials {change.op.value}d; {effect}")
    if change.op is Op.DELETE and res.type == "kubernetes:core/v1:Namespace":
        yield Risk("R-DELETE-NAMESPACE", f"{name}: deleting the namespace deletes everything in it")
    if before is None or after is None:
        return
    kind = _kind(after)
    if kind in RECONCILERS:
        turned_on = {key: get_path(after.inputs, ("spec", key)) is True
                     and get_path(before.inputs, ("spec", key)) is not True
                     for key in ("prune", "suspend")}
        if turned_on["prune"]:
            yield Risk("R-PRUNE-ON", f"{name}: prune turned on; objects removed from Git will be deleted")
        if turned_on["suspend"]:
            yield Risk("R-SUSPEND", f"{name}: reconciliation suspended")
        ns = get_path(after.inputs, ("metadata", "namespace"))
        if (ns not in (None, "flux-system") and get_path(before.inputs, ("spec", "serviceAccountName"))
                and not get_path(after.inputs, ("spec", "serviceAccountName"))):
            yield Risk("R-TENANT-SA", f"{name}: tenant reconciler loses serviceAccountName")
    binding = kind in ("RoleBinding", "ClusterRoleBinding")
    if binding and before.inputs.get("roleRef") != after.inputs.get("roleRef"):
        yield Risk("R-ROLEREF", f"{name}: roleRef changes")
    gb, vb = _version(before)
    ga, va = _version(after)
    order = API_ORDER.get(ga)
    if order and gb == ga and vb in order and va in order and order.index(va) < order.index(vb):
        yield Risk("R-API-DOWNGRADE", f"{name}: {ga} {vb} -> {va} is a downgrade")
