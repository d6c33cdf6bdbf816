"""Graph x Graph -> Plan: an operation per resource and field-level differences by path.

Resources are matched by URN. Inputs are compared recursively; lists of named things are
matched by key (LIST_KEYS), so a reorder is not a change, and SET_LISTS compare as multisets.
Secret markers compare by fingerprint and never yield a value; unknown markers yield
"known after apply". Which changes force a replacement lives in `fluxform.replacement`,
risk flags in `fluxform.risk`. Equal inputs short-circuit (one C-level comparison), which is
what keeps a 10,000-resource pull-request plan well under a second.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fluxform.findings import Finding
from fluxform.graph import MARKER_KEY, Graph, Path, Resource, is_secret, is_unknown
from fluxform.plan import FieldChange, FieldKind, Op, Plan, ResourceChange, Summary
from fluxform.replacement import patterns_for, provider_changed
from fluxform.risk import annotate

# The list-key table. Field name -> candidate identities of an item, tried in order; a
# candidate is used when every item of both lists is an object holding its first key and
# the identities are unique (otherwise: the next candidate, then position). Absent optional
# keys are left out of the identity. Paths render as `spec.dependsOn[name=infra]`.
LIST_KEYS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "containers": (("name",),),
    "initContainers": (("name",),),
    "ephemeralContainers": (("name",),),
    "env": (("name",),),
    "ports": (("name",), ("containerPort", "protocol"), ("port", "protocol")),
    "volumes": (("name",),),
    "volumeMounts": (("mountPath",), ("name",)),  # mountPath is Kubernetes' merge key
    "imagePullSecrets": (("name",),),
    "subjects": (("kind", "namespace", "name"),),
    "dependsOn": (("name", "namespace"),),
    "healthChecks": (("kind", "namespace", "name"),),
    "eventSources": (("kind", "name", "namespace"),),
    "resources": (("kind", "name", "namespace"),),  # Receiver spec.resources
    "patches": (("target",), ("patch", "target")),
    "substituteFrom": (("kind", "name"),),
    "valuesFrom": (("kind", "name", "valuesKey"),),
}
# Lists whose order carries no meaning: RBAC rules, event names, controller flags, finalizers.
SET_LISTS = frozenset({"rules", "events", "additionalArgs", "finalizers",
                       "inclusionList", "exclusionList"})

# Plan order: providers, CRDs, namespaces, identities and config, RBAC, sources,
# Kustomizations, HelmReleases, notifications, then everything else; URN within a rank.
KIND_RANK: Mapping[str, int] = {
    "CustomResourceDefinition": 1, "Namespace": 2,
    "ServiceAccount": 3, "Secret": 3, "ConfigMap": 3,
    "Role": 4, "ClusterRole": 4, "RoleBinding": 5, "ClusterRoleBinding": 5,
    "GitRepository": 6, "OCIRepository": 6, "HelmRepository": 6, "HelmChart": 6, "Bucket": 6,
    "Kustomization": 7, "HelmRelease": 8, "Provider": 9, "Alert": 9, "Receiver": 9,
}
OTHER_RANK = 10

_canon = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def rank(type_: str) -> int:
    """Position of a type token in plan order (0 = providers)."""
    if type_.startswith("pulumi:providers:"):
        return 0
    if type_.startswith("kubernetes:"):
        return KIND_RANK.get(type_.rsplit(":", 1)[-1], OTHER_RANK)
    return OTHER_RANK


def _emit(out: list[FieldChange], path: Path, kind: FieldKind, before: Any, after: Any) -> None:
    if not isinstance(before, dict) and not isinstance(after, dict):
        out.append(FieldChange(path, kind, before, after))
        return
    secret = is_secret(before) or is_secret(after)
    unknown = is_unknown(after) or (is_secret(after) and after.get("fingerprint") is None)
    if secret:
        before = after = None  # a secret field carries no value, not even its fingerprint
    out.append(FieldChange(path, kind, before, after, secret, unknown))


_SCALARS = frozenset({str, int, float, bool})
_new_tuple = tuple.__new__


def leaves(value: Any, path: Path, kind: FieldKind, out: list[FieldChange]) -> None:
    """Every leaf under `value` as an added or removed field (markers and empty containers
    are leaves). The hot path of a large create or delete: scalar leaves are built inline."""
    if isinstance(value, dict) and value and MARKER_KEY not in value:
        items: Any = ((key, value[key]) for key in sorted(value))
    elif isinstance(value, list) and value:
        items = enumerate(value)
    else:
        if value is not None:
            _emit(out, path, kind, value if kind == "removed" else None,
                  value if kind == "added" else None)
        return
    added = kind == "added"
    for key, item in items:
        if type(item) in _SCALARS:
            values = (None, item) if added else (item, None)
            out.append(_new_tuple(FieldChange, ((*path, key), kind, *values, False, False, False)))
        elif item is not None:
            leaves(item, (*path, key), kind, out)


def diff_values(before: Any, after: Any, path: Path = ()) -> list[FieldChange]:
    """Field changes between two JSON-like values (None and absent are the same)."""
    out: list[FieldChange] = []
    _diff(before, after, path, out)
    return out


def _diff(before: Any, after: Any, path: Path, out: list[FieldChange]) -> None:
    if before is None or after is None:
        if before is not None:
            leaves(before, path, "removed", out)
        elif after is not None:
            leaves(after, path, "added", out)
        return
    b_dict, a_dict = isinstance(before, dict), isinstance(after, dict)
    if (b_dict and MARKER_KEY in before) or (a_dict and MARKER_KEY in after):
        _diff_marker(before, after, path, out)
    elif b_dict and a_dict:
        get = after.get
        changed = [k for k, v in before.items() if v is not (w := get(k)) and v != w]
        changed += [k for k in after if k not in before]
        for key in sorted(changed):
            _diff(before.get(key), after.get(key), (*path, key), out)
    elif isinstance(before, list) and isinstance(after, list):
        if before != after:
            _diff_list(before, after, path, out)
    elif before != after or b_dict or a_dict:
        _emit(out, path, "changed", before, after)


def _diff_marker(before: Any, after: Any, path: Path, out: list[FieldChange]) -> None:
    if is_secret(before) and is_secret(after):
        # Equal fingerprints, or two unknown secrets: nothing that can be said to differ.
        if before.get("fingerprint") != after.get("fingerprint"):
            _emit(out, path, "changed", before, after)
    elif not (is_unknown(before) and is_unknown(after)) and before != after:
        _emit(out, path, "changed", before, after)


def _selector(item: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(item, dict) or MARKER_KEY in item:
        return None
    first = item.get(keys[0])
    if first is None:
        return None
    if len(keys) == 1 and isinstance(first, str):
        return f"[{keys[0]}={first}]"
    parts = []
    for key in keys:
        value = item.get(key)
        if value is not None:
            parts.append(f"{key}={value if isinstance(value, str) else _canon(value)}")
    return "[" + ",".join(parts) + "]"


def _keyed(items: list[Any], keys: tuple[str, ...]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for item in items:
        selector = _selector(item, keys)
        if selector is None or selector in out:
            return None
        out[selector] = item
    return out


def _diff_list(before: list[Any], after: list[Any], path: Path, out: list[FieldChange]) -> None:
    field = path[-1] if path and isinstance(path[-1], str) else ""
    if field in SET_LISTS:
        _diff_multiset(before, after, path, out)
        return
    for keys in LIST_KEYS.get(field, ()):
        old, new = _keyed(before, keys), _keyed(after, keys)
        if old is not None and new is not None:
            for selector in sorted(old.keys() | new.keys()):
                b, a = old.get(selector), new.get(selector)
                if b != a:
                    _diff(b, a, (*path, selector), out)
            return
    for index in range(max(len(before), len(after))):
        b = before[index] if index < len(before) else None
        a = after[index] if index < len(after) else None
        if b != a:
            _diff(b, a, (*path, index), out)


def _diff_multiset(before: list[Any], after: list[Any], path: Path,
                   out: list[FieldChange]) -> None:
    old, new = [_canon(x) for x in before], [_canon(x) for x in after]
    gone, came = Counter(old) - Counter(new), Counter(new) - Counter(old)
    for index, text in enumerate(old):
        if gone[text] > 0:
            gone[text] -= 1
            _emit(out, (*path, index), "removed", before[index], None)
    for index, text in enumerate(new):
        if came[text] > 0:
            came[text] -= 1
            _emit(out, (*path, index), "added", None, after[index])


def _all_leaves(res: Resource, kind: FieldKind) -> tuple[FieldChange, ...]:
    """Every input of a created or deleted resource; none for a resource without inputs (a
    component), rather than one field with an empty path."""
    out: list[FieldChange] = []
    if res.inputs:
        leaves(res.inputs, (), kind, out)
    return tuple(out)


def _compare(before: Resource, after: Resource, provider: Resource | None) -> ResourceChange:
    reasons: list[str] = []
    if before.replacement_trigger != after.replacement_trigger:
        reasons.append("replacementTrigger changed")
    if provider_changed(before, after):
        reasons.append("provider changed")
    if before.inputs == after.inputs and not reasons:
        return ResourceChange(after.urn, after.type, after.name, Op.NOOP)
    fields = diff_values(before.inputs, after.inputs)
    patterns = patterns_for(after, provider)
    if patterns:
        for i, f in enumerate(fields):
            if patterns.forces(f.path, f.before, f.after, f.secret):
                fields[i] = f._replace(forces_replacement=True)
                reasons.append(f"{f.path_text} forces replacement")
    op = Op.REPLACE if reasons else Op.UPDATE if fields else Op.NOOP
    return ResourceChange(after.urn, after.type, after.name, op, tuple(fields), tuple(reasons))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Suspend the cyclic garbage collector for an allocation-heavy, cycle-free phase.

    Building a plan allocates hundreds of thousands of small tuples while a large graph is
    alive; each automatic collection then walks the whole graph, which costs about as much
    as the diff itself at 10,000 resources. Nothing built here forms a cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_plan(before: Graph | None, after: Graph, findings: Sequence[Finding] = (),
                 baseline: str = "none") -> Plan:
    """Diff `after` (desired) against `before` (the baseline; None: an empty stack).

    Every resource of either graph gets one ResourceChange, no-ops included, in plan order
    (KIND_RANK, then URN). `baseline` is a label for reports (where `before` came from).
    """
    with paused_gc():
        return _plan(before.resources if before is not None else {}, after, findings, baseline)


def _plan(old: Mapping[str, Resource], after: Graph, findings: Sequence[Finding],
          baseline: str) -> Plan:
    new = after.resources
    changes: list[ResourceChange] = []
    for urn, res in new.items():
        prev = old.get(urn)
        if prev is None:
            changes.append(ResourceChange(urn, res.type, res.name, Op.CREATE,
                                          _all_leaves(res, "added")))
        else:
            provider = new.get(res.provider) if res.provider else None
            changes.append(_compare(prev, res, provider))
    changes += [ResourceChange(urn, res.type, res.name, Op.DELETE, _all_leaves(res, "removed"))
                for urn, res in old.items() if urn not in new]
    changes = annotate(changes, old, new)
    changes.sort(key=lambda c: (rank(c.type), c.urn))
    return Plan(after.project, after.stack, tuple(changes), tuple(sorted(findings)), baseline,
                Summary.of(changes))
