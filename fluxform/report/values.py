"""How values and field changes read in human reports.

A secret reads `(sensitive value)` and an unknown `(known after apply)`, also when nested
inside a larger value; a fingerprint is never shown. Long values are cut around their first
difference so the change stays visible; multi-line strings get a line diff.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any

from fluxform.graph import MARKER_KEY, format_path, is_secret, is_unknown
from fluxform.plan import FieldChange

SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_string = json.encoder.encode_basestring  # the C implementation, as json.dumps uses
_CONSTANTS = {None: "null", True: "true", False: "false"}
_CONTROL = {c: "\N{REPLACEMENT CHARACTER}" for c in (*range(32), 127) if c != 10}

path_text = lru_cache(maxsize=1 << 16)(format_path)


def clean(text: str) -> str:
    """`text` without control characters (terminal escapes in a name could rewrite a report)."""
    return text.translate(_CONTROL).replace("\n", " ")


def scrub(value: Any, secret: Any, unknown: Any) -> Any:
    """`value` with every nested marker replaced by `secret` or `unknown`."""
    if isinstance(value, dict):
        if MARKER_KEY in value:
            return secret if is_secret(value) else unknown if is_unknown(value) else "(opaque)"
        return {k: scrub(v, secret, unknown) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secret, unknown) for v in value]
    return value


def show(value: Any) -> str:
    """One value as JSON text, markers as their reading."""
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return _CONSTANTS[value]
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict) and MARKER_KEY in value:
        return SENSITIVE if is_secret(value) else UNKNOWN
    if isinstance(value, dict | list):
        text = _encode(scrub(value, SENSITIVE, UNKNOWN))
        return text.replace(f'"{SENSITIVE}"', SENSITIVE).replace(f'"{UNKNOWN}"', UNKNOWN)
    return _encode(value)


def _short(value: Any, limit: int) -> str:
    text = show(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _cut(text: str, start: int, limit: int) -> str:
    head = "…" if start else ""
    body = text[start:]
    return head + (body if len(body) <= limit else body[:limit] + "…")


def show_pair(before: Any, after: Any, limit: int) -> tuple[str, str]:
    """Both values, each at most about `limit` characters, cut to show where they differ."""
    old, new = show(before), show(after)
    if len(old) <= limit and len(new) <= limit:
        return old, new
    same = 0
    for x, y in zip(old, new, strict=False):
        if x != y:
            break
        same += 1
    start = max(0, same - 24)
    return _cut(old, start, limit), _cut(new, start, limit)


def _multiline(f: FieldChange) -> bool:
    return (f.kind == "changed" and isinstance(f.before, str) and isinstance(f.after, str)
            and ("\n" in f.before or "\n" in f.after))


def field_lines(f: FieldChange, limit: int) -> list[str]:
    """The lines of one field, each starting with its symbol and a space:
    `+ p = v`, `- p = v`, `~ p = a -> b`. A changed multi-line string yields `~ p:` and
    then its line diff (`+ `, `- ` and `  ` lines)."""
    tail = "  # forces replacement" if f.forces_replacement else ""
    if f.kind == "added" and not f.secret:
        return [f"+ {path_text(f.path)} = {UNKNOWN if f.unknown else _short(f.after, limit)}{tail}"]
    if f.kind == "removed" and not f.secret:
        return [f"- {path_text(f.path)} = {_short(f.before, limit)}{tail}"]
    path = path_text(f.path)
    if f.secret:  # as Terraform: sensitive wins over unknown, and no value either side
        symbol = {"added": "+", "removed": "-"}.get(f.kind, "~")
        return [f"{symbol} {path} = {SENSITIVE}{tail}"]
    if _multiline(f):
        lines = [f"~ {path}:{tail}"]
        diff = difflib.unified_diff(f.before.splitlines(), f.after.splitlines(), n=1, lineterm="")
        for index, line in enumerate(list(diff)[2:]):
            if line.startswith("@@"):
                if index:
                    lines.append("      …")
                continue
            symbol = line[:1] if line[:1] in "+-" else " "
            lines.append(f"{symbol}     {clean(line[1:])[:limit]}")
        return lines
    old, new = show_pair(f.before, f.after, limit)
    return [f"~ {path} = {old} -> {UNKNOWN if f.unknown else new}{tail}"]
