"""How values and field changes read in human reports. Secrets never have a value here."""

from __future__ import annotations

import json
from typing import Any

from fluxform.graph import is_marker, is_secret, is_unknown
from fluxform.plan import FieldChange

SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"
MAX_VALUE = 120


def show(value: Any) -> str:
    if is_secret(value):
        return SENSITIVE
    if is_unknown(value):
        return UNKNOWN
    if is_marker(value):
        return "(opaque)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def field_line(f: FieldChange) -> str:
    """`+ path = v`, `- path = v`, `~ path = a -> b` (secrets: `~ path = (sensitive value)`)."""
    tail = "  # forces replacement" if f.forces_replacement else ""
    if f.secret:
        return f"~ {f.path_text} = {SENSITIVE} (changed){tail}"
    if f.kind == "added":
        return f"+ {f.path_text} = {show(f.after)}{tail}"
    if f.kind == "removed":
        return f"- {f.path_text} = {show(f.before)}{tail}"
    after = UNKNOWN if f.unknown else show(f.after)
    return f"~ {f.path_text} = {show(f.before)} -> {after}{tail}"
