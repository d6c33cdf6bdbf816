"""The JSON Schema (draft 2020-12) of the spec format, read off the same table as the loader.

It carries every rule a schema can state: keys, kinds, patterns, lengths, choices, required
keys, defaults, "exactly one of", "needs", reserved names. What it cannot state, the loader
still checks and is the authority on: names unique within a list, references to layers,
repositories, releases and providers, depends_on cycles, and the YAML-level rules (no
anchors, tags or duplicate keys; size and depth bounds).

`overlay_json_schema()` is the schema of an overlay file (fluxform.spec.overlay: a spec with
`extends:`, or a base that is not a complete spec on its own), read off the same table: every
key optional at every depth, kinds, patterns and choices kept, any key may be
`{$remove: true}`, and an item of a list of named mappings may be `{name: x, $remove: true}`.
`python -m fluxform.spec.schema overlay` prints it (schema/fluxform-overlay.schema.json).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fluxform.spec.fields import OBJECT_REF, SOURCE, SPEC
from fluxform.spec.kinds import Choice, Dict, Field, Flag, Json, Kind, Obj, Seq, Text, When, Whole
from fluxform.spec.overlay import EXTENDS, REMOVE, keyed_by_name

SCHEMA_ID = "urn:fluxform:spec:v1"
_DEFS: dict[str, Obj] = {"source": SOURCE, "objectRef": OBJECT_REF}


def json_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict (`fluxform schema` prints it)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "fluxform environment spec (stacks/<env>.yaml)",
        "description": "Shapes and formats only; `fluxform validate` also checks references, "
                       "unique names and depends_on cycles.",
        **_obj(SPEC),
        "$defs": {name: _obj(kind) for name, kind in _DEFS.items()},
    }


def _kind(kind: Kind) -> dict[str, Any]:
    for name, shared in _DEFS.items():
        if kind is shared:
            return {"$ref": f"#/$defs/{name}"}
    return _EMIT[type(kind)](kind)


def _field(spec: Field) -> dict[str, Any]:
    out = {**_kind(spec.kind), "description": spec.doc}
    if spec.default is not None and not isinstance(spec.kind, Obj):
        out["default"] = spec.default
    return out


def _obj(kind: Obj) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {key: _field(spec) for key, spec in kind.fields.items()},
    }
    required = [key for key, spec in kind.fields.items() if spec.required]
    if required:
        out["required"] = required
    rules: list[dict[str, Any]] = []
    for one in kind.one_of:
        first, second = one.keys
        rules.append({"oneOf": [{"required": [first]}, {"required": [second]}]} if one.required
                     else {"not": {"required": [first, second]}})
    for rule in kind.implies:
        rules.append({"if": _present(kind, rule.key), "then": _present(kind, rule.needs)})
    for when in kind.when:
        rules.append(_when(kind, when))
    if rules:
        out["allOf"] = rules
    return out


def _when(kind: Obj, when: When) -> dict[str, Any]:
    """if `key` is one of `values` (a default among them counts when the key is absent), then
    the required keys are present and none of the forbidden ones is."""
    condition: dict[str, Any] = {"properties": {when.key: {"enum": list(when.values)}}}
    if kind.fields[when.key].default not in when.values:
        condition["required"] = [when.key]
    then: dict[str, Any] = {}
    if when.required:
        then["required"] = list(when.required)
    if when.forbidden:
        then["not"] = {"anyOf": [{"required": [key]} for key in when.forbidden]}
    return {"if": condition, "then": then}


def _present(kind: Obj, key: str) -> dict[str, Any]:
    """Set, and true if it is a flag (mirrors the loader's 'not None and not false')."""
    if isinstance(kind.fields[key].kind, Flag):
        return {"required": [key], "properties": {key: {"const": True}}}
    return {"required": [key]}


def _text(kind: Text) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": kind.max_len}
    if kind.pattern:
        out["pattern"] = kind.pattern
    if kind.reserved:
        out["not"] = {"enum": list(kind.reserved)}
    if kind.numbers:
        return {"anyOf": [{"type": "integer", "minimum": 0}, out]}
    return out


def _choice(kind: Choice) -> dict[str, Any]:
    return {"enum": [*kind.choices, *(alias for alias, _ in kind.aliases)]}


def _whole(kind: Whole) -> dict[str, Any]:
    if kind.minimum == kind.maximum:
        return {"const": kind.minimum}
    return {"type": "integer", "minimum": kind.minimum, "maximum": kind.maximum}


def _seq(kind: Seq) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": _kind(kind.item)}
    if kind.unique:
        out["uniqueItems"] = True
    return out


def _dict(kind: Dict) -> dict[str, Any]:
    return {"type": "object", "propertyNames": _text(kind.key), "additionalProperties": _kind(kind.value)}


_EMIT: dict[type, Callable[[Any], dict[str, Any]]] = {
    Obj: _obj, Text: _text, Choice: _choice, Whole: _whole, Seq: _seq, Dict: _dict,
    Flag: lambda _: {"type": "boolean"}, Json: lambda _: {"type": "object"},
}


# --- overlays -------------------------------------------------------------------------------

OVERLAY_SCHEMA_ID = "urn:fluxform:spec-overlay:v1"
_REMOVE = {"$ref": "#/$defs/remove"}
_REMOVE_ITEM = {"$ref": "#/$defs/removeItem"}
_OVERLAY_DEFS: dict[str, tuple[Obj, bool]] = {"source": (SOURCE, False), "objectRef": (OBJECT_REF, True)}
"""The shared objects of the overlay schema: (kind, whether it is the item of a named list)."""


def overlay_json_schema() -> dict[str, Any]:
    """The schema of an overlay file (`fluxform.spec.overlay`): what the merge accepts.

    No key is required (`extends` neither: a base that extends nothing is not a complete spec
    either, and uses this schema too). The rules between keys that one file cannot decide
    (required keys, "exactly one of", "needs") are left to the merged spec; those one file
    does decide stay: two keys that exclude each other, or a key that a `type` forbids, both
    written in the overlay end up both in the merged spec.
    """
    body = _partial_obj(SPEC, item=False)
    body["properties"] = {EXTENDS: {
        "type": "string", "pattern": "^(?!/)\\s*\\S",
        "description": "The base spec this file builds on: a path relative to this file's directory "
                       "(in the project; a base may extend another, at most 8 files).",
    }, **body["properties"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": OVERLAY_SCHEMA_ID,
        "title": "fluxform spec overlay (a spec with extends:, or its base)",
        "description": "Every key optional; `key: {$remove: true}` removes a base key and "
                       "`- {name: x, $remove: true}` a base list item. `fluxform validate` checks the "
                       "merged spec against the full schema's rules and references.",
        **body,
        "$defs": {
            **{name: _partial_obj(kind, item) for name, (kind, item) in _OVERLAY_DEFS.items()},
            "remove": {
                "type": "object", "additionalProperties": False, "required": [REMOVE],
                "properties": {REMOVE: {"const": True}},
                "description": "Remove this key of the base (an error if the base does not have it).",
            },
            "removeItem": {
                "type": "object", "additionalProperties": False, "required": ["name", REMOVE],
                "properties": {"name": {"type": "string"}, REMOVE: {"const": True}},
                "description": "Remove the base's item of this name (an error if it has none).",
            },
        },
    }


def _partial_kind(kind: Kind, item: bool = False) -> dict[str, Any]:
    for name, (shared, as_item) in _OVERLAY_DEFS.items():
        if kind is shared and item == as_item:
            return {"$ref": f"#/$defs/{name}"}
    if isinstance(kind, Obj):
        return _partial_obj(kind, item)
    if isinstance(kind, Seq):
        out: dict[str, Any] = {"type": "array"}
        if keyed_by_name(kind):  # the lists the merge matches by name
            out["items"] = {"anyOf": [_partial_kind(kind.item, item=True), _REMOVE_ITEM]}
        else:
            out["items"] = _partial_kind(kind.item)
        if kind.unique:
            out["uniqueItems"] = True
        return out
    if isinstance(kind, Dict):
        return {"type": "object", "propertyNames": _text(kind.key),
                "additionalProperties": {"anyOf": [_kind(kind.value), _REMOVE]}}
    return _kind(kind)


def _partial_obj(kind: Obj, item: bool) -> dict[str, Any]:
    """`kind` with every key optional and removable; as the item of a named list, `name` is
    required (it is what the item merges by) and cannot be removed."""
    properties: dict[str, Any] = {}
    for key, spec in kind.fields.items():
        value = _partial_kind(spec.kind)
        if not (item and key == "name"):
            value = {"anyOf": [value, _REMOVE]}
        properties[key] = {**value, "description": spec.doc}
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if item:
        out["required"] = ["name"]
    rules: list[dict[str, Any]] = []
    for one in kind.one_of:
        rules.append({"not": {"allOf": [_written(key) for key in one.keys]}})
    for when in kind.when:
        if when.forbidden:
            chosen = {"required": [when.key], "properties": {when.key: {"enum": list(when.values)}}}
            forbidden = [_written(key) for key in when.forbidden]
            rules.append({"if": chosen, "then": {"not": {"anyOf": forbidden}}})
    if rules:
        out["allOf"] = rules
    return out


def _written(key: str) -> dict[str, Any]:
    """`key` is in the file and is not a removal (so it is in the merged spec)."""
    return {"required": [key], "properties": {key: {"not": _REMOVE}}}


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as committed: sorted keys, indent 2, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
