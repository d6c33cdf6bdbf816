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
from fluxform.graph import MARKER_KEY, Graph, Path, Resource, get_path, is_secret, is_unknown
from fluxform.plan import FieldChange, FieldKind, Op, Plan, ResourceChange, Summary
from fluxform.replacement import (
    delete_before_replace,
    dependency_order,
    diff_config,
    patterns_for,
    provider_changed,
    resolve_unknowns,
    trigger_replaces,
    unknown_paths,
)
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


_CHANGING = frozenset({Op.CREATE, Op.REPLACE})


class _Context:
    """What comparing one resource needs to know about the rest of the plan."""

    def __init__(self, old: Mapping[str, Resource], new: Mapping[str, Resource],
                 comparable: bool) -> None:
        self.old, self.new, self.comparable = old, new, comparable
        self.ops: dict[str, Op] = {}
        self.unverified: list[tuple[str, str]] = []

    def changing(self, urn: str) -> bool:
        """Is `urn` created or replaced (so its outputs are unknown at preview)?"""
        return self.ops.get(urn) in _CHANGING


def _provider_move(before: Resource, after: Resource, ctx: _Context) -> tuple[
        tuple[str | None, str | None] | None, tuple[str, ...]]:
    """(old, new) provider when the explicit provider reference changes or the provider is
    replaced, and the DiffConfig keys that make the engine replace the resource.

    pulumi/pulumi step_generator.go, providerChanged: same reference, no change; otherwise
    the *new* provider's DiffConfig compares the old provider's inputs with the new one's
    (pulumi >= 3.151, pulumi/pulumi#18509) and only a replacement there replaces the resource.
    A provider replaced under the same URN gets a new ID, so its resources take this path too.
    """
    old_ref, new_ref = before.provider, after.provider
    if old_ref is None or new_ref is None:
        return None, ()
    moved = old_ref != new_ref
    if not moved and ctx.ops.get(new_ref) is not Op.REPLACE:
        return None, ()
    if moved and not provider_changed(before, after):
        return None, ()
    old_p, new_p = ctx.old.get(old_ref), ctx.new.get(new_ref)
    if old_p is None or new_p is None:
        return ((old_ref, new_ref) if moved else None), ("provider",)
    if old_p.type != new_p.type:
        return ((old_ref, new_ref) if moved else None), ("provider",)
    keys = diff_config(new_p.type, old_p.inputs, new_p.inputs, ctx.comparable)
    return ((old_ref, new_ref) if moved else None), keys


def _unverifiable(before: Resource, fields: list[FieldChange], ctx: _Context,
                  urn: str) -> list[FieldChange]:
    """Against a state export, a secret that was there and still is cannot be compared: its
    ciphertext has nothing in common with the capture's placeholder. Such fields are left
    out of the diff and counted in the plan's notes."""
    if ctx.comparable:
        return fields
    kept = []
    for f in fields:
        if f.secret and f.kind == "changed":
            ctx.unverified.append((urn, f.path_text))
        else:
            kept.append(f)
    return kept


def _compare(before: Resource, after: Resource, ctx: _Context,
             previous: str | None = None) -> ResourceChange:
    reasons: list[str] = []
    by_provider_diff = True
    provider_change: tuple[str | None, str | None] | None = None
    old_trigger, new_trigger = before.replacement_trigger, after.replacement_trigger
    if (old_trigger is not None or new_trigger is not None) and trigger_replaces(old_trigger,
                                                                                 new_trigger):
        # step_generator.go, generateStepsFromDiff: the provider's Diff is not asked.
        reasons.append("replacementTrigger changed")
        by_provider_diff = False
    config_keys: tuple[str, ...] = ()
    if after.provider is not None and (before.provider != after.provider
                                       or ctx.ops.get(after.provider) is Op.REPLACE):
        provider_change, config_keys = _provider_move(before, after, ctx)
    if config_keys and not reasons:
        what = ", ".join(config_keys)
        reasons.append(f"provider replaced ({what} changes the target, DiffConfig)"
                       if what != "provider" else "provider changed")
        by_provider_diff = False
    volatile: tuple[str, ...] = ()
    if after.property_dependencies:
        after, volatile = resolve_unknowns(after, before, ctx.changing)
    if (before.inputs == after.inputs and not reasons and not volatile
            and provider_change is None and previous is None):
        return ResourceChange(after.urn, after.type, after.name, Op.NOOP,
                              component=not after.custom)
    fields = diff_values(before.inputs, after.inputs)
    if volatile:
        fields = _volatile_fields(before, after, volatile, fields)
    fields = _unverifiable(before, fields, ctx, after.urn)
    if after.type.startswith("pulumi:providers:"):
        keys = diff_config(after.type, before.inputs, after.inputs, ctx.comparable)
        for i, f in enumerate(fields):
            if f.path and f.path[0] in keys:
                fields[i] = f._replace(forces_replacement=True)
                reasons.append(f"{f.path_text} changes the target cluster (DiffConfig)")
    else:
        patterns = patterns_for(after, ctx.new.get(after.provider) if after.provider else None)
        if patterns:
            for i, f in enumerate(fields):
                if patterns.forces(f.path, f.before, f.after, f.secret):
                    fields[i] = f._replace(forces_replacement=True)
                    reasons.append(f"{f.path_text} forces replacement")
    reasons = list(dict.fromkeys(reasons))
    op = (Op.REPLACE if reasons else
          Op.UPDATE if fields or provider_change is not None or previous is not None else Op.NOOP)
    dbr = op is Op.REPLACE and delete_before_replace(before, after, by_provider_diff)
    return ResourceChange(after.urn, after.type, after.name, op, tuple(fields), tuple(reasons),
                          delete_before_replace=dbr, provider_change=provider_change,
                          previous_urn=previous, component=not after.custom)


