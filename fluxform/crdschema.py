"""The structural schema (openAPIV3Schema) check of a CRD version, strict about unknown fields.

`schema_errors` finds every way a value breaks the schema's keywords (KEYWORDS: types,
required, enums, patterns, lengths, bounds, list and map items), plus one thing the API server
would not do: a field the schema does not list is an error (the server silently prunes it,
which hides typos). One readable `field: reason` per problem. fluxform.crds runs it on every
Flux object against the served version of its CRD.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

KEYWORDS = frozenset({
    "type", "description", "properties", "required", "items", "additionalProperties", "enum",
    "pattern", "format", "default", "maxLength", "minLength", "minimum", "maximum", "maxItems",
    "minItems", "nullable", "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
})
"""The schema keywords `schema_errors` understands (`format` is an annotation to it, as to JSON
Schema validators by default; fluxform.crds fills in `default`s before the CEL rules run).
fluxform.crds.unsupported_keywords() lists any other keyword in the vendored CRDs (a test
requires there are none)."""

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


def schema_errors(schema: Mapping[str, Any], value: Any, where: str, out: list[str]) -> None:
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
                schema_errors(items, item, _shown(where, i), out)
    elif isinstance(value, Mapping):
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                out.append(f"{_shown(where, key)}: required field is missing")
        extra = schema.get("additionalProperties")
        for key in sorted(value, key=str):
            child = properties.get(key)
            if child is not None:
                schema_errors(child, value[key], _shown(where, key), out)
            elif isinstance(extra, Mapping):
                schema_errors(extra, value[key], _shown(where, key), out)
            elif extra is False or (properties and extra is not True and not schema.get(
                    "x-kubernetes-preserve-unknown-fields")):
                close = difflib.get_close_matches(str(key), list(properties), n=1)
                hint = f" (hint: did you mean {close[0]}?)" if close else ""
                out.append(f"{_shown(where, str(key))}: unknown field{hint}")
