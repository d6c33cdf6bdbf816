"""Validate Flux objects against the CRDs of the Flux version a spec's pinned chart installs.

The CRDs are vendored in the package (fluxform/data/crds/flux-<version>/, one JSON file per
CRD; see PROVENANCE.md there and scripts/refresh_crds.py), so validation needs nothing beside
the installed package. fluxform/fluxversions.py maps the spec's `flux.chart_version` to a set.

Two checks per object:

- The served version's structural schema (openAPIV3Schema: types, required, enums, patterns,
  lengths, bounds), plus one thing the API server would not do: unknown fields are errors
  (the server silently prunes them, which hides typos). A small validator of its own
  (fluxform.crdschema) does this, with one readable line per problem;
  `unsupported_keywords()` lists any schema keyword it would ignore (a test requires there
  are none in the vendored CRDs).
- The CEL rules (`x-kubernetes-validations`), evaluated on the object with the schema's
  defaults filled in (as the API server does), by a small interpreter of the CEL subset the
  Flux CRDs use (fluxform.cel: `self.a.b`, `has()`, `size()`, `!`, `&&`, `||`, `==`, `!=`,
  `<`, `>`, string and integer literals): mutually exclusive or required-together fields and
  type-dependent fields. A rule outside that subset is reported by `unsupported_rules()`
  (a test requires there are none in the vendored CRDs), never silently passed.

This module loads the vendored CRD sets and applies both checks to objects.

An apiVersion the pinned Flux does not serve is an error; one it serves only as a deprecated
version (not the storage version) is an error too, since fluxform emits current versions only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fluxform.cel import CELUnsupported, NoSuchKey, compile_rule
from fluxform.cel import evaluate as _eval
from fluxform.crdschema import KEYWORDS, schema_errors
from fluxform.errors import FluxformError
from fluxform.fluxversions import DEFAULT_CRDS, release_for
from fluxform.spec.model import Spec

MAX_PROBLEM = 300
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _line(text: str) -> str:
    """One printable terminal line of at most MAX_PROBLEM characters (control characters, such
    as a newline in an object's key, are escaped)."""
    text = _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)
    return text if len(text) <= MAX_PROBLEM else f"{text[:MAX_PROBLEM - 3]}..."


class CRDValidationError(FluxformError):
    """Flux objects the pinned Flux would reject: one `Kind/name: field: reason` per problem.

    `one_line()` gives the problems one per line, each after the first prefixed `error: `, so
    the CLI's `error: ...` handler prints exactly one `error:` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = [_line(p) for p in problems]
        super().__init__("\n".join(self.problems))

    def one_line(self) -> str:
        return "\nerror: ".join(self.problems)


# --- the vendored CRD sets --------------------------------------------------------------------

def data_dir() -> Path:
    return Path(str(resources.files("fluxform") / "data" / "crds"))


def crd_sets() -> list[str]:
    """The vendored CRD sets (Flux versions), oldest first."""
    names = [p.name.removeprefix("flux-") for p in data_dir().glob("flux-*") if p.is_dir()]
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


@dataclass
class Version:
    """One served version of one CRD, ready to validate against."""

    api_version: str
    kind: str
    storage: bool
    schema: dict[str, Any]

    @functools.cached_property
    def rules(self) -> list[tuple[tuple[str, ...], str, str]]:
        """(schema path of the node, CEL rule, message) of every x-kubernetes-validations;
        the path holds property names, `[]` for list items, `{}` for map values."""
        out: list[tuple[tuple[str, ...], str, str]] = []
        for path, node in _schema_nodes(self.schema, ()):
            out += [(path, str(r["rule"]), str(r.get("message") or ""))
                    for r in node.get("x-kubernetes-validations", ())]
        return out


def _schema_nodes(node: Mapping[str, Any], path: tuple[str, ...]
                  ) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _schema_nodes(child, (*path, name))
    if isinstance(node.get("items"), Mapping):
        yield from _schema_nodes(node["items"], (*path, "[]"))
    if isinstance(node.get("additionalProperties"), Mapping):
        yield from _schema_nodes(node["additionalProperties"], (*path, "{}"))


@functools.cache
def versions(crds: str = DEFAULT_CRDS) -> dict[tuple[str, str], Version]:
    """(apiVersion, kind) -> Version, for every served version of every CRD of the set."""
    directory = data_dir() / f"flux-{crds}"
    if not directory.is_dir():
        raise FluxformError(f"no vendored Flux CRDs for Flux {crds} in {data_dir()} "
                            "(hint: scripts/refresh_crds.py SRC_DIR VERSION)")
    out: dict[tuple[str, str], Version] = {}
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        spec = doc["spec"]
        for version in spec["versions"]:
            if version.get("served"):
                api = f"{spec['group']}/{version['name']}"
                out[(api, spec["names"]["kind"])] = Version(
                    api, spec["names"]["kind"], bool(version.get("storage")),
                    version["schema"]["openAPIV3Schema"])
    return out


def unsupported_keywords(crds: str = DEFAULT_CRDS) -> list[str]:
    """`Kind apiVersion: keyword` for every schema keyword of the set the validator ignores."""
    return sorted({f"{v.kind} {v.api_version}: {key}" for v in versions(crds).values()
                   for _, node in _schema_nodes(v.schema, ()) for key in node
                   if key not in KEYWORDS})


# --- the CEL rules (fluxform.cel) on an object, with the schema's defaults ------------------

def unsupported_rules(crds: str = DEFAULT_CRDS) -> list[str]:
    """`Kind apiVersion: rule: why` for every CEL rule of the set outside the subset."""
    out = []
    for version in versions(crds).values():
        for _, rule, _message in version.rules:
            try:
                compile_rule(rule)
            except CELUnsupported as exc:
                out.append(f"{version.kind} {version.api_version}: {rule}: {exc}")
    return sorted(out)


def _nodes(value: Any, path: tuple[str, ...], shown: str) -> Iterator[tuple[str, Any]]:
    """(display path, value) of every node of `value` at schema path `path`."""
    if not path:
        yield shown, value
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _nodes(item, rest, f"{shown}[{i}]")
    elif head == "{}":
        if isinstance(value, Mapping):
            for key, item in sorted(value.items()):
                yield from _nodes(item, rest, f"{shown}.{key}" if shown else str(key))
    elif isinstance(value, Mapping) and head in value:
        yield from _nodes(value[head], rest, f"{shown}.{head}" if shown else head)


def _defaulted(schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with the schema's `default`s filled in where a field is missing, as the API
    server does before it evaluates the CEL rules (a rule may read a defaulted field, e.g.
    Bucket's `self.provider`). Only fields of objects that are there get defaults."""
    if isinstance(value, Mapping):
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = properties.get(key, extra if isinstance(extra, Mapping) else None)
            out[key] = _defaulted(child, item) if child is not None else item
        for key, child in properties.items():
            if key not in out and "default" in child:
                out[key] = _defaulted(child, json.loads(json.dumps(child["default"])))
        return out
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, Mapping):
        return [_defaulted(items, item) for item in value]
    return value


