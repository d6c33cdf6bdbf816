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
from fluxform.replacement import config_targets

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
    "R-ALREADY-EXISTS": ("a same-named Kubernetes object is replaced create-before-delete: "
                         "the create fails"),
    "R-PRUNE-CASCADE": ("a Kustomization with prune, or a HelmRelease, is deleted: "
                        "Flux deletes what it applied"),
    "R-PROVIDER-TARGET": ("a provider's target changes but its resources are not replaced: "
                          "they stay where they are"),
    "R-DECRYPTION-KEY": ("a SOPS decryption key Secret is replaced, changed or deleted: Secrets "
                         "encrypted for the old key no longer decrypt"),
    "R-OCI-VERIFY-OFF": "an OCIRepository stops verifying signatures (spec.verify removed)",
    "R-SOURCE-KIND": ("a Kustomization's source changes kind (GitRepository <-> OCIRepository): the old "
                      "source is deleted, a new one created, and what it applies is replaced by the "
                      "new source's content"),
    "R-IMAGE-AUTOMATION-ON": ("image automation is turned on: a controller commits image updates to "
                              "the fleet repository"),
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
    order = ("the old one is deleted first, so it is briefly absent"
             if change.delete_before_replace
             else "the new one is created before the old one is deleted")
    why = "; ".join(change.replace_reasons)
    yield Risk("R-REPLACE", f"{change.display} will be replaced ({why}); {order}")


def _already_exists(change: ResourceChange, before: Resource | None,
                    after: Resource | None) -> Iterator[Risk]:
    """A create-before-delete replacement of a Kubernetes object that keeps its name and
    namespace on the same cluster: the create meets the old object (AlreadyExists). It
    happens when the provider's Diff is not asked (a replacement trigger; step_generator.go,
    generateStepsFromDiff) and the resource does not set deleteBeforeReplace."""
    if (change.op is not Op.REPLACE or change.delete_before_replace or before is None
            or after is None or before.k8s_identity is None
            or before.k8s_identity != after.k8s_identity
            or any(r.startswith("provider") for r in change.replace_reasons)):
        return
    kind, namespace, name = after.k8s_identity
    where = f"{namespace}/{name}" if namespace else name
    yield Risk("R-ALREADY-EXISTS",
               f"{change.display}: {kind} {where} is created before the old one is deleted, so "
               "`pulumi up` fails with AlreadyExists (hint: set deleteBeforeReplace on it)")


def _prune_cascade(change: ResourceChange, before: Resource | None,
                   after: Resource | None) -> Iterator[Risk]:
    """Deleting a Kustomization with `spec.prune` (or a HelmRelease, which helm-controller
    uninstalls) makes Flux's finalizer delete everything it applied."""
    if change.op not in (Op.DELETE, Op.REPLACE) or before is None:
        return
    kind = kind_of(before)
    if kind == "Kustomization" and get_path(before.inputs, ("spec", "prune")) is True:
        what = "every object it applied (prune is on)"
    elif kind == "HelmRelease":
        what = "its Helm release (helm-controller uninstalls it)"
    else:
        return
    verb = "deleting" if change.op is Op.DELETE else "replacing (deleting)"
    yield Risk("R-PRUNE-CASCADE", f"{change.display}: {verb} it makes Flux delete {what}")


# The key resources of one generation of a DeployKey component (components/deploy_key.py):
# type -> role in the name `<component>-<role>-<generation>`.
GENERATION_ROLES: Mapping[str, str] = {"tls:index/privateKey:PrivateKey": "key",
                                       "github:index/repositoryDeployKey:RepositoryDeployKey": "github"}


def _generation_slot(res: Resource) -> tuple[str, str] | None:
    """(component URN, type) when `res` is one key generation of a DeployKey component:
    parented by the component and named `<component>-<role>-<generation>`; None otherwise."""
    role = GENERATION_ROLES.get(res.type)
    parts = (res.parent or "").split("::", 3)
    if role is None or len(parts) < 4 or parts[2].rpartition("$")[2] not in CREDENTIAL_OWNERS:
        return None
    prefix = f"{parts[3]}-{role}-"
    if len(res.name) <= len(prefix) or not res.name.startswith(prefix):
        return None
    return res.parent or "", res.type


def _retired_generations(changes: list[ResourceChange], old: Mapping[str, Resource],
                         new: Mapping[str, Resource]) -> dict[str, str]:
    """A rotation (docs/rotation.md): deleted key resources of a DeployKey component that
    creates a new generation of the same resource in the same plan. Deleted URN -> the name of
    the new generation, which the credentials Secret switches to before the old one goes."""
    created: dict[tuple[str, str], str] = {}
    for c in changes:
        if c.op is Op.CREATE and c.urn in new and (slot := _generation_slot(new[c.urn])):
            created[slot] = min(created.get(slot, c.name), c.name)
    found: dict[str, str] = {}
    for c in changes if created else ():
        if (c.op is Op.DELETE and c.urn in old and (slot := _generation_slot(old[c.urn]))
                and slot in created):
            found[c.urn] = created[slot]
    return found


