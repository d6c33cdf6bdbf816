"""Which input changes make Pulumi replace a resource instead of updating it in place.

One table, FORCES_REPLACEMENT, keyed by type token. A key `<package>:*` applies to every
custom resource of that package; an exact token adds its own paths on top. Paths use
Pulumi's property-path syntax (the one `replaceOnChanges` takes): `a.b`, `a[0]`, `a["k.x"]`,
and `*` / `[*]` for any key or item.

Sources: pulumi-kubernetes replaces on `metadata.name`/`metadata.namespace` of every object,
`roleRef` of (Cluster)RoleBindings, a Secret's `type`, and Secret/ConfigMap contents unless
the provider sets `enableSecretMutable`/`enableConfigMapMutable` and the object is not
`immutable: true` (default providers: not mutable; an environment variable can change that,
which an offline plan cannot see). `apiVersion`/`kind` are added so that an aliased object
changing either is shown as the replacement it is. pulumi-tls, pulumi-github and pulumi-random
mark the listed arguments ForceNew. A changed `replacementTrigger`, any changed path in the
resource's own `replaceOnChanges`, and a changed explicit provider also replace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fluxform.graph import Path, Resource, is_marker

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
    "kubernetes:*": (Forces(("metadata.name", "metadata.namespace", "apiVersion", "kind")),),
    "kubernetes:core/v1:Secret": (Forces(("type",)),
                                  Forces(("data", "stringData"), "enableSecretMutable")),
    "kubernetes:core/v1:ConfigMap": (Forces(("data", "binaryData"), "enableConfigMapMutable"),),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _BINDING,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _BINDING,
    "kubernetes:helm.sh/v3:Release": (Forces(("name", "namespace")),),
    "tls:index/privateKey:PrivateKey": (Forces(("algorithm", "ecdsaCurve", "rsaBits")),),
    "github:index/repositoryDeployKey:RepositoryDeployKey": (
        Forces(("key", "repository", "title", "readOnly")),),
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