def _cel_errors(version: Version, obj: Mapping[str, Any]) -> list[str]:
    obj = _defaulted(version.schema, obj)
    out = []
    for path, rule, message in version.rules:
        try:
            compiled = compile_rule(rule)
        except CELUnsupported:
            continue  # reported by unsupported_rules(); a test keeps that list empty
        for shown, node in _nodes(obj, path, ""):
            try:
                ok = bool(_eval(compiled, node))
            except (NoSuchKey, TypeError):
                ok = False
            if not ok:
                out.append(f"{shown or '<root>'}: {message or f'failed rule: {rule}'}")
    return out


# --- the API -------------------------------------------------------------------------------

def validate_object(obj: Mapping[str, Any], crds: str = DEFAULT_CRDS) -> list[str]:
    """`field: reason` for every problem of one object against the set `crds`; [] when valid."""
    key = (str(obj.get("apiVersion")), str(obj.get("kind")))
    known = versions(crds)
    version = known.get(key)
    if version is None:
        return [f"apiVersion: {key[0]} is not a {key[1]} API version Flux {crds} serves"]
    if not version.storage:
        current = [v.api_version for v in known.values() if v.kind == key[1] and v.storage]
        return [f"apiVersion: {key[0]} is deprecated in Flux {crds}"
                + (f" (hint: use {current[0]})" if current else "")]
    problems: list[str] = []
    schema_errors(version.schema, obj, "", problems)
    return sorted(dict.fromkeys(problems + _cel_errors(version, obj)))


def check_objects(objects: Iterable[Mapping[str, Any]], crds: str = DEFAULT_CRDS) -> list[str]:
    """`Kind/name: field: reason` for every problem of every object, in the objects' order."""
    out = []
    for obj in objects:
        metadata = obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        out += [f"{obj.get('kind')}/{name}: {line}" for line in validate_object(obj, crds)]
    return out


def spec_objects(spec: Spec) -> list[dict[str, Any]]:
    """Every Flux object fluxform emits for `spec`, whoever applies it (Pulumi or Flux)."""
    from fluxform.manifests import bootstrap_objects, gitops_objects

    return bootstrap_objects(spec) + gitops_objects(spec)


def check_spec(spec: Spec, spec_path: str | Path | None = None) -> str:
    """Validate every Flux object of `spec` against the CRDs of its pinned chart.

    Returns the CRD set used; raises SpecError (unknown chart version, at its line in the file
    at `spec_path`) or CRDValidationError (one line per problem)."""
    release = release_for(spec, spec_path)
    problems = check_objects(spec_objects(spec), release.crds)
    if problems:
        raise CRDValidationError(problems)
    return release.crds
