"""Baselines to plan against: a saved graph, a `pulumi stack export`, a Git revision, or none.

`resolve` returns the baseline Graph (None: an empty stack, so everything is a create) and a
label that every report prints, so a reader always knows what the plan was compared with.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from fluxform.errors import PlanError, printable
from fluxform.gitref import capture_at_ref
from fluxform.graph import (
    ALWAYS_SECRET_INPUTS,
    FORMAT,
    MARKER_KEY,
    Graph,
    Resource,
    is_marker,
    redact_credentials,
    redact_keys,
    secret_marker,
)

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
# Bookkeeping the providers keep beside the inputs; never part of what a program declares.
INTERNAL_KEYS = frozenset({"__defaults", "__inputs", "__meta", "__internal"})
# Provider-resource inputs the engine adds itself (the SDK sends them as request fields).
ENGINE_PROVIDER_INPUTS = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})
NO_BASELINE = "none (everything is a create)"


MAX_DEPTH = 64
"""Deepest nesting of objects and arrays accepted in a saved graph or a state export."""
SCHEMA_ID = "https://fluxform.dev/schema/fluxform-graph.v1.schema.json"
_FINGERPRINT = r"^sha256:[0-9a-f]{16}$"
_NAME = r"^[^\u0000-\u001f\u007f-\u009f]*$"
_URN = (r"^urn:pulumi:[^\u0000-\u001f\u007f-\u009f]*::[^\u0000-\u001f\u007f-\u009f]*"
        r"::[^\u0000-\u001f\u007f-\u009f]*::[^\u0000-\u001f\u007f-\u009f]*$")
"""A Pulumi URN as the engine accepts one (pulumi/pulumi sdk/go/common/resource/urn.go,
IsValid: the `urn:pulumi:` prefix and at least three `::`), without control characters."""
MAX_URN_LIST = 4096
"""Most URNs in one `aliases` or `propertyDependencies` list, and most inputs with
`propertyDependencies` on one resource."""
GRAPH_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "fluxform saved graph (fluxform plan --save), format fluxform.graph/v1",
    "description": "What a Pulumi program registers, secrets already redacted. fluxform also "
                   f"refuses nesting deeper than {MAX_DEPTH} levels and duplicate URNs, and "
                   "redacts the always-secret inputs (Secret data) of every graph it reads.",
    "type": "object",
    "required": ["format", "resources"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "project": {"type": "string", "pattern": _NAME},
        "stack": {"type": "string", "pattern": _NAME},
        "resources": {"type": "array", "items": {"$ref": "#/$defs/resource"}},
    },
    "$defs": {
        "name": {"type": "string", "minLength": 1, "pattern": _NAME},
        "resource": {
            "type": "object",
            "required": ["urn", "type", "name"],
            "additionalProperties": {"$ref": "#/$defs/value"},
            "properties": {
                "urn": {"$ref": "#/$defs/name"},
                "type": {"$ref": "#/$defs/name"},
                "name": {"$ref": "#/$defs/name"},
                "parent": {"oneOf": [{"$ref": "#/$defs/name"}, {"type": "null"}]},
                "custom": {"type": "boolean"},
                "provider": {"oneOf": [{"$ref": "#/$defs/name"}, {"type": "null"}]},
                "dependencies": {"type": "array", "items": {"$ref": "#/$defs/name"}},
                "inputs": {"$ref": "#/$defs/object"},
                "replaceOnChanges": {"type": "array", "items": {"type": "string"}},
                "replacementTrigger": {"$ref": "#/$defs/value"},
                "deleteBeforeReplace": {"type": "boolean"},
                "propertyDependencies": {"type": "object", "maxProperties": MAX_URN_LIST,
                                         "propertyNames": {"$ref": "#/$defs/name"},
                                         "additionalProperties": {"$ref": "#/$defs/urns"}},
                "aliases": {"$ref": "#/$defs/urns"},
            },
        },
        "urn": {"type": "string", "pattern": _URN},
        "urns": {"type": "array", "maxItems": MAX_URN_LIST, "items": {"$ref": "#/$defs/urn"}},
        "value": {"oneOf": [
            {"type": ["string", "number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/$defs/value"}},
            {"$ref": "#/$defs/object"},
        ]},
        "object": {"oneOf": [
            {"type": "object", "not": {"required": [MARKER_KEY]},
             "additionalProperties": {"$ref": "#/$defs/value"}},
            {"$ref": "#/$defs/marker"},
        ]},
        "marker": {"oneOf": [
            {"type": "object", "required": [MARKER_KEY, "fingerprint"],
             "additionalProperties": False,
             "properties": {MARKER_KEY: {"const": "secret"},
                            "fingerprint": {"oneOf": [{"type": "null"},
                                                      {"type": "string",
                                                       "pattern": _FINGERPRINT}]}}},
            {"type": "object", "required": [MARKER_KEY], "additionalProperties": False,
             "properties": {MARKER_KEY: {"enum": ["unknown", "opaque"]}}},
        ]},
    },
}
_NAME_RE = re.compile(_NAME)
_FINGERPRINT_RE = re.compile(_FINGERPRINT)
_URN_RE = re.compile(_URN)
_RESOURCE_KEYS = frozenset(GRAPH_SCHEMA["$defs"]["resource"]["properties"])
_TOP_KEYS = frozenset(GRAPH_SCHEMA["properties"])


class _Bad(Exception):
    """A shape error at a JSON path (turned into one PlanError line by the caller)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where, reason)
        self.where, self.reason = where, reason


