"""The model of the Pulumi engine and its providers: the one place the plan's rules live.

What replaces (FORCES_REPLACEMENT, replaceOnChanges, replacement triggers, provider changes
through DiffConfig: PROVIDER_CONFIG), what is deleted before it is replaced
(DELETE_BEFORE_REPLACE), which values are unknown at preview (resolve_unknowns) and the order
`pulumi up` works in (dependency_order). Each rule cites the upstream function it reproduces;
docs/plan.md lists them with the versions read.

Which input changes make Pulumi replace a resource instead of updating it in place:

One table, FORCES_REPLACEMENT, keyed by type token. A key `<package>:*` applies to every
custom resource of that package; an exact token adds its own paths on top. Paths use
Pulumi's property-path syntax (the one `replaceOnChanges` takes): `a.b`, `a[0]`, `a["k.x"]`,
and `*` / `[*]` for any key or item.

Sources: pulumi-kubernetes replaces on `metadata.name`/`metadata.namespace` of every object,
`roleRef` of (Cluster)RoleBindings, a Secret's `type`, and Secret/ConfigMap contents unless
the provider sets `enableSecretMutable`/`enableConfigMapMutable` and the object is not
`immutable: true` (default providers: not mutable; an environment variable can change that,
which an offline plan cannot see, so the program sets every such flag explicitly).
pulumi-tls, pulumi-github and pulumi-random mark the listed arguments ForceNew. A changed
`replacementTrigger`, any changed path in the resource's own `replaceOnChanges`, and a
provider change that the new provider's DiffConfig replaces on also replace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from fluxform.graph import Path, Resource, is_marker, is_secret

ANY = "*"
Pattern = tuple[str | int, ...]


@dataclass(frozen=True)
class Forces:
    """Input paths that force a replacement, optionally waived by a provider flag."""

    paths: tuple[str, ...]
    unless_mutable: str | None = None
    """Provider input (e.g. `enableSecretMutable`) that makes these paths updatable in place,
    unless the object itself sets `immutable: true`."""


_RANDOM_STRING = ("length", "keepers", "special", "upper", "lower", "numeric", "number",
                  "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial")
_BINDING = (Forces(("roleRef",)),)

FORCES_REPLACEMENT: Mapping[str, tuple[Forces, ...]] = {
    # pulumi-kubernetes provider/pkg/provider/diff.go, forceNewProperties: `.metadata.name`,
    # `.metadata.namespace` of every object, plus the per-kind table `forceNew`. apiVersion and
    # kind are not there: under an alias, an object moving to another apiVersion is updated in
    # place (without one, its URN changes and it is a delete and a create).
    "kubernetes:*": (Forces(("metadata.name", "metadata.namespace")),),
    # diff.go: a Secret's `.type` always; `.data`/`.stringData` unless the provider sets
    # enableSecretMutable and the Secret is not immutable. ConfigMap likewise.
    "kubernetes:core/v1:Secret": (Forces(("type",)),
                                  Forces(("data", "stringData"), "enableSecretMutable")),
    "kubernetes:core/v1:ConfigMap": (Forces(("data", "binaryData"), "enableConfigMapMutable"),),
    "kubernetes:core/v1:ResourceQuota": (Forces(("spec.scopes",)),),  # diff.go core table
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _BINDING,  # diff.go roleBinding
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _BINDING,
    # provider/pkg/provider/helm_release.go, helmReleaseProvider.Diff: forceNewFields
    # `.name`, `.namespace` (and DeleteBeforeReplace: false).
    "kubernetes:helm.sh/v3:Release": (Forces(("name", "namespace")),),
    # pulumi-tls (terraform-provider-tls resource_private_key.go): every argument ForceNew.
    "tls:index/privateKey:PrivateKey": (Forces(("algorithm", "ecdsaCurve", "rsaBits")),),
    # terraform-provider-github github/resource_github_repository_deploy_key.go: key,
    # read_only, repository, title are ForceNew (the bridge turns ForceNew into replaces).
    "github:index/repositoryDeployKey:RepositoryDeployKey": (
        Forces(("key", "repository", "title", "readOnly")),),
    # pulumi-random (terraform-provider-random): the listed arguments are RequiresReplace.
    "random:index/randomBytes:RandomBytes": (Forces(("length", "keepers")),),
    "random:index/randomId:RandomId": (Forces(("byteLength", "keepers", "prefix")),),
    "random:index/randomPassword:RandomPassword": (Forces(_RANDOM_STRING),),
    "random:index/randomString:RandomString": (Forces(_RANDOM_STRING),),
    "random:index/randomUuid:RandomUuid": (Forces(("keepers",)),),
    "random:index/randomInteger:RandomInteger": (Forces(("min", "max", "seed", "keepers")),),
    "random:index/randomPet:RandomPet": (Forces(("length", "prefix", "separator", "keepers")),),
    "random:index/randomShuffle:RandomShuffle": (
        Forces(("inputs", "seed", "resultCount", "keepers")),),
}

_TOKEN = re.compile(r'\[(\d+|\*|"(?:[^"\\]|\\.)*")\]|\.?([^.\[\]]+)')


@lru_cache(maxsize=4096)
def parse_path(text: str) -> Pattern:
    """`spec.containers[*].image` -> ("spec", "containers", "*", "image")."""
    out: list[str | int] = []
    for match in _TOKEN.finditer(text):
        bracket, name = match.groups()
        if name is not None:
            out.append(name)
        elif bracket == "*":
            out.append(ANY)
        elif bracket.isdigit():
            out.append(int(bracket))
        else:
            out.append(str(json.loads(bracket)))
    return tuple(out)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _seg_matches(pat: str | int, seg: str | int) -> bool:
    if pat == ANY:
        return True
    if isinstance(pat, int):
        # A keyed-list selector (`[name=x]`) has no index: it may be item `pat`.
        return seg == pat or (isinstance(seg, str) and seg.startswith("["))
    return pat == seg


def _select(value: Any, rest: Pattern) -> list[str]:
    """Canonical text of every value under `value` that `rest` reaches (wildcards expand)."""
    if not rest:
        return [json.dumps(value, sort_keys=True)]
    head, tail = rest[0], rest[1:]
    if isinstance(value, dict) and not is_marker(value):
        keys = sorted(value) if head == ANY else [head] if head in value else []
        return [s for k in keys for s in _select(value[k], tail)]
    if isinstance(value, list):
        if head == ANY:
            return [s for item in value for s in _select(item, tail)]
        if isinstance(head, int) and head < len(value):
            return _select(value[head], tail)
    return []


class ForcingPaths:
    """The replacement-forcing patterns of one resource, indexed by their first segment."""

    def __init__(self, patterns: tuple[Pattern, ...]) -> None:
        self.patterns = patterns
        self._by_head: dict[str | int, list[Pattern]] = {}
        self._anywhere: list[Pattern] = []
        for pat in patterns:
            if not pat or pat[0] == ANY or isinstance(pat[0], int):
                self._anywhere.append(pat)
            else:
                self._by_head.setdefault(pat[0], []).append(pat)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def forces(self, path: Path, before: Any, after: Any, secret: bool) -> bool:
        """Does a change at `path` (from `before` to `after`) touch a forcing path?

        At or below a pattern: yes. Above one (a whole subtree added, removed or retyped):
        only if the values the pattern reaches inside differ; a secret subtree cannot be
        looked into, so it counts.
        """
        candidates = self._by_head.get(path[0], ()) if path else self.patterns
        for pat in (*candidates, *self._anywhere):
            n = min(len(pat), len(path))
            if not all(_seg_matches(pat[i], path[i]) for i in range(n)):
                continue
            if len(path) >= len(pat) or secret:
                return True
            rest = pat[len(path):]
            if _select(before, rest) != _select(after, rest):
                return True
        return False


_FLAGS = frozenset(r.unless_mutable for rules in FORCES_REPLACEMENT.values() for r in rules
                   if r.unless_mutable)


@lru_cache(maxsize=1024)
def _forcing(type_: str, custom: bool, own: tuple[str, ...], mutable: frozenset[str]) -> ForcingPaths:
    out: list[Pattern] = []
    if custom:
        package = type_.split(":", 1)[0]
        for rule in FORCES_REPLACEMENT.get(f"{package}:*", ()) + FORCES_REPLACEMENT.get(type_, ()):
            if rule.unless_mutable not in mutable:
                out += [parse_path(p) for p in rule.paths]
    out += [parse_path(p) for p in own]
    return ForcingPaths(tuple(out))


def patterns_for(res: Resource, provider: Resource | None) -> ForcingPaths:
    """The paths that force `res` (the desired resource) to be replaced: the table's rows
    for its type (custom resources only) and its own `replaceOnChanges`."""
    flags = provider.inputs if provider is not None else {}
    immutable = res.inputs.get("immutable") is True
    mutable = frozenset(f for f in _FLAGS if not immutable and _truthy(flags.get(f)))
    return _forcing(res.type, res.custom, res.replace_on_changes, mutable)


def _is_default_provider(urn: str) -> bool:
    return urn.rsplit("::", 1)[-1].startswith("default")


def provider_changed(before: Resource, after: Resource) -> bool:
    """An explicit provider reference changed (Pulumi then replaces the resource).

    None means "not recorded" (mocks create no default providers, hand-written states may
    omit it), so only two recorded, different references where one is explicit count.
    """
    old, new = before.provider, after.provider
    if old is None or new is None or old == new:
        return False
    return not (_is_default_provider(old) and _is_default_provider(new))


# ---------------------------------------------------------------------------------------------
# The rest of the engine model: delete-before-replace, provider configuration (DiffConfig),
# replacement triggers, unknown propagation and the order `pulumi up` works in. Read from
# pulumi/pulumi v3.259 (pkg/resource/deploy/step_generator.go), pulumi-kubernetes v4.32
# (provider/pkg/provider/provider.go, diff.go, util.go), pulumi-github v6.15
# (provider/resources.go), pulumi-terraform-bridge v3.136 (pkg/tfbridge/provider.go) and
# terraform-provider-github v6.13 (github/resource_github_repository_deploy_key.go,
# github/provider.go). docs/plan.md has the table of rules and sources.
# ---------------------------------------------------------------------------------------------

DBR_ALWAYS = "always"
DBR_NAMED = "named"
DELETE_BEFORE_REPLACE: Mapping[str, str] = {
    # pulumi-github provider/resources.go: `"github_repository_deploy_key": {...,
    # DeleteBeforeReplace: true}` (GitHub refuses a second deploy key with the same public key).
    "github:index/repositoryDeployKey:RepositoryDeployKey": DBR_ALWAYS,
    # pulumi-kubernetes provider.go, kubeProvider.Diff: deleteBeforeReplace when the object must
    # be replaced, is named (not generateName, not autonamed) and keeps its name and namespace.
    "kubernetes:*": DBR_NAMED,
}
"""Which replacements the *provider's Diff* marks delete-before-replace. The engine asks Diff
only when neither a replacement trigger nor a provider change decided first
(step_generator.go, generateStepsFromDiff / diff), and the resource option
`deleteBeforeReplace: true` overrides any answer (continueStepsFromDiff)."""


def delete_before_replace(before: Resource, after: Resource, by_provider_diff: bool) -> bool:
    """Does `pulumi up` delete the old resource before creating its replacement?"""
    if after.delete_before_replace:
        return True  # step_generator.go, continueStepsFromDiff: goal.DeleteBeforeReplace wins
    if not by_provider_diff or not after.custom:
        return False
    package = after.type.split(":", 1)[0]
    rule = DELETE_BEFORE_REPLACE.get(after.type) or DELETE_BEFORE_REPLACE.get(f"{package}:*")
    if rule == DBR_ALWAYS:
        return True
    if rule == DBR_NAMED:
        ident = after.k8s_identity
        return ident is not None and ident == before.k8s_identity
    return False


def trigger_replaces(before: Any, after: Any) -> bool:
    """pulumi/pulumi step_generator.go, shouldTriggerReplace: an unknown trigger (either side)
    always replaces; null on either side means "no trigger"; otherwise the values compare
    (secrets unwrapped: a secret marker compares by its fingerprint)."""
    if _has_unknown(before) or _has_unknown(after):
        return True
    if before is None or after is None:
        return False
    return bool(before != after)


def _has_unknown(value: Any) -> bool:
    if is_marker(value):
        return value.get("$fluxform") == "unknown" or (
            value.get("$fluxform") == "secret" and value.get("fingerprint") is None)
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


# --- Provider configuration: what the *new* provider's DiffConfig says ----------------------

@dataclass(frozen=True)
class ConfigModel:
    """How one provider package's DiffConfig decides that all its resources are replaced."""

    replaces_on: tuple[str, ...] = ()
    """Config keys whose change replaces (bridge: `ForcesProviderReplace`)."""
    kubernetes: bool = False
    """pulumi-kubernetes' own rules (active cluster, clusterIdentifier, renderYamlToDirectory)."""
    targets: tuple[str, ...] = ()
    """Keys that choose *where* resources live; a change that does not replace is a risk."""


