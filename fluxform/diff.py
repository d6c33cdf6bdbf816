"""Graph x Graph -> Plan: operations per resource and field-level differences by path.

Lists of named things are matched by key (LIST_KEYS), so a reorder is not a change; RBAC
`rules` compare as a multiset. Secret fields compare by fingerprint and never carry values.
Which fields force a replacement is one table (FORCES_REPLACEMENT).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fluxform.findings import Finding
from fluxform.graph import Graph, Path, Resource, is_marker, is_secret, is_unknown, walk
from fluxform.plan import FieldChange, Op, Plan, ResourceChange, Summary
from fluxform.risk import risks_for

# field name -> the keys that identify an item of that list
LIST_KEYS: Mapping[str, tuple[str, ...]] = {
    "containers": ("name",), "initContainers": ("name",), "env": ("name",),
    "ports": ("name",), "volumes": ("name",), "volumeMounts": ("name",),
    "subjects": ("kind", "namespace", "name"), "dependsOn": ("name", "namespace"),
    "healthChecks": ("kind", "namespace", "name"), "eventSources": ("kind", "name", "namespace"),
    "resources": ("kind", "name", "namespace"), "patches": ("target",),
}
SET_LISTS = frozenset({"rules", "events", "additionalArgs"})

_K8S_FORCES: tuple[Path, ...] = (("metadata", "name"), ("metadata", "namespace"), ("apiVersion",),
                                 ("kind",))
FORCES_REPLACEMENT: Mapping[str, tuple[Path, ...]] = {
    "tls:index/privateKey:PrivateKey": (("algorithm",), ("ecdsaCurve",), ("rsaBits",)),
    "github:index/repositoryDeployKey:RepositoryDeployKey": (("key",), ("repository",), ("title",),
                                                             ("readOnly",)),
    "random:index/randomBytes:RandomBytes": (("length",), ("keepers",)),
    "random:index/randomPassword:RandomPassword": (("length",), ("keepers",), ("special",),
                                                   ("upper",), ("lower",), ("numeric",)),
    "random:index/randomId:RandomId": (("byteLength",), ("keepers",), ("prefix",)),
    "kubernetes:helm.sh/v3:Release": (("name",), ("namespace",)),
}

KIND_RANK = ["pulumi:providers:", "CustomResourceDefinition", "Namespace", "ServiceAccount",
             "Secret", "ConfigMap", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding",
             "ResourceQuota", "Release", "GitRepository", "HelmRepository", "OCIRepository",
             "Kustomization", "HelmRelease", "Provider", "Alert", "Receiver"]


def _rank(type_: str) -> int:
    if type_.startswith("pulumi:providers:"):
        return 0
    kind = type_.rsplit(":", 1)[-1]
    return KIND_RANK.index(kind) if kind in KIND_RANK else len(KIND_RANK)


def forced_paths(res: Resource) -> tuple[Path, ...]:
    table = FORCES_REPLACEMENT.get(res.type)
    if table is not None:
        return table
    if res.is_kubernetes and res.custom and not res.type.startswith("kubernetes:helm.sh"):
        return _K8S_FORCES
    return ()


def _item_key(item: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(item, dict) or is_marker(item):
        return None
    parts = [f"{k}={item[k] if isinstance(item.get(k), str) else json.dumps(item.get(k), sort_keys=True)}"
             for k in keys if k in item]
    return "[" + ",".join(parts) + "]" if parts else None


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def diff_values(before: Any, after: Any, path: Path = ()) -> list[FieldChange]:
    if before is None and after is None:
        return []
    if before is None:
        return [FieldChange(path, "added", None, after, is_secret(after), is_unknown(after))]
    if after is None:
        return [FieldChange(path, "removed", before, None, is_secret(before), False)]
    if is_secret(before) or is_secret(after):
        fb = before.get("fingerprint") if is_secret(before) else None
        fa = after.get("fingerprint") if is_secret(after) else None
        if fb is not None and fb == fa:
            return []
        if fb is None and fa is None and is_secret(before) and is_secret(after):
            return []  # both unknown secrets: nothing to compare
        return [FieldChange(path, "changed", None, None, True, fa is None)]
    if is_unknown(after):
        return [] if is_unknown(before) else [FieldChange(path, "changed", before, after, False, True)]
    if isinstance(before, dict) and isinstance(after, dict) and not is_marker(before):
        out: list[FieldChange] = []
        for key in sorted(set(before) | set(after)):
            out += diff_values(before.get(key), after.get(key), (*path, key))
        return out
    if isinstance(before, list) and isinstance(after, list):
        return _diff_lists(before, after, path)
    if before != after:
        return [FieldChange(path, "changed", before, after)]
    return []


def _diff_lists(before: list[Any], after: list[Any], path: Path) -> list[FieldChange]:
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    if field in SET_LISTS:
        if sorted(map(_canon, before)) == sorted(map(_canon, after)):
            return []
        return [FieldChange(path, "changed", before, after)]
    keys = LIST_KEYS.get(field)
    if keys:
        kb = {_item_key(i, keys): i for i in before}
        ka = {_item_key(i, keys): i for i in after}
        if None not in kb and None not in ka and len(kb) == len(before) and len(ka) == len(after):
            out: list[FieldChange] = []
            for key in sorted(set(kb) | set(ka), key=str):
                out += diff_values(kb.get(key), ka.get(key), (*path, str(key)))
            return out
    out = []
    for i in range(max(len(before), len(after))):
        out += diff_values(before[i] if i < len(before) else None,
                           after[i] if i < len(after) else None, (*path, i))
    return out


def _starts_with(path: Path, prefix: Path) -> bool:
    return path[: len(prefix)] == prefix


def _resource_change(before: Resource | None, after: Resource | None) -> ResourceChange:
    res = after or before
    assert res is not None
    reasons: tuple[str, ...] = ()
    if before is None:
        fields = tuple(FieldChange(path, "added", None, leaf, is_secret(leaf), is_unknown(leaf))
                       for path, leaf in walk(dict(res.inputs)))
        op = Op.CREATE
    elif after is None:
        fields, op = (), Op.DELETE
    else:
        forced = forced_paths(after) + tuple(tuple(p.split(".")) for p in after.replace_on_changes)
        raw = diff_values(dict(before.inputs), dict(after.inputs))
        fields = tuple(
            FieldChange(f.path, f.kind, f.before, f.after, f.secret, f.unknown,
                        any(_starts_with(f.path, p) for p in forced))
            for f in raw
        )
        reason_list = [f"{f.path_text} forces replacement" for f in fields if f.forces_replacement]
        if after.replacement_trigger != before.replacement_trigger:
            reason_list.insert(0, "replacement trigger changed")
        reasons = tuple(reason_list)
        op = Op.REPLACE if reasons else (Op.UPDATE if fields else Op.NOOP)
    change = ResourceChange(res.urn, res.type, res.name, op, fields, reasons)
    return ResourceChange(change.urn, change.type, change.name, change.op, change.fields,
                          change.replace_reasons, tuple(risks_for(change, before, after)))


def compute_plan(before: Graph | None, after: Graph, findings: Sequence[Finding] = (),
                 baseline: str = "none") -> Plan:
    """Diff `after` (desired) against `before` (baseline; None means an empty stack)."""
    old = dict(before.resources) if before is not None else {}
    new = dict(after.resources)
    urns = sorted(set(old) | set(new), key=lambda u: (_rank((new.get(u) or old[u]).type), u))
    changes = tuple(_resource_change(old.get(u), new.get(u)) for u in urns)
    counts = {op: 0 for op in Op}
    for c in changes:
        counts[c.op] += 1
    summary = Summary(create=counts[Op.CREATE], update=counts[Op.UPDATE], delete=counts[Op.DELETE],
                      replace=counts[Op.REPLACE], noop=counts[Op.NOOP])
    return Plan(after.project, after.stack, changes, tuple(sorted(findings)), baseline, summary)