def _show(key: object) -> str:
    return printable(str(key))[:40]


def _check_value(value: Any, where: str, depth: int = 0) -> None:
    """Any JSON value nested at most MAX_DEPTH deep; markers exactly as graph.py writes them."""
    if depth > MAX_DEPTH:
        raise _Bad(where, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        if MARKER_KEY in value:
            _check_marker(value, where)
            return
        for key, item in value.items():
            _check_value(item, f"{where}.{_show(key)}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]", depth + 1)


def _check_marker(value: dict[str, Any], where: str) -> None:
    kind = value.get(MARKER_KEY)
    if kind == "secret":
        fingerprint = value.get("fingerprint")
        if set(value) == {MARKER_KEY, "fingerprint"} and (
                fingerprint is None or (isinstance(fingerprint, str)
                                        and _FINGERPRINT_RE.fullmatch(fingerprint))):
            return
    elif kind in ("unknown", "opaque") and set(value) == {MARKER_KEY}:
        return
    raise _Bad(where, f"not a valid {MARKER_KEY} marker (a secret marker holds only a "
                      "fingerprint, sha256:<16 hex>)")


def _name(raw: dict[str, Any], key: str, where: str, *, optional: bool = False) -> None:
    value = raw.get(key)
    if value is None and optional:
        return
    if not isinstance(value, str) or not value or not _NAME_RE.fullmatch(value):
        raise _Bad(f"{where}.{key}", "expected a non-empty string without control characters")


def _check_urns(items: Any, where: str) -> None:
    """A list of at most MAX_URN_LIST Pulumi URNs."""
    if not isinstance(items, list):
        raise _Bad(where, "expected a list of URNs")
    if len(items) > MAX_URN_LIST:
        raise _Bad(where, f"more than {MAX_URN_LIST} URNs")
    for index, urn in enumerate(items):
        if not isinstance(urn, str) or not _URN_RE.fullmatch(urn):
            raise _Bad(f"{where}[{index}]", "expected a URN (urn:pulumi:STACK::PROJECT::TYPE::NAME) "
                                            "without control characters")


def _check_property_dependencies(deps: Any, where: str) -> None:
    """Input name -> list of URNs whose outputs feed that input."""
    if not isinstance(deps, dict):
        raise _Bad(where, "expected an object (input name -> list of URNs)")
    if len(deps) > MAX_URN_LIST:
        raise _Bad(where, f"more than {MAX_URN_LIST} inputs")
    for key in sorted(deps):
        if not key or not _NAME_RE.fullmatch(key):
            raise _Bad(where, "expected input names: non-empty strings without control characters")
        _check_urns(deps[key], f"{where}.{_show(key)}")


def _check_resource(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        raise _Bad(where, "expected an object")
    for key in sorted(set(raw) - _RESOURCE_KEYS):  # later v1 fields: any JSON value
        _check_value(raw[key], f"{where}.{_show(key)}", 2)
    for key in ("urn", "type", "name"):
        _name(raw, key, where)
    for key in ("parent", "provider"):
        _name(raw, key, where, optional=True)
    for key in ("custom", "deleteBeforeReplace"):
        if key in raw and not isinstance(raw[key], bool):
            raise _Bad(f"{where}.{key}", "expected true or false")
    for key in ("dependencies", "replaceOnChanges"):
        items = raw.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise _Bad(f"{where}.{key}", "expected a list of strings")
    for dep in raw.get("dependencies", []):
        if not dep or not _NAME_RE.fullmatch(dep):
            raise _Bad(f"{where}.dependencies", "expected URNs without control characters")
    if "aliases" in raw:
        _check_urns(raw["aliases"], f"{where}.aliases")
    if "propertyDependencies" in raw:
        _check_property_dependencies(raw["propertyDependencies"], f"{where}.propertyDependencies")
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict) or is_marker(inputs):
        raise _Bad(f"{where}.inputs", "expected an object")
    _check_value(inputs, f"{where}.inputs", 2)
    _check_value(raw.get("replacementTrigger"), f"{where}.replacementTrigger", 2)


def check_graph_doc(doc: Any) -> None:
    """Raise _Bad unless `doc` has the shape of GRAPH_SCHEMA (plus depth and unique URNs)."""
    if not isinstance(doc, dict):
        raise _Bad("(top)", "expected an object")
    if doc.get("format") != FORMAT:
        found = doc.get("format")
        raise _Bad("format", f"{_show(found)!r} is not {FORMAT!r} (hint: save one with "
                             "`fluxform plan --save FILE`)")
    unknown = sorted(_show(k) for k in set(doc) - _TOP_KEYS)
    if unknown:
        raise _Bad(unknown[0], "unknown key")
    for key in ("project", "stack"):
        value = doc.get(key, "")
        if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
            raise _Bad(key, "expected a string without control characters")
    resources = doc.get("resources")
    if not isinstance(resources, list):
        raise _Bad("resources", "expected a list")
    seen: set[str] = set()
    for index, raw in enumerate(resources):
        _check_resource(raw, f"resources[{index}]")
        if raw["urn"] in seen:
            raise _Bad(f"resources[{index}].urn", "appears twice")
        seen.add(raw["urn"])


def _hide(value: Any) -> Any:
    """A value the state kept unencrypted under an always-secret key gets no fingerprint: a
    hash of a real secret, unlike one of a placeholder, can be guessed."""
    return value if is_marker(value) else secret_marker(None)


def redact_graph(graph: Graph) -> Graph:
    """`graph` with the always-secret inputs of every resource (Secret data...) redacted: a
    graph read from a file may have been written by anyone, not only by fluxform's capture."""
    resources = {}
    for urn, res in graph.resources.items():
        keys = ALWAYS_SECRET_INPUTS.get(res.type, ())
        if keys:
            res = dataclasses.replace(res, inputs=redact_keys(dict(res.inputs), keys, _hide))
        res = dataclasses.replace(res, inputs=redact_credentials(res.type, dict(res.inputs)))
        resources[urn] = res
    return Graph(project=graph.project, stack=graph.stack, resources=resources)


def _json_document(raw: bytes, source: str, what: str, hint: str) -> Any:
    """Bytes -> JSON value: non-UTF-8, invalid JSON and absurd nesting are one PlanError line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanError(f"{source}:{line}: not {what}: invalid UTF-8 (hint: {hint})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{source}:{exc.lineno}: not {what}: invalid JSON ({exc.msg}) "
                        f"(hint: {hint})") from None
    except RecursionError:
        raise PlanError(f"{source}: not {what}: nested deeper than {MAX_DEPTH} levels "
                        f"(hint: {hint})") from None


def parse_graph(raw: bytes, source: str) -> Graph:
    """A saved graph from its bytes: shape checked against GRAPH_SCHEMA, then redacted."""
    hint = "save one with `fluxform plan --save FILE`"
    doc = _json_document(raw, source, "a fluxform graph", hint)
    try:
        check_graph_doc(doc)
    except _Bad as bad:
        raise PlanError(f"{source}: not a fluxform graph: {bad.where}: {bad.reason}") from None
    resources = [Resource.from_json(r) for r in doc["resources"]]
    graph = Graph(project=doc.get("project", ""), stack=doc.get("stack", ""),
                  resources={r.urn: r for r in resources})
    return redact_graph(graph)


def load_saved(path: str, stack: str | None = None) -> Graph:
    """A graph written by `fluxform plan --save`; a directory holds `<stack>.graph.json`."""
    target = Path(path)
    if target.is_dir():
        if stack is None:
            raise PlanError(f"{path}: is a directory (hint: name a graph file)")
        target = target / f"{stack}.graph.json"
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise PlanError(f"{target}: cannot read the baseline ({exc.strerror}) "
                        "(hint: save one with `fluxform plan --save FILE`)") from None
    return parse_graph(raw, str(target))


def _state_value(value: Any) -> Any:
    """Engine-encoded state -> graph values. Secrets become markers fingerprinted from their
    ciphertext; a `plaintext` secret (`stack export --show-secrets`) gets no fingerprint at
    all, so its value never reaches the graph in any form."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            cipher = value.get("ciphertext")
            return secret_marker({"ciphertext": cipher} if isinstance(cipher, str) else None)
        if sig == RESOURCE_SIG:
            return str(value.get("urn", ""))
        if sig is not None:
            return {"$fluxform": "opaque"}
        defaulted = value.get("__defaults")
        skip = INTERNAL_KEYS | (set(defaulted) if isinstance(defaulted, list) else set())
        return {k: _state_value(v) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_state_value(v) for v in value]
    return value


def _is_default_provider(type_: str, name: str) -> bool:
    return type_.startswith("pulumi:providers:") and (name == "default" or name.startswith("default_"))


def _provider_urn(ref: Any) -> str | None:
    """`urn::id` -> urn; a default provider (the capture never sees one) -> None."""
    if not isinstance(ref, str) or not ref:
        return None
    urn = ref.rpartition("::")[0] or ref
    parts = urn.split("::")
    if _is_default_provider(parts[-2].rpartition("$")[2] if len(parts) >= 2 else "", parts[-1]):
        return None
    return urn


def _check_state_entry(raw: Any, where: str) -> None:
    """The fields of a state resource that a plan reads, with the types the engine writes."""
    if not isinstance(raw, dict):
        raise _Bad(where, "a resource entry is not an object")
    for key in ("urn", "type"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _Bad(f"{where}.{key}", "a resource lacks urn or type (a non-empty string each)")
        _name(raw, key, where)
    for key in ("parent", "provider"):
        if raw.get(key) not in (None, ""):
            _name(raw, key, where)
    for key in ("custom", "delete", "external"):
        if raw.get(key) is not None and not isinstance(raw[key], bool):
            raise _Bad(f"{where}.{key}", "expected true or false")
    for key in ("dependencies", "replaceOnChanges"):
        items = raw.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise _Bad(f"{where}.{key}", "expected a list of strings")
    inputs = raw.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise _Bad(f"{where}.inputs", "expected an object")
    _check_depth(inputs, f"{where}.inputs", 3)
    _check_depth(raw.get("replacementTrigger"), f"{where}.replacementTrigger", 3)


def _check_depth(value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Bad(where, f"nested deeper than {MAX_DEPTH} levels")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        if isinstance(item, dict | list):
            _check_depth(item, where, depth + 1)


def _resource(raw: dict[str, Any], path: str) -> Resource | None:
    """One state entry as a graph resource; None for entries `pulumi up` would not compare."""
    try:
        urn, type_ = str(raw["urn"]), str(raw["type"])
    except (KeyError, TypeError):
        raise PlanError(f"{path}: a resource lacks urn or type") from None
    name = urn.rpartition("::")[2]
    if (type_ == "pulumi:pulumi:Stack" or raw.get("delete") or raw.get("external")
            or _is_default_provider(type_, name)):
        return None  # the stack itself, pending deletions, reads, default providers
    inputs = _state_value(raw.get("inputs") or {})
    if not isinstance(inputs, dict):
        raise PlanError(f"{path}: inputs of {name} are not an object")
    if type_.startswith("pulumi:providers:"):
        inputs = {k: v for k, v in inputs.items() if k not in ENGINE_PROVIDER_INPUTS}
    inputs = redact_keys(inputs, ALWAYS_SECRET_INPUTS.get(type_, ()), _hide)
    inputs = redact_credentials(type_, inputs)  # as the capture does (fluxform.graph)
    return Resource(
        urn=urn, type=type_, name=name, parent=raw.get("parent") or None,
        custom=bool(raw.get("custom", False)), provider=_provider_urn(raw.get("provider")),
        dependencies=tuple(sorted({str(d) for d in raw.get("dependencies") or ()})),
        inputs=inputs,
        replace_on_changes=tuple(raw.get("replaceOnChanges") or ()),
        replacement_trigger=_state_value(raw.get("replacementTrigger")),
    )


def load_state(path: str) -> Graph:
    """A `pulumi stack export` (deployment version 3) as a Graph of its resources' inputs.

    Only inputs are compared (what the program declares); outputs are ignored. Skipped: the
    stack resource, resources pending deletion, external reads and default providers, none
    of which a capture records. Provider bookkeeping (`__defaults` and the keys it names,
    `__inputs`, engine-added provider `version`) is dropped.
    """
    hint = 'expected {"version": 3, "deployment": {"resources": [...]}}'
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the state export ({exc.strerror})") from None
    doc = _json_document(raw_bytes, path, "a `pulumi stack export` file", hint)
    deployment = doc.get("deployment") if isinstance(doc, dict) else None
    raw_resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(deployment, dict) or not isinstance(raw_resources, list | None):
        raise PlanError(f"{path}: not a `pulumi stack export` file (hint: {hint})")
    if doc.get("version") != 3:
        raise PlanError(f"{path}: unsupported deployment version {printable(repr(doc.get('version')))[:40]} "
                        "(hint: export with a Pulumi CLI of version 3)")
    resources: dict[str, Resource] = {}
    project = stack = ""
    for index, raw in enumerate(raw_resources or []):
        try:
            _check_state_entry(raw, f"deployment.resources[{index}]")
        except _Bad as bad:
            raise PlanError(f"{path}: not a `pulumi stack export` file: {bad.where}: "
                            f"{bad.reason}") from None
        res = _resource(raw, path)
        parts = str(raw.get("urn", "")).split("::")
        if len(parts) >= 4 and not (project and stack):
            stack, project = parts[0].removeprefix("urn:pulumi:"), parts[1]
        if res is not None:
            if res.urn in resources:
                raise PlanError(f"{path}: URN {res.urn} appears twice")
            resources[res.urn] = res
    return Graph(project=project, stack=stack, resources=resources, origin="state")


def check_identity(graph: Graph, project: str, stack: str, source: str) -> None:
    """Refuse a baseline of another stack: every resource would show as deleted and created."""
    if graph.stack and graph.stack != stack:
        raise PlanError(f"{source}: is a baseline of stack {graph.stack!r}, not {stack!r} "
                        "(hint: pass the baseline of the stack you plan)")
    if graph.project and graph.project != project:
        raise PlanError(f"{source}: is a baseline of project {graph.project!r}, not {project!r}")


def resolve(project_dir: Path, project: str, stack: str, *, saved: str | None = None,
            state: str | None = None, base_ref: str | None = None) -> tuple[Graph | None, str]:
    """The baseline chosen by the options (at most one), and its label for the reports."""
    graph: Graph | None
    if saved:
        graph, label = load_saved(saved, stack), f"saved graph {saved}"
    elif state:
        graph, label = load_state(state), f"pulumi state {state}"
    elif base_ref:
        graph, label = capture_at_ref(project_dir, stack, base_ref)
    else:
        return None, NO_BASELINE
    if graph is not None:
        check_identity(graph, project, stack, saved or state or label)
    return graph, label