PROVIDER_CONFIG: Mapping[str, ConfigModel] = {
    # pulumi-kubernetes provider.go, kubeProvider.DiffConfig.
    "pulumi:providers:kubernetes": ConfigModel(
        kubernetes=True, targets=("kubeconfig", "context", "cluster", "clusterIdentifier")),
    # pulumi-terraform-bridge pkg/tfbridge/provider.go, configDiffer.DiffConfig: a change
    # replaces only where the SchemaInfo sets ForcesProviderReplace; pulumi-github
    # provider/resources.go sets it on no config field.
    "pulumi:providers:github": ConfigModel(targets=("owner", "organization", "baseUrl")),
}
_K8S_CLUSTER_KEYS = ("kubeconfig", "context", "cluster")


def diff_config(type_: str, old: Mapping[str, Any], new: Mapping[str, Any],
                comparable: bool = True) -> tuple[str, ...]:
    """The config keys for which the new provider's DiffConfig reports a replacement (empty:
    its resources are not replaced). `comparable` is False when `old` comes from a state
    export, whose secret values (a kubeconfig) cannot be compared with a capture's."""
    model = PROVIDER_CONFIG.get(type_)
    if model is None:
        return ()
    changed = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
    if not model.kubernetes:
        return tuple(k for k in changed if k in model.replaces_on and k in old)
    ident = "clusterIdentifier"
    if ident in changed and old.get(ident) is not None and new.get(ident) is not None:
        return (ident,)  # updated (not added or removed): replace
    if new.get(ident) is not None and old.get(ident) == new.get(ident):
        return ()  # an unchanged identifier turns every other replacement off
    for key in _K8S_CLUSTER_KEYS:
        if _has_unknown(new.get(key)) and not is_secret(new.get(key)):
            return (key,)  # a computed cluster setting: the conservative choice is to replace
    out = ["renderYamlToDirectory"] if "renderYamlToDirectory" in changed else []
    old_cluster: Any = old.get("kubeconfig")
    new_cluster: Any = new.get("kubeconfig")
    # The capture fingerprints a kubeconfig by its active cluster only (fluxform.capture,
    # kubeconfig_marker), which is what getActiveClusterFromConfig compares. Without a
    # kubeconfig input there is no active cluster to compare (found == false): no replacement.
    old_fp = old_cluster.get("fingerprint") if is_secret(old_cluster) else None
    new_fp = new_cluster.get("fingerprint") if is_secret(new_cluster) else None
    if comparable and old_fp and new_fp and old_fp != new_fp:
        out += [k for k in _K8S_CLUSTER_KEYS if k in changed]
    return tuple(out)