def _volatile_fields(before: Resource, after: Resource, volatile: tuple[str, ...],
                     fields: list[FieldChange]) -> list[FieldChange]:
    """Unknowns fed by a created or replaced resource change, even where the baseline holds
    an unknown too (two captures): add each as `changed` unless the diff has it already."""
    have = {f.path for f in fields}
    out = list(fields)
    for key in volatile:
        for path in unknown_paths(after.inputs.get(key), (key,)):
            if path in have or any(path[:i] in have for i in range(1, len(path))):
                continue
            old = get_path(before.inputs, path)
            _emit(out, path, "changed", old, get_path(after.inputs, path))
    out.sort(key=lambda f: _sort_key(f.path))
    return out


def _sort_key(path: Path) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{seg:020d}") if isinstance(seg, int) else (1, seg) for seg in path)


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

    Every resource of either graph gets one ResourceChange, no-ops included, in the order
    `pulumi up` works: the desired graph in dependency order (KIND_RANK, then URN, among
    resources that are ready together), then deletions in reverse dependency order.
    `baseline` is a label for reports (where `before` came from).
    """
    with paused_gc():
        comparable = before is None or before.origin != "state"
        return _plan(before.resources if before is not None else {}, after, findings, baseline,
                     comparable)


def _match_aliases(old: Mapping[str, Resource],
                   new: Mapping[str, Resource]) -> dict[str, str]:
    """New URN -> the baseline URN one of its aliases names (pulumi/pulumi
    step_generator.go, getOldResource: an old resource found under an alias is the same
    resource, compared and updated, not deleted and created)."""
    out: dict[str, str] = {}
    claimed: set[str] = set()
    for urn, res in new.items():
        if urn in old or not res.aliases:
            continue
        for alias in res.aliases:
            if alias in old and alias not in new and alias not in claimed:
                out[urn] = alias
                claimed.add(alias)
                break
    return out


def _tiebreak(res: Resource) -> int:
    return rank(res.type)


def _plan(old: Mapping[str, Resource], after: Graph, findings: Sequence[Finding],
          baseline: str, comparable: bool = True) -> Plan:
    new = after.resources
    aliased = _match_aliases(old, new)
    ctx = _Context(old, new, comparable)
    changes: list[ResourceChange] = []
    for urn in dependency_order(new, _tiebreak):
        res = new[urn]
        prev_urn = urn if urn in old else aliased.get(urn)
        if prev_urn is None:
            change = ResourceChange(urn, res.type, res.name, Op.CREATE, _all_leaves(res, "added"),
                                    component=not res.custom)
        else:
            change = _compare(old[prev_urn], res, ctx, None if prev_urn == urn else prev_urn)
        ctx.ops[urn] = change.op
        changes.append(change)
    gone = set(old) - set(new) - set(aliased.values())
    deleted = {u: old[u] for u in gone}
    changes += [ResourceChange(urn, res.type, res.name, Op.DELETE, _all_leaves(res, "removed"),
                               component=not res.custom)
                for urn in dependency_order(deleted, _tiebreak, reverse=True)
                for res in (deleted[urn],)]
    olds_by_new = {u: old[aliased[u]] for u in aliased}
    changes = annotate(changes, {**old, **olds_by_new}, new)
    notes: tuple[str, ...] = ()
    if ctx.unverified:
        count = len({u for u, _ in ctx.unverified})
        notes = (f"{len(ctx.unverified)} secret input(s) of {count} resource(s) cannot be compared "
                 "with the state export (its secrets are ciphertexts): they are not shown as "
                 "changes, and a changed secret value would not show either; plan against "
                 "--baseline or --base-ref to compare secrets.",)
    return Plan(after.project, after.stack, tuple(changes), tuple(sorted(findings)), baseline,
                Summary.of(changes), notes)
