"""Check every key and value of a parsed spec against the field table, and fill in defaults.

Checks run in document order, so the error reported is the first one a reader meets; the
result lists keys in table order, so equal documents give equal results. Values are quoted
back in messages only for kinds that allow it (names, durations, versions, paths), cut to
40 characters, and never under a key that sounds secret. Names, references and cycles
across the document are semantics.py's job.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Callable
from typing import Any

from fluxform.spec.fields import SPEC
from fluxform.spec.kinds import Choice, Dict, Field, Flag, Json, Kind, Obj, Seq, Text, Whole
from fluxform.spec.loader import Document, Path, format_path, shorten

_SECRETISH = re.compile(r"secret|token|passw|credential|private|webhook|api_?key|auth", re.IGNORECASE)
_BOOLEAN_WORDS = "YAML reads yes/no/on/off/true/false as booleans"


# Characters no spec value may hold: C0 and C1 controls, DEL, and the bidirectional overrides
# and isolates that make a terminal or a review show other text than the bytes (tab and
# newline only in multi-line kinds).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)@")


def url_credentials(url: str) -> tuple[str, str] | None:
    """Why `url` may not carry its user info (reason, hint), or None when it may.

    `ssh://git@host` names a user, not a secret. `user:password@` in an https:// or ssh:// URL
    is masked in every output and reported by policy rule FF020 (docs/security.md). An oci://
    URL takes no user info at all: Flux reads registry credentials only from a Secret or the
    cloud's workload identity. A bare `token@` in an https:// URL cannot be told from a user
    name, so no output could mask it: refused."""
    match = _USERINFO.match(url)
    if match is None:
        return None
    scheme, info = match.group(1).lower(), match.group(2)
    if scheme == "oci":
        return ("an oci:// URL carries no credentials (user info before '@')",
                "registry credentials go in a pull Secret (secret_ref) or the cloud's workload "
                "identity (provider)")
    if scheme == "ssh" or ":" in info:
        return None
    return ("the URL carries user info before '@' (a token there would be shown in every output)",
            "credentials go in a Secret the source references; a public https:// URL needs none")


def check(doc: Document) -> dict[str, Any]:
    """The checked document with every default filled in, or the first SpecError."""
    return _obj(doc, (), doc.value, SPEC)


def _value(doc: Document, path: Path, value: Any, kind: Kind) -> Any:
    if value is None:
        raise doc.error(path, "is empty", "give it a value or remove the key")
    return _CHECKS[type(kind)](doc, path, value, kind)


def type_name(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), "an empty value")


def did_you_mean(word: str, candidates: list[str], otherwise: str) -> str:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f"did you mean '{close[0]}'?" if close else otherwise


def shown(path: Path, value: str, kind: Text | None = None) -> str:
    """How a bad value is named in a message: quoted and cut short, or not at all."""
    secret = any(isinstance(seg, str) and _SECRETISH.search(seg) for seg in path)
    if secret or (kind is not None and not kind.echo):
        return "the value"
    return repr(shorten(value))


def _obj(doc: Document, path: Path, value: Any, kind: Obj) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise doc.error(path, f"expected a mapping, got {type_name(value)}",
                        "write its keys indented below it")
    out: dict[str, Any] = {}
    for key, raw in value.items():
        spec = kind.fields.get(key)
        if spec is None:
            allowed = "allowed: " + ", ".join(sorted(kind.fields))
            raise doc.error((*path, key), "unknown key", did_you_mean(key, list(kind.fields), allowed))
        out[key] = _value(doc, (*path, key), raw, spec.kind)
    for key, spec in kind.fields.items():
        if key in out:
            continue
        if spec.required:
            raise doc.error(path, f"missing required key '{key}'", _add_hint(key, spec))
        if isinstance(spec.kind, Obj):
            out[key] = None if spec.kind.optional else _obj(doc, (*path, key), {}, spec.kind)
        else:
            out[key] = copy.deepcopy(spec.default)
    for one in kind.one_of:
        first, second = one.keys
        if out[first] is not None and out[second] is not None:
            later = max(one.keys, key=lambda k: doc.line((*path, k)) or 0)
            raise doc.error((*path, later), f"'{first}' and '{second}' are both set",
                            f"keep one: {one.hint}")
        if one.required and out[first] is None and out[second] is None:
            raise doc.error(path, f"set one of '{first}' or '{second}'", one.hint)
    for rule in kind.implies:
        if out[rule.key] not in (None, False) and out[rule.needs] in (None, False):
            needs = f"{rule.needs}: true" if isinstance(kind.fields[rule.needs].kind, Flag) else rule.needs
            raise doc.error((*path, rule.key), f"needs '{needs}' too", rule.hint)
    for when in kind.when:
        if out[when.key] not in when.values:
            continue
        said = f"{when.key} {out[when.key]}"
        for key in when.forbidden:
            if key in value:
                raise doc.error((*path, key), f"does not apply to {said}", when.hint)
        for key in when.required:
            if out[key] is None:
                raise doc.error(path, f"{said} needs '{key}'", when.hint)
    return {key: out[key] for key in kind.fields}


def _add_hint(key: str, spec: Field) -> str:
    kind = spec.kind
    if isinstance(kind, Obj):
        required = [k for k, f in kind.fields.items() if f.required]
        return f"add '{key}:' with {', '.join(required)}" if required else f"add '{key}:'"
    example = _example(kind)
    return f"add '{key}: {example}'" if example else f"add '{key}:'"


def _example(kind: Kind) -> str:
    if isinstance(kind, Text):
        return kind.example
    if isinstance(kind, Choice):
        return kind.choices[0]
    return str(kind.minimum) if isinstance(kind, Whole) else ""


def _text(doc: Document, path: Path, value: Any, kind: Text) -> str:
    if kind.numbers and type(value) is int and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        if isinstance(value, bool):
            hint = f"quote it ({_BOOLEAN_WORDS})"
        elif isinstance(value, int | float):
            hint = f'quote it, e.g. "{kind.example}"'
        else:
            hint = f"write a single value, e.g. {kind.example}"
        raise doc.error(path, f"expected {kind.what}, got {type_name(value)}", hint)
    if not value:
        raise doc.error(path, f"expected {kind.what}, got an empty string", f"e.g. {kind.example}")
    if len(value) > kind.max_len:
        raise doc.error(path, f"{shown(path, value, kind)} is longer than {kind.max_len} characters",
                        kind.hint)
    _no_control(doc, path, value, _CONTROL if kind.lines else _LINE_CONTROL)
    if kind.url and (problem := url_credentials(value)) is not None:
        raise doc.error(path, *problem)
    if kind.regex is not None and not kind.regex.fullmatch(value):
        raise doc.error(path, f"{shown(path, value, kind)} is not {kind.what}", kind.hint)
    if value in kind.reserved:
        raise doc.error(path, f"'{value}' is not allowed here", kind.reserved_hint)
    return value


def _choice(doc: Document, path: Path, value: Any, kind: Choice) -> str:
    for alias, word in kind.aliases:
        if type(value) is bool and value == alias:
            return word
    allowed = f"allowed: {', '.join(kind.choices)}" if len(kind.choices) <= 8 else "see docs/spec.md"
    if not isinstance(value, str):
        hint = f"quote it ({_BOOLEAN_WORDS})" if isinstance(value, bool) else allowed
        raise doc.error(path, f"expected a string, got {type_name(value)}", hint)
    if value not in kind.choices:
        raise doc.error(path, f"{shown(path, value)} is not allowed",
                        did_you_mean(value, list(kind.choices), allowed))
    return value


def _flag(doc: Document, path: Path, value: Any, kind: Flag) -> bool:
    if not isinstance(value, bool):
        hint = "write true or false without quotes" if isinstance(value, str) else "write true or false"
        raise doc.error(path, f"expected true or false, got {type_name(value)}", hint)
    return value


def _whole(doc: Document, path: Path, value: Any, kind: Whole) -> int:
    if type(value) is not int:
        quoted = isinstance(value, str) and value.strip().isdigit()
        span = f"a number from {kind.minimum} to {kind.maximum}"
        if kind.minimum == kind.maximum:
            span = str(kind.minimum)
        hint = "remove the quotes" if quoted else f"write {span}"
        raise doc.error(path, f"expected a whole number, got {type_name(value)}", hint)
    if not kind.minimum <= value <= kind.maximum:
        number = shorten(str(value))
        if kind.minimum == kind.maximum:
            raise doc.error(path, f"must be {kind.minimum}, not {number}", kind.hint)
        raise doc.error(path, f"{number} is out of range", f"use {kind.minimum} to {kind.maximum}")
    return value


def _seq(doc: Document, path: Path, value: Any, kind: Seq) -> list[Any]:
    if not isinstance(value, list):
        raise doc.error(path, f"expected a list, got {type_name(value)}",
                        "write [a, b] or one '- item' per line")
    out = [_value(doc, (*path, i), item, kind.item) for i, item in enumerate(value)]
    seen: dict[Any, int] = {}
    for i, item in enumerate(out):
        if not (kind.key or kind.unique):
            break
        ident = item[kind.key] if kind.key else item
        where: Path = (*path, i, kind.key) if kind.key else (*path, i)
        if ident in seen:
            if kind.key:
                first = doc.line((*path, seen[ident]))
                raise doc.error(where, f"duplicate {kind.noun} name {shown(where, ident)}",
                                f"names must be unique in {format_path(path)}; the first is on line {first}")
            raise doc.error(where, f"{shown(where, ident)} is listed twice", "remove the repeat")
        seen[ident] = i
    return out


def _dict(doc: Document, path: Path, value: Any, kind: Dict) -> dict[str, str]:
    if not isinstance(value, dict):
        raise doc.error(path, f"expected a mapping, got {type_name(value)}",
                        "write 'key: value' lines below it")
    out: dict[str, str] = {}
    for key, item in value.items():
        _text(doc, (*path, key), key, kind.key)
        out[key] = _value(doc, (*path, key), item, kind.value)
    return out


def _json(doc: Document, path: Path, value: Any, kind: Json) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise doc.error(path, f"expected a mapping, got {type_name(value)}",
                        "write the values indented below it")
    return {key: _json_value(doc, (*path, key), item) for key, item in value.items()}


def _no_control(doc: Document, path: Path, text: Any, pattern: re.Pattern[str] = _CONTROL) -> None:
    """Refuse a control or bidirectional character in a value or key (never echoed); the
    default pattern lets tabs and newlines through."""
    control = pattern.search(text) if isinstance(text, str) else None
    if control is not None:
        raise doc.error(path, f"contains the control character U+{ord(control.group()):04X}",
                        "remove it (control and bidirectional characters are never part of a value)")


def _json_value(doc: Document, path: Path, value: Any) -> Any:
    """Any JSON value; the loader has already bounded the depth, so recursion is safe."""
    if isinstance(value, dict):
        for key in value:
            _no_control(doc, (*path, key), key)
        return {key: _json_value(doc, (*path, key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_value(doc, (*path, i), item) for i, item in enumerate(value)]
    if isinstance(value, str):
        _no_control(doc, path, value)  # multi-line values are common in Helm values
    if isinstance(value, float) and not math.isfinite(value):
        raise doc.error(path, "is not a finite number", 'quote it if you mean the text, e.g. ".inf"')
    return value


_CHECKS: dict[type, Callable[[Document, Path, Any, Any], Any]] = {
    Obj: _obj, Text: _text, Choice: _choice, Flag: _flag, Whole: _whole, Seq: _seq, Dict: _dict, Json: _json,
}
