"""The JSON Schema of the spec format, generated from the same field table as the loader.

The schema checks shapes and value formats for editors; references between entries
(depends_on, repository names, providers) and cycles are the loader's job alone.
"""

from __future__ import annotations

from typing import Any

from fluxform.spec.fields import SPEC, F
from fluxform.spec.validate import (
    DNS_LABEL,
    DURATION,
    EXACT_VERSION,
    GH_NAME,
    QUANTITY,
)

SCHEMA_ID = "https://fluxform.dev/schema/fluxform-spec.schema.json"
_PATTERNS = {
    "name": DNS_LABEL.pattern,
    "duration": DURATION.pattern,
    "version": EXACT_VERSION.pattern,
    "ghname": GH_NAME.pattern,
}


def _node(f: F) -> dict[str, Any]:
    out: dict[str, Any]
    if f.kind == "obj":
        out = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: _node(v) for k, v in f.fields.items()},
        }
        required = sorted(k for k, v in f.fields.items() if v.required)
        if required:
            out["required"] = required
    elif f.kind in ("list", "names"):
        out = {"type": "array", "items": _node(f.item or F("name"))}
        if f.kind == "names":
            out["uniqueItems"] = True
    elif f.kind == "severities":
        out = {"type": "object", "propertyNames": {"pattern": r"^FF\d{3}$"},
               "additionalProperties": {"enum": ["error", "warning", "off", False]}}
    elif f.kind == "labels":
        out = {"type": "object", "additionalProperties": {"type": "string"}}
    elif f.kind == "quantities":
        out = {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "integer"}, {"type": "string", "pattern": QUANTITY.pattern}]}}
    elif f.kind == "any":
        out = {"type": "object"}
    elif f.kind == "bool":
        out = {"type": "boolean"}
    elif f.kind == "int":
        out = {"type": "integer", "minimum": 0, "maximum": 1000}
        if f.choices:
            out["enum"] = [int(c) for c in f.choices]
    elif f.kind == "enum":
        out = {"type": "string", "enum": list(f.choices)}
    else:
        out = {"type": "string", "minLength": 1}
        if f.kind in _PATTERNS:
            out["pattern"] = _PATTERNS[f.kind]
    if f.doc:
        out["description"] = f.doc
    if f.default is not None and f.kind not in ("obj",):
        out["default"] = f.default
    return out


def json_schema() -> dict[str, Any]:
    schema = _node(SPEC)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "fluxform environment spec", **schema}