def config_targets(type_: str) -> tuple[str, ...]:
    model = PROVIDER_CONFIG.get(type_)
    return model.targets if model else ()


# --- Unknowns: which values are only known after apply ------------------------------------

def _unknownish(value: Any) -> bool:
    return is_marker(value) and (value.get("$fluxform") == "unknown" or (
        value.get("$fluxform") == "secret" and value.get("fingerprint") is None))


def _fill(after: Any, before: Any) -> Any:
    """`after` with every unknown leaf replaced by `before`'s value at the same path."""
    if _unknownish(after):
        return before if before is not None else after
    if isinstance(after, dict) and not is_marker(after) and isinstance(before, dict) \
            and not is_marker(before):
        return {k: _fill(v, before.get(k)) for k, v in after.items()}
    if isinstance(after, list) and isinstance(before, list) and len(after) == len(before):
        return [_fill(a, b) for a, b in zip(after, before, strict=True)]
    return after


def unknown_paths(value: Any, path: Path = ()) -> list[Path]:
    """Paths of the unknown leaves (unknowns and secrets of unknown value) under `value`."""
    if _unknownish(value):
        return [path]
    if isinstance(value, dict) and not is_marker(value):
        return [p for k in sorted(value) for p in unknown_paths(value[k], (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in unknown_paths(v, (*path, i))]
    return []


def sources(res: Resource, key: str) -> tuple[str, ...]:
    """The resources whose outputs feed input `key` (its property dependencies)."""
    return res.property_dependencies.get(key, ())


def resolve_unknowns(after: Resource, before: Resource | None,
                     changing: Callable[[str], bool]) -> tuple[Resource, tuple[str, ...]]:
    """The one place unknowns propagate through dependencies.

    At preview the engine knows the outputs of every resource it does not create or replace
    (a same or update step returns the old state), and none of the outputs of one it creates
    or replaces (pulumi/pulumi step_generator.go; the SDK then sends those inputs as unknown).
    The capture, run against no state, sees every output as unknown. So, per top-level input
    fed by other resources' outputs (`propertyDependencies`): if any source is created or
    replaced (`changing`), the input's unknowns stay unknown and count as changed even if the
    baseline also holds an unknown (returned as "volatile" keys); otherwise they equal what
    the baseline holds at the same path, and take that value.
    Outputs of a resource updated in place are taken as unchanged (docs/plan.md).
    Returns the resolved desired resource and its volatile keys.
    """
    if not after.property_dependencies:
        return after, ()
    inputs = dict(after.inputs)
    volatile: list[str] = []
    filled = False
    for key, deps in after.property_dependencies.items():
        value = inputs.get(key)
        if value is None or not unknown_paths(value):
            continue
        if any(changing(u) for u in deps):
            volatile.append(key)
        elif before is not None and before.inputs.get(key) is not None:
            inputs[key] = _fill(value, before.inputs[key])
            filled = True
    if not filled:
        return after, tuple(volatile)
    return replace(after, inputs=inputs), tuple(volatile)


# --- Order: what `pulumi up` does first ------------------------------------------------------

def edges(res: Resource) -> set[str]:
    """What must exist before `res`: dependencies, parent, provider (step_generator.go
    registers in program order, which respects all three)."""
    out = set(res.dependencies)
    if res.parent:
        out.add(res.parent)
    if res.provider:
        out.add(res.provider)
    for deps in res.property_dependencies.values():
        out.update(deps)
    return out


def dependency_order(resources: Mapping[str, Resource],
                     tiebreak: Callable[[Resource], Any], reverse: bool = False) -> list[str]:
    """URNs with every resource after what it depends on (`reverse`: before it, the order
    deletions take: step_generator.go, GenerateDeletes/ScheduleDeletes). Resources are taken
    in `tiebreak` order, each preceded by whatever it still waits for (a depth-first
    topological sort over one C-level sort: deterministic, and cheap at 10,000 resources).
    Edges to URNs outside `resources` are ignored; a cycle (a hand-written graph) is cut."""
    keyed = sorted(resources, key=lambda u: (tiebreak(resources[u]), u))
    position = {u: i for i, u in enumerate(keyed)}
    before: dict[str, list[str]] = {}
    for urn, res in resources.items():
        for d in edges(res):
            if d in position and d != urn:
                first, then = (urn, d) if reverse else (d, urn)
                before.setdefault(then, []).append(first)
    if not before:
        return keyed
    out: list[str] = []
    done: set[str] = set()
    for root in keyed:
        if root in done:
            continue
        stack = [(root, iter(sorted(before.get(root, ()), key=position.__getitem__)))]
        done.add(root)
        while stack:
            urn, waiting = stack[-1]
            for dep in waiting:
                if dep not in done:
                    done.add(dep)
                    stack.append((dep, iter(sorted(before.get(dep, ()),
                                                   key=position.__getitem__))))
                    break
            else:
                stack.pop()
                out.append(urn)
    return out
