"""The JSON Schema (draft 2020-12) of the spec format, read off the same table as the loader.

It carries every rule a schema can state: keys, kinds, patterns, lengths, choices, required
keys, defaults, "exactly one of", "needs", reserved names. What it cannot state, the loader
still checks and is the authority on: names unique within a list, references to layers,
repositories, releases and providers, depends_on cycles, and the YAML-level rules (no
anchors, tags or duplicate keys; size and depth bounds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fluxform.spec.fields import OBJECT_REF, SOURCE, SPEC
from fluxform.spec.kinds import Choice, Dict, Field, Flag, Json, Kind, Obj, Seq, Text, When, Whole

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