def _retired(change: ResourceChange, successor: str) -> Risk:
    return Risk("R-DEPLOY-KEY", f"{change.display}: Git credentials deleted; the old key generation, "
                                f"retired after the new one ({successor}) took over")


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


DECRYPTION_LABEL = ("fluxform.io/purpose", "sops-decryption")


def _decryption_key(change: ResourceChange, before: Resource | None,
                    after: Resource | None) -> Iterator[Risk]:
    """The decryption Secret fluxform provisions (labelled fluxform.io/purpose=sops-decryption)
    gets another key or goes away. The key itself is a secret: only the fact is said."""
    res = before or after
    if res is None or res.type != "kubernetes:core/v1:Secret":
        return
    if get_path(res.inputs, ("metadata", "labels", DECRYPTION_LABEL[0])) != DECRYPTION_LABEL[1]:
        return
    keyed = any(f.path and f.path[0] in ("stringData", "data") for f in change.fields)
    if change.op is Op.UPDATE and not keyed:
        return
    effect = {Op.DELETE: "deleted", Op.REPLACE: "replaced"}.get(change.op, "given another key")
    yield Risk("R-DECRYPTION-KEY", f"{change.display}: SOPS decryption key {effect}; Secrets in Git "
                                   "encrypted for the old key stop decrypting (re-encrypt them first)")


def _oci_verify_off(change: ResourceChange, before: Resource | None,
                    after: Resource | None) -> Iterator[Risk]:
    if (before is not None and after is not None and kind_of(after) == "OCIRepository"
            and get_path(before.inputs, ("spec", "verify")) is not None
            and get_path(after.inputs, ("spec", "verify")) is None):
        yield Risk("R-OCI-VERIFY-OFF", f"{change.display}: signature verification removed; any "
                                       "artifact pushed to the repository is applied")


def _source_kind(change: ResourceChange, before: Resource | None,
                 after: Resource | None) -> Iterator[Risk]:
    """A Kustomization whose sourceRef switches kind: for the root sync `flux-system` the fleet
    moves between Git and OCI (the plan also deletes the old source, and with a Git fleet its
    deploy key and credentials Secret: R-DEPLOY-KEY)."""
    if before is None or after is None or kind_of(after) != "Kustomization":
        return
    path = ("spec", "sourceRef", "kind")
    old, new = get_path(before.inputs, path), get_path(after.inputs, path)
    if isinstance(old, str) and isinstance(new, str) and old != new:
        yield Risk("R-SOURCE-KIND", f"{change.display}: source switches from {old} to {new}; Flux "
                                    f"applies what the new source holds and prunes what it lacks, "
                                    f"so its content must match before this is applied")


def _image_automation_on(change: ResourceChange, before: Resource | None,
                         after: Resource | None) -> Iterator[Risk]:
    """An ImageUpdateAutomation is created, or the Flux install starts the automation
    controller. (The plan does not know the tier; policy FF014 is the production rule.)"""
    if after is None:
        return
    if change.op is Op.CREATE and kind_of(after) == "ImageUpdateAutomation":
        yield Risk("R-IMAGE-AUTOMATION-ON", f"{change.display}: image automation starts committing "
                                            "image updates to the fleet repository")
    elif after.type == "kubernetes:helm.sh/v3:Release" and before is not None:
        path = ("values", "imageAutomationController", "create")
        if get_path(after.inputs, path) is True and get_path(before.inputs, path) is not True:
            yield Risk("R-IMAGE-AUTOMATION-ON", f"{change.display}: the image automation controller "
                                                "is turned on")


