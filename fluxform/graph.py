"""The captured resource graph: what a Pulumi program registers, with secrets already redacted.

A Graph is the single currency between capture, baselines (git ref, `pulumi stack export`,
saved file), the diff, the policy rules and the reports. Secret values never enter it: the
capture replaces them with a SECRET marker carrying only a fingerprint, and values known only
after apply with an UNKNOWN marker. No renderer can leak what is not here.

JSON form (`fluxform plan --save`), format `fluxform.graph/v1`:

    {"format": "fluxform.graph/v1", "project": "...", "stack": "...",
     "resources": [{"urn", "type", "name", "parent", "custom", "provider",
                    "dependencies", "inputs", "replaceOnChanges", "replacementTrigger",
                    "deleteBeforeReplace", "propertyDependencies", "aliases"}, ...]}
                                                         # sorted by URN

Markers inside `inputs` (and `replacementTrigger`):
    {"$fluxform": "secret", "fingerprint": "sha256:<16 hex>" | null}
    {"$fluxform": "unknown"}

Credentials written in plain inputs (a Helm value under a credential-looking key, the
password of a URL) do not enter it either: `redact_credentials` turns the first into a
secret marker without fingerprint and masks the second (`https://user:***@host`). The
classifier (`credential_key`, `URL_WITH_PASSWORD`) is the one policy rule FF020 uses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fluxform.errors import PlanError

FORMAT = "fluxform.graph/v1"
MARKER_KEY = "$fluxform"

PathSegment = str | int
Path = tuple[PathSegment, ...]


def secret_marker(value: Any) -> dict[str, Any]:
    """The redacted stand-in for a secret value: a salted, truncated fingerprint, or none.

    The fingerprint lets a plan say "changed" without showing the value. The plan only ever
    sees placeholders (config secrets are never decrypted: their placeholder derives from the
    ciphertext) or unknowns, so the fingerprint reveals nothing a reader does not already have.
    """
    if value is None or _holds_unknown(value):
        # Partly unknown (a Secret's data built from a key not generated yet): no value to
        # fingerprint, and the plan must treat it as unknown, not as a known constant.
        return {MARKER_KEY: "secret", "fingerprint": None}
    if is_secret(value):
        return dict(value)
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(b"fluxform-secret-v1\0" + blob.encode()).hexdigest()[:16]
    return {MARKER_KEY: "secret", "fingerprint": f"sha256:{digest}"}


UNKNOWN: dict[str, Any] = {MARKER_KEY: "unknown"}


def _holds_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        if MARKER_KEY in value:
            return value.get(MARKER_KEY) == "unknown" or (
                value.get(MARKER_KEY) == "secret" and value.get("fingerprint") is None)
        return any(_holds_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_unknown(v) for v in value)
    return False


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(MARKER_KEY) == "secret"


def is_unknown(value: Any) -> bool:
    return isinstance(value, dict) and value.get(MARKER_KEY) == "unknown"


def is_marker(value: Any) -> bool:
    return isinstance(value, dict) and MARKER_KEY in value


def walk(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Yield (path, leaf) for every leaf of a JSON-like value; markers count as leaves."""
    if isinstance(value, dict) and not is_marker(value):
        for key in sorted(value):
            yield from walk(value[key], (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))
    else:
        yield path, value


