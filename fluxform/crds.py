"""Validate Flux objects against the CRDs of the Flux version a spec's pinned chart installs.

The CRDs are vendored in the package (fluxform/data/crds/flux-<version>/, one JSON file per
CRD; see PROVENANCE.md there and scripts/refresh_crds.py), so validation needs nothing beside
the installed package. fluxform/fluxversions.py maps the spec's `flux.chart_version` to a set.

Two checks per object:

- The served version's structural schema (openAPIV3Schema: types, required, enums, patterns,
  lengths, bounds), plus one thing the API server would not do: unknown fields are errors
  (the server silently prunes them, which hides typos). A small validator of its own does
  this, with one readable line per problem; `unsupported_keywords()` lists any schema keyword
  it would ignore (a test requires there are none in the vendored CRDs).
- The CEL rules (`x-kubernetes-validations`), evaluated on the object with the schema's
  defaults filled in (as the API server does), by a small interpreter of the CEL subset the
  Flux CRDs use (`self.a.b`, `has()`, `size()`, `!`, `&&`, `||`, `==`, `!=`, `<`,
  `>`, string and integer literals): mutually exclusive or required-together fields and
  type-dependent fields. A rule outside that subset is reported by `unsupported_rules()`
  (a test requires there are none in the vendored CRDs), never silently passed.

An apiVersion the pinned Flux does not serve is an error; one it serves only as a deprecated
version (not the storage version) is an error too, since fluxform emits current versions only.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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


KEYWORDS = frozenset({
    "type", "description", "properties", "required", "items", "additionalProperties", "enum",
    "pattern", "format", "default", "maxLength", "minLength", "minimum", "maximum", "maxItems",
    "minItems", "nullable", "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
})
"""The schema keywords the validator below understands (`format` is an annotation to it, as
to JSON Schema validators by default; `default` is filled in before the CEL rules run).
`unsupported_keywords()` lists any other keyword in the vendored CRDs (a test requires there
are none)."""


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


# --- a CEL subset ---------------------------------------------------------------------------

class CELUnsupported(Exception):
    """The rule uses CEL outside the subset this module interprets."""


class _NoSuchKey(Exception):
    """CEL evaluation error: a field that is not set was read."""


_TOKEN = re.compile(r"\s*(?:(?P<op>&&|\|\||==|!=|<=|>=|[!()<>.])|(?P<str>'[^'\\]*')"
                    r"|(?P<int>\d+)|(?P<name>[A-Za-z_]\w*))")


def _tokens(rule: str) -> list[str]:
    out: list[str] = []
    pos = 0
    rule = rule.strip()
    while pos < len(rule):
        match = _TOKEN.match(rule, pos)
        if not match or match.end() == pos:
            raise CELUnsupported(f"cannot read {rule[pos:pos + 20]!r}")
        out.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return out


Node = tuple[Any, ...]


class _Parser:
    def __init__(self, rule: str) -> None:
        self.tokens = _tokens(rule)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise CELUnsupported(f"expected {expected or 'more'}, found {token!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            raise CELUnsupported(f"unexpected {self.peek()!r}")
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.unary()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        left = self.primary()
        if self.peek() in ("==", "!=", "<", ">", "<=", ">="):
            return ("cmp", self.take(), left, self.primary())
        return left

    def selector(self) -> Node:
        self.take("self")
        path: list[str] = []
        while self.peek() == ".":
            self.take()
            path.append(self.take())
        return ("sel", tuple(path))

    def primary(self) -> Node:
        token = self.peek()
        if token == "(":
            self.take()
            node = self.disjunction()
            self.take(")")
            return node
        if token in ("has", "size"):
            self.take()
            self.take("(")
            node = self.selector()
            self.take(")")
            if token == "has" and not node[1]:
                raise CELUnsupported("has() needs a field")
            return (token, node)
        if token == "self":
            return self.selector()
        if token is not None and token.startswith("'"):
            return ("lit", self.take()[1:-1])
        if token is not None and token.isdigit():
            return ("lit", int(self.take()))
        if token in ("true", "false"):
            return ("lit", self.take() == "true")
        raise CELUnsupported(f"unsupported {token!r}")


@functools.cache
def compile_rule(rule: str) -> Node:
    """The parsed rule; CELUnsupported when it is outside the subset."""
    return _Parser(rule).parse()


def _select(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            raise _NoSuchKey(name)
        value = value[name]
    return value


def _eval(node: Node, value: Any) -> Any:
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "sel":
        return _select(value, node[1])
    if op == "has":
        *parent, name = node[1][1]
        holder = _select(value, tuple(parent))
        return isinstance(holder, Mapping) and name in holder
    if op == "size":
        return len(_select(value, node[1][1]))
    if op == "not":
        return not _eval(node[1], value)
    if op in ("or", "and"):
        # CEL's logical operators commute over errors: `error || true` is true.
        short = op == "or"
        failed: _NoSuchKey | None = None
        for side in node[1:]:
            try:
                if bool(_eval(side, value)) == short:
                    return short
            except _NoSuchKey as exc:
                failed = exc
        if failed is not None:
            raise failed
        return not short
    if op == "cmp":
        left, right = _eval(node[2], value), _eval(node[3], value)
        compare = {"==": left == right, "!=": left != right}
        if node[1] in compare:
            return compare[node[1]]
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[node[1]]
    raise CELUnsupported(op)  # pragma: no cover - the parser makes no other node


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
            except (_NoSuchKey, TypeError):
                ok = False
            if not ok:
                out.append(f"{shown or '<root>'}: {message or f'failed rule: {rule}'}")
    return out


# --- the structural schema ------------------------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float),
    "object": (Mapping,), "array": (list, tuple),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for name in ("string", "integer", "number", "object", "array"):
        if isinstance(value, _JSON_TYPES[name]):
            return name
    return type(value).__name__


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _shown(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _schema_errors(schema: Mapping[str, Any], value: Any, where: str, out: list[str]) -> None:
    """Append `field: reason` for every way `value` breaks the structural schema: its
    keywords (see KEYWORDS), and no field that the schema does not list (strict)."""
    here = where or "<root>"
    if value is None and schema.get("nullable"):
        return
    wanted = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if isinstance(value, bool) or not isinstance(value, int | str):
            out.append(f"{here}: expected integer or string, got {_json_type(value)}")
            return
    elif wanted in _JSON_TYPES:
        ok = isinstance(value, _JSON_TYPES[wanted]) and not (
            isinstance(value, bool) and wanted in ("integer", "number"))
        if not ok:
            out.append(f"{here}: expected {wanted}, got {_json_type(value)} {_short(value)}")
            return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"][:12])
        allowed += ", ..." if len(schema["enum"]) > 12 else ""
        out.append(f"{here}: {_short(value)} is not one of: {allowed}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{here}: longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{here}: shorter than {schema['minLength']} character(s)")
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            out.append(f"{here}: {_short(value)} does not match {schema['pattern']}")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{here}: {value} is less than the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{here}: {value} is more than the maximum {schema['maximum']}")
    elif isinstance(value, list | tuple):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{here}: more than {schema['maxItems']} item(s)")
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{here}: fewer than {schema['minItems']} item(s)")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                _schema_errors(items, item, _shown(where, i), out)
    elif isinstance(value, Mapping):
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                out.append(f"{_shown(where, key)}: required field is missing")
        extra = schema.get("additionalProperties")
        for key in sorted(value, key=str):
            child = properties.get(key)
            if child is not None:
                _schema_errors(child, value[key], _shown(where, key), out)
            elif isinstance(extra, Mapping):
                _schema_errors(extra, value[key], _shown(where, key), out)
            elif extra is False or (properties and extra is not True and not schema.get(
                    "x-kubernetes-preserve-unknown-fields")):
                close = difflib.get_close_matches(str(key), list(properties), n=1)
                hint = f" (hint: did you mean {close[0]}?)" if close else ""
                out.append(f"{_shown(where, str(key))}: unknown field{hint}")


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
    _schema_errors(version.schema, obj, "", problems)
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