_CHANGED = frozenset({Op.UPDATE, Op.REPLACE})
# Each rule with the operations it can fire on (the others skip it without a call).
RULES: tuple[tuple[frozenset[Op], Rule], ...] = (
    (frozenset({Op.REPLACE}), _replaced),
    (frozenset({Op.REPLACE}), _already_exists),
    (frozenset({Op.REPLACE, Op.DELETE}), _prune_cascade),
    (frozenset({Op.REPLACE, Op.DELETE}), _credentials),
    (frozenset({Op.DELETE}), _namespace),
    (_CHANGED, _flux_switches),
    (_CHANGED, _role_ref),
    (_CHANGED, _api),
    (frozenset({Op.UPDATE, Op.REPLACE, Op.DELETE}), _decryption_key),
    (_CHANGED, _oci_verify_off),
    (_CHANGED, _source_kind),
    (frozenset({Op.CREATE, Op.UPDATE, Op.REPLACE}), _image_automation_on),
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


def _targets(changes: list[ResourceChange], old: Mapping[str, Resource],
             new: Mapping[str, Resource]) -> dict[str, list[Risk]]:
    """Resources that stay where they are although their provider now points elsewhere:
    a provider move or update that changes a target setting (github `owner`, a Kubernetes
    context without a kubeconfig) which the provider's DiffConfig does not replace on."""
    found: dict[str, list[Risk]] = {}
    moved_providers = {u for u, r in new.items() if r.type.startswith("pulumi:providers:")
                       and (u not in old or old[u].inputs != r.inputs)}
    if not moved_providers:
        return found
    for c in changes:
        if c.op is Op.REPLACE or c.component:
            continue
        before, after = old.get(c.previous_urn or c.urn), new.get(c.urn)
        if (before is None or after is None or not before.provider or not after.provider
                or after.provider not in moved_providers):
            continue
        old_p, new_p = old.get(before.provider), new.get(after.provider)
        if old_p is None or new_p is None or old_p.type != new_p.type:
            continue
        moved = [k for k in config_targets(new_p.type)
                 if old_p.inputs.get(k) != new_p.inputs.get(k)]
        if moved:
            what = ", ".join(f"{k}: {_show(old_p.inputs.get(k))} -> {_show(new_p.inputs.get(k))}"
                             for k in moved)
            found[c.urn] = [Risk("R-PROVIDER-TARGET",
                                 f"{c.display}: its provider changes {what}; the provider does "
                                 "not replace its resources, so this one stays where it is")]
    return found


SOURCE_KINDS = frozenset({"GitRepository", "OCIRepository"})


def _source_swaps(changes: list[ResourceChange], old: Mapping[str, Resource],
                  new: Mapping[str, Resource]) -> dict[str, list[Risk]]:
    """A created source that takes the place (namespace, name) of a deleted source of the other
    kind, e.g. the fleet's GitRepository flux-system becoming the OCIRepository flux-system:
    verification lost on the way is flagged as for one OCIRepository (R-OCI-VERIFY-OFF)."""
    gone: dict[tuple[str, str], Resource] = {}
    for c in changes:
        if c.op is Op.DELETE and (ident := old[c.urn].k8s_identity) is not None and ident[0] in SOURCE_KINDS:
            gone[ident[1:]] = old[c.urn]
    found: dict[str, list[Risk]] = {}
    for c in changes if gone else ():
        if c.op is not Op.CREATE or (ident := new[c.urn].k8s_identity) is None:
            continue
        before, after = gone.get(ident[1:]), new[c.urn]
        if (before is None or ident[0] != "OCIRepository" or kind_of(before) == ident[0]
                or get_path(before.inputs, ("spec", "verify")) is None
                or get_path(after.inputs, ("spec", "verify")) is not None):
            continue
        found[c.urn] = [Risk("R-OCI-VERIFY-OFF", f"{c.display}: replaces {kind_of(before)} "
                                                 f"{ident[1]}/{ident[2]}, which verified signatures, "
                                                 "without verification; any artifact pushed to the "
                                                 "repository is applied")]
    return found


def _show(value: Any) -> str:
    if is_marker(value):
        return "(sensitive value)"
    return "(unset)" if value is None else str(value)


def annotate(changes: list[ResourceChange], old: Mapping[str, Resource],
             new: Mapping[str, Resource]) -> list[ResourceChange]:
    """The same changes, each with its risk flags (no-ops have none, unless their provider's
    target moved under them)."""
    moves = _moves(changes, old, new)
    retired = _retired_generations(changes, old, new)
    for urn, risks in _targets(changes, old, new).items():
        moves.setdefault(urn, []).extend(risks)
    for urn, risks in _source_swaps(changes, old, new).items():
        moves.setdefault(urn, []).extend(risks)
    out = []
    for c in changes:
        if c.op is Op.NOOP and c.urn not in moves:
            out.append(c)
            continue
        before, after = old.get(c.urn), new.get(c.urn)
        risks = [r for ops, rule in RULES if c.op in ops for r in rule(c, before, after)]
        if c.urn in retired:  # a rotation: the milder wording of the same flag
            risks = [_retired(c, retired[c.urn]) if r.code == "R-DEPLOY-KEY" else r for r in risks]
        risks += moves.get(c.urn, [])
        out.append(dataclasses.replace(c, risks=tuple(risks)) if risks else c)
    return out