def format_path(path: Path) -> str:
    """Human form of a path: spec.hard["requests.cpu"], spec.dependsOn[0]."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif seg.startswith("[") and seg.endswith("]"):
            out += seg
        elif seg.replace("_", "").replace("-", "").isalnum() and not seg[:1].isdigit():
            out += f".{seg}" if out else seg
        else:
            out += f"[{json.dumps(seg)}]"
    return out


def get_path(value: Any, path: Path) -> Any:
    """The value at `path`, or None when any segment is missing."""
    for seg in path:
        if isinstance(seg, int) and isinstance(value, list) and -len(value) <= seg < len(value):
            value = value[seg]
        elif isinstance(seg, str) and isinstance(value, dict) and not is_marker(value):
            value = value.get(seg)
        else:
            return None
    return value


@dataclass(frozen=True)
class Resource:
    """One registered resource (custom or component), identified by its URN."""

    urn: str
    type: str
    name: str
    parent: str | None = None
    custom: bool = True
    provider: str | None = None
    """URN of the explicit provider (the `::id` suffix is dropped), None for the default one."""
    dependencies: tuple[str, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    replace_on_changes: tuple[str, ...] = ()
    replacement_trigger: Any = None
    delete_before_replace: bool = False
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Top-level input key -> URNs whose outputs feed it (the SDK's `propertyDependencies`):
    what `fluxform.replacement.resolve_unknowns` follows to decide which unknowns change."""
    aliases: tuple[str, ...] = ()
    """URNs this resource was known by before (its `aliases` option, resolved to URNs)."""

    def secret_paths(self) -> list[Path]:
        return [p for p, leaf in walk(dict(self.inputs)) if is_secret(leaf)]

    @property
    def is_kubernetes(self) -> bool:
        return self.type.startswith("kubernetes:") and not self.type.startswith(
            "pulumi:providers:"
        )

    @property
    def k8s_identity(self) -> tuple[str, str, str] | None:
        """(kind, namespace, name) for a Kubernetes object, from its inputs; None otherwise."""
        if not self.is_kubernetes or self.type.startswith("kubernetes:helm.sh/"):
            return None
        kind = self.inputs.get("kind") or self.type.rsplit(":", 1)[-1]
        meta = self.inputs.get("metadata") or {}
        if not isinstance(meta, dict):
            return None
        name = meta.get("name")
        namespace = meta.get("namespace") or ""
        if not isinstance(name, str) or not isinstance(namespace, str):
            return None
        return str(kind), namespace, name

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "provider": self.provider,
            "dependencies": list(self.dependencies),
            "inputs": self.inputs,
            "replaceOnChanges": list(self.replace_on_changes),
            "replacementTrigger": self.replacement_trigger,
            "deleteBeforeReplace": self.delete_before_replace,
            "propertyDependencies": {k: list(v) for k, v in self.property_dependencies.items()},
            "aliases": list(self.aliases),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Resource:
        try:
            return cls(
                urn=str(raw["urn"]),
                type=str(raw["type"]),
                name=str(raw["name"]),
                parent=raw.get("parent"),
                custom=bool(raw.get("custom", True)),
                provider=raw.get("provider"),
                dependencies=tuple(raw.get("dependencies") or ()),
                inputs=dict(raw.get("inputs") or {}),
                replace_on_changes=tuple(raw.get("replaceOnChanges") or ()),
                replacement_trigger=raw.get("replacementTrigger"),
                delete_before_replace=bool(raw.get("deleteBeforeReplace", False)),
                property_dependencies=_property_dependencies(raw.get("propertyDependencies")),
                aliases=tuple(str(a) for a in raw.get("aliases") or () if isinstance(a, str)),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise PlanError(f"graph resource is malformed: {exc}") from None


def _property_dependencies(raw: Any) -> dict[str, tuple[str, ...]]:
    """`propertyDependencies` of a saved graph: input -> URNs; anything else is ignored
    (a graph saved before the key existed, or a damaged one, just has none)."""
    if not isinstance(raw, dict):
        return {}
    return {str(k): tuple(u for u in v if isinstance(u, str))
            for k, v in raw.items() if isinstance(v, list)}


@dataclass(frozen=True)
class Graph:
    """All resources of one stack, keyed by URN (iteration is in URN order)."""

    project: str
    stack: str
    resources: Mapping[str, Resource] = field(default_factory=dict)
    origin: str = "capture"
    """Where the graph came from: `capture` (a program run or a saved capture) or `state`
    (a `pulumi stack export`, whose secrets are ciphertexts that no capture can match).
    Not serialized."""

    def __post_init__(self) -> None:
        ordered = {urn: self.resources[urn] for urn in sorted(self.resources)}
        object.__setattr__(self, "resources", ordered)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    def by_type(self, type_: str) -> list[Resource]:
        return [r for r in self if r.type == type_]

    def children(self, urn: str) -> list[Resource]:
        return [r for r in self if r.parent == urn]

    def to_doc(self) -> dict[str, Any]:
        """The JSON document of the graph (what `to_json` writes), as Python values."""
        return {
            "format": FORMAT,
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_doc(), sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    def to_compact_json(self) -> str:
        """The same document without whitespace, one line: what the capture cache stores.
        json's C encoder writes it (an `indent` sends `to_json` through the pure-Python one,
        about 4x slower); `Graph.from_json` reads either, and the graph it gives writes the
        same `to_json` bytes (tests/cache/test_entries.py)."""
        return json.dumps(self.to_doc(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "<graph>") -> Graph:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanError(f"{source}: not a fluxform graph: invalid JSON ({exc.msg})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise PlanError(
                f"{source}: not a fluxform graph (format {found!r}, expected {FORMAT!r}); "
                "hint: save one with `fluxform plan --save FILE`"
            )
        resources = [Resource.from_json(r) for r in doc.get("resources") or []]
        return cls(
            project=str(doc.get("project", "")),
            stack=str(doc.get("stack", "")),
            resources={r.urn: r for r in resources},
        )


# Input properties the real engine always treats as secret for a type, whatever the program did.
ALWAYS_SECRET_INPUTS: Mapping[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Secret": ("data", "stringData"),
    # pulumi-kubernetes does not mark it secret; it holds credentials (fluxform marks it).
    "pulumi:providers:kubernetes": ("kubeconfig",),
}


def redact_keys(inputs: dict[str, Any], keys: tuple[str, ...],
                mark: Callable[[Any], Any] = secret_marker) -> dict[str, Any]:
    """A copy of `inputs` with every value under the given top-level keys replaced by
    `mark(value)` (per entry for mappings)."""
    out = dict(inputs)
    for key in keys:
        value = out.get(key)
        if isinstance(value, dict) and not is_marker(value):
            out[key] = {k: mark(v) for k, v in value.items()}
        elif value is not None:
            out[key] = mark(value)
    return out


# --- Credentials written in plain inputs ----------------------------------------------------
# One classifier for the capture (what enters the graph) and policy rule FF020 (what it flags).

# `scheme://user:password@`: a URL carrying a password (group 1 ends at the `:` before it).
# `ssh://git@host` (a user, no password) is the normal form of a Git URL and is fine. The
# pattern starts at the literal `://` and every part stops at a delimiter, so it scans a
# string in linear time.
URL_WITH_PASSWORD = re.compile(r"(?<=[A-Za-z0-9+.-])(://[^/?#@\s:]*:)[^/?#\s]+@")
"""user:password@ in a URL; the password runs to the last `@` of the authority, as Go's
net/url splits it, so a password holding `@` is masked whole."""
URL_WITH_TOKEN = re.compile(r"((?:https?|oci)://)[^/?#@\s:]+@", re.IGNORECASE)
"""A bare token as the user of an https:// or oci:// URL (`https://<token>@host`); ssh://git@
is a user name, not a credential, and stays."""
MASKED_PASSWORD = "***"
# Words of a Helm value key that name a credential, and compounds ending in `key` that do.
SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "token", "secret",
                          "credential", "credentials", "apikey", "privatekey", "accesskey",
                          "secretkey", "clientsecret"})
SECRET_KEY_COMPOUNDS = frozenset({"api", "private", "access", "secret", "client", "license",
                                  "encryption", "signing", "master", "auth"})
# Words that make such a key a *reference* to a Secret (`existingSecret`, `secretName`,
# `tokenSecretRef`, `passwordKey`), which is the recommended form, or a non-secret setting.
REFERENCE_WORDS = frozenset({"existing", "name", "ref", "file", "path", "key", "enabled",
                             "enable", "length", "mount", "create", "annotations", "labels",
                             "keys", "names", "type", "provider", "env", "source", "from"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
HELM_RELEASE_PULUMI = "kubernetes:helm.sh/v3:Release"


def credential_key(key: str) -> bool:
    """True for a Helm value key that names a credential (`password`, `adminPassword`,
    `api_key`, `auth.token`), False for references to Secrets (`existingSecret`, `secretName`,
    `passwordKey`) and settings (`tokenLength`)."""
    words = [w.lower() for w in _WORD.findall(key)]
    if words == ["key"] or (len(words) > 1 and words[-1] == "key"
                            and words[-2] in SECRET_KEY_COMPOUNDS):
        return True
    if not words or words[0] == "existing" or any(w in REFERENCE_WORDS for w in words[1:]):
        return False
    return any(w in SECRET_WORDS for w in words)


def plain_credential(key: Any, value: Any) -> bool:
    """A non-empty plain string under a credential-looking key."""
    return isinstance(value, str) and bool(value) and isinstance(key, str) and credential_key(key)


def credential_marker(value: Any) -> bool:
    """The marker `redact_credentials` leaves for a plain credential: a secret without
    fingerprint (a Pulumi secret of unknown value reads the same)."""
    return is_secret(value) and value.get("fingerprint") is None


def helm_values_path(type_: str) -> tuple[str, ...] | None:
    """Where a resource type holds Helm values: a Flux HelmRelease's `spec.values`, a Pulumi
    Helm release's `values`; None for every other type."""
    if type_ == HELM_RELEASE_PULUMI:
        return ("values",)
    if type_.startswith("kubernetes:") and type_.endswith(":HelmRelease") \
            and not type_.startswith("kubernetes:helm.sh/"):
        return ("spec", "values")
    return None


def mask_url_passwords(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***` (`https://u:***@h`), and a
    bare token user of an https:// or oci:// URL too (`https://***@h`)."""
    if "://" not in text or "@" not in text:
        return text
    text = URL_WITH_PASSWORD.sub(r"\1" + MASKED_PASSWORD + "@", text)
    return URL_WITH_TOKEN.sub(r"\1" + MASKED_PASSWORD + "@", text)


_CREDENTIAL = {MARKER_KEY: "secret", "fingerprint": None}


def _redact_values(values: Any) -> Any:
    if isinstance(values, dict) and not is_marker(values):
        return {k: dict(_CREDENTIAL) if plain_credential(k, v) else _redact_values(v)
                for k, v in values.items()}
    if isinstance(values, list):
        return [_redact_values(v) for v in values]
    return values


def _mask_urls(value: Any) -> Any:
    if isinstance(value, str):
        return mask_url_passwords(value)
    if isinstance(value, dict) and not is_marker(value):
        return {k: _mask_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_urls(v) for v in value]
    return value


def redact_helm_values(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """`inputs` with every plain credential in its Helm values (see `helm_values_path`)
    replaced by a secret marker without fingerprint: nothing derived from the value is kept,
    so a change of such a value is not detected (docs/security.md)."""
    path = helm_values_path(type_)
    if path is None:
        return inputs
    parent: Any = inputs if len(path) == 1 else inputs.get(path[0])
    if not isinstance(parent, dict) or is_marker(parent) or path[-1] not in parent:
        return inputs
    redacted = _redact_values(parent[path[-1]])
    if len(path) == 1:
        return {**inputs, path[0]: redacted}
    return {**inputs, path[0]: {**parent, path[-1]: redacted}}


def redact_credentials(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """`inputs` with the plain credentials in Helm values redacted and every URL password
    masked: what the capture does on the way in, for graphs read from elsewhere."""
    out: dict[str, Any] = _mask_urls(inputs)
    return redact_helm_values(type_, out)
