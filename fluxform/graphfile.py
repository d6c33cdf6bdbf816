"""Saved graphs (`fluxform plan --save`, format fluxform.graph/v1): the shipped shape check
(GRAPH_SCHEMA, also schema/fluxform-graph.schema.json) and the reader, which redacts every
graph it reads again, as it may have been written by anyone.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from fluxform.errors import PlanError, printable
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


class Bad(Exception):
    """A shape error at a JSON path (turned into one PlanError line by the caller)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where, reason)
        self.where, self.reason = where, reason


def _show(key: object) -> str:
    return printable(str(key))[:40]


def _check_value(value: Any, where: str, depth: int = 0) -> None:
    """Any JSON value nested at most MAX_DEPTH deep; markers exactly as graph.py writes them."""
    if depth > MAX_DEPTH:
        raise Bad(where, f"nested deeper than {MAX_DEPTH} levels")
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
    raise Bad(where, f"not a valid {MARKER_KEY} marker (a secret marker holds only a "
                      "fingerprint, sha256:<16 hex>)")


def check_name(raw: dict[str, Any], key: str, where: str, *, optional: bool = False) -> None:
    value = raw.get(key)
    if value is None and optional:
        return
    if not isinstance(value, str) or not value or not _NAME_RE.fullmatch(value):
        raise Bad(f"{where}.{key}", "expected a non-empty string without control characters")


def _check_urns(items: Any, where: str) -> None:
    """A list of at most MAX_URN_LIST Pulumi URNs."""
    if not isinstance(items, list):
        raise Bad(where, "expected a list of URNs")
    if len(items) > MAX_URN_LIST:
        raise Bad(where, f"more than {MAX_URN_LIST} URNs")
    for index, urn in enumerate(items):
        if not isinstance(urn, str) or not _URN_RE.fullmatch(urn):
            raise Bad(f"{where}[{index}]", "expected a URN (urn:pulumi:STACK::PROJECT::TYPE::NAME) "
                                            "without control characters")


def _check_property_dependencies(deps: Any, where: str) -> None:
    """Input name -> list of URNs whose outputs feed that input."""
    if not isinstance(deps, dict):
        raise Bad(where, "expected an object (input name -> list of URNs)")
    if len(deps) > MAX_URN_LIST:
        raise Bad(where, f"more than {MAX_URN_LIST} inputs")
    for key in sorted(deps):
        if not key or not _NAME_RE.fullmatch(key):
            raise Bad(where, "expected input names: non-empty strings without control characters")
        _check_urns(deps[key], f"{where}.{_show(key)}")


def _check_resource(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        raise Bad(where, "expected an object")
    for key in sorted(set(raw) - _RESOURCE_KEYS):  # later v1 fields: any JSON value
        _check_value(raw[key], f"{where}.{_show(key)}", 2)
    for key in ("urn", "type", "name"):
        check_name(raw, key, where)
    for key in ("parent", "provider"):
        check_name(raw, key, where, optional=True)
    for key in ("custom", "deleteBeforeReplace"):
        if key in raw and not isinstance(raw[key], bool):
            raise Bad(f"{where}.{key}", "expected true or false")
    for key in ("dependencies", "replaceOnChanges"):
        items = raw.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise Bad(f"{where}.{key}", "expected a list of strings")
    for dep in raw.get("dependencies", []):
        if not dep or not _NAME_RE.fullmatch(dep):
            raise Bad(f"{where}.dependencies", "expected URNs without control characters")
    if "aliases" in raw:
        _check_urns(raw["aliases"], f"{where}.aliases")
    if "propertyDependencies" in raw:
        _check_property_dependencies(raw["propertyDependencies"], f"{where}.propertyDependencies")
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict) or is_marker(inputs):
        raise Bad(f"{where}.inputs", "expected an object")
    _check_value(inputs, f"{where}.inputs", 2)
    _check_value(raw.get("replacementTrigger"), f"{where}.replacementTrigger", 2)


def check_graph_doc(doc: Any) -> None:
    """Raise Bad unless `doc` has the shape of GRAPH_SCHEMA (plus depth and unique URNs)."""
    if not isinstance(doc, dict):
        raise Bad("(top)", "expected an object")
    if doc.get("format") != FORMAT:
        found = doc.get("format")
        raise Bad("format", f"{_show(found)!r} is not {FORMAT!r} (hint: save one with "
                             "`fluxform plan --save FILE`)")
    unknown = sorted(_show(k) for k in set(doc) - _TOP_KEYS)
    if unknown:
        raise Bad(unknown[0], "unknown key")
    for key in ("project", "stack"):
        value = doc.get(key, "")
        if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
            raise Bad(key, "expected a string without control characters")
    resources = doc.get("resources")
    if not isinstance(resources, list):
        raise Bad("resources", "expected a list")
    seen: set[str] = set()
    for index, raw in enumerate(resources):
        _check_resource(raw, f"resources[{index}]")
        if raw["urn"] in seen:
            raise Bad(f"resources[{index}].urn", "appears twice")
        seen.add(raw["urn"])


def hide(value: Any) -> Any:
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
            res = dataclasses.replace(res, inputs=redact_keys(dict(res.inputs), keys, hide))
        res = dataclasses.replace(res, inputs=redact_credentials(res.type, dict(res.inputs)))
        resources[urn] = res
    return Graph(project=graph.project, stack=graph.stack, resources=resources)


def json_document(raw: bytes, source: str, what: str, hint: str) -> Any:
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
    doc = json_document(raw, source, "a fluxform graph", hint)
    try:
        check_graph_doc(doc)
    except Bad as bad:
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
