"""Type checks driven by the field table, then the cross-field rules of a spec."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from fluxform.spec.fields import SPEC, F
from fluxform.spec.loader import Document, Path

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DURATION = re.compile(r"^(\d+(\.\d+)?(ms|s|m|h))+$")
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
CHART_VERSION = re.compile(r"^[0-9A-Za-z.*xX^~<>=|, +-]{1,64}$")
GH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[mkMGTPE])?$")
SEVERITY_ID = re.compile(r"^FF\d{3}$")
RESERVED_NAMESPACES = {"flux-system", "kube-system", "kube-public", "kube-node-lease", "default"}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping", type(None): "empty"}.get(type(value), "a value")


def check(doc: Document) -> dict[str, Any]:
    """Type-check the whole document against the table and fill defaults."""
    result: dict[str, Any] = _value(doc, (), doc.value, SPEC)
    return result


def _value(doc: Document, path: Path, value: Any, f: F) -> Any:
    kind = f.kind
    if kind == "obj":
        if not isinstance(value, dict):
            raise doc.error(path, f"expected a mapping, got {_type_name(value)}")
        return _object(doc, path, value, f)
    if kind in ("list", "names"):
        if not isinstance(value, list):
            raise doc.error(path, f"expected a list, got {_type_name(value)}",
                            "write it as [a, b] or one '- item' per line")
        item = f.item or F("name")
        out = [_value(doc, (*path, i), v, item) for i, v in enumerate(value)]
        if kind == "names" and len(set(out)) != len(out):
            raise doc.error(path, "the list names the same item twice", "remove the duplicate")
        return out
    if kind == "severities" and isinstance(value, dict):
        # YAML 1.1 reads a bare `off` as false: accept it as the word the user meant.
        value = {k: ("off" if v is False else v) for k, v in value.items()}
        kind = "labels"
    if kind in ("labels", "quantities", "any", "severities"):
        if not isinstance(value, dict):
            raise doc.error(path, f"expected a mapping, got {_type_name(value)}")
        if kind == "any":
            return value
        out_map: dict[str, str] = {}
        for key, raw in value.items():
            entry: Any = raw
            if kind == "quantities":
                if isinstance(entry, bool) or not isinstance(entry, int | str):
                    raise doc.error((*path, key), f"expected a quantity, got {_type_name(entry)}")
                entry = str(entry)
                if not QUANTITY.match(entry):
                    raise doc.error((*path, key), f"{_short(entry)} is not a Kubernetes quantity",
                                    "use e.g. 4, 500m, 8Gi")
            elif not isinstance(entry, str):
                raise doc.error((*path, key), f"expected a string, got {_type_name(entry)}",
                                "quote the value")
            out_map[key] = entry
        return out_map
    return _scalar(doc, path, value, f)


def _object(doc: Document, path: Path, value: dict[str, Any], f: F) -> dict[str, Any]:
    for key in value:
        if key not in f.fields:
            close = difflib.get_close_matches(key, list(f.fields), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(sorted(f.fields))
            raise doc.error((*path, key), "unknown key", hint)
    out: dict[str, Any] = {}
    for key, sub in f.fields.items():
        if key in value and value[key] is not None:
            out[key] = _value(doc, (*path, key), value[key], sub)
        elif sub.required:
            raise doc.error((*path, key) if key in value else path,
                            f"missing required key '{key}'" if key not in value else "must not be empty",
                            sub.doc.rstrip("."))
        elif sub.kind == "obj" and (sub.default is not None or key == "deploy_key"):
            out[key] = _object(doc, (*path, key), {}, sub)
        else:
            out[key] = sub.default
    return out


def _scalar(doc: Document, path: Path, value: Any, f: F) -> Any:
    kind = f.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise doc.error(path, f"expected true or false, got {_type_name(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise doc.error(path, f"expected a whole number, got {_type_name(value)}")
        if f.choices and str(value) not in f.choices:
            raise doc.error(path, f"unsupported value {value}", "allowed: " + ", ".join(f.choices))
        if value < 0 or value > 1000:
            raise doc.error(path, f"{value} is out of range (0-1000)")
        return value
    if isinstance(value, float) and kind in ("version", "chart-version"):
        raise doc.error(path, f"version {value} was read as a number", 'quote it, e.g. "1.20.0"')
    if not isinstance(value, str):
        raise doc.error(path, f"expected a string, got {_type_name(value)}",
                        "quote the value" if isinstance(value, int | float | bool) else "")
    if not value:
        raise doc.error(path, "must not be empty")
    if len(value) > 253:
        raise doc.error(path, "is longer than 253 characters")
    rule = _SCALAR_RULES.get(kind)
    if rule and not rule[0](value):
        raise doc.error(path, f"{_short(value)} {rule[1]}", rule[2])
    if kind == "enum" and value not in f.choices:
        close = difflib.get_close_matches(value, list(f.choices), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(f.choices)
        raise doc.error(path, f"{_short(value)} is not allowed", hint)
    return value


def _path_ok(value: str) -> bool:
    parts = value.split("/")
    return not value.startswith("/") and ".." not in parts and "\\" not in value


_SCALAR_RULES: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "name": (lambda v: len(v) <= 63 and bool(DNS_LABEL.match(v)),
             "is not a valid Kubernetes name",
             "lower-case letters, digits and '-', at most 63, starting and ending alphanumeric"),
    "duration": (lambda v: bool(DURATION.match(v)), "is not a duration", "use e.g. 30s, 5m, 1h30m"),
    "version": (lambda v: bool(EXACT_VERSION.match(v)), "is not an exact version", "use e.g. 2.17.2"),
    "chart-version": (lambda v: bool(CHART_VERSION.match(v)), "is not a chart version",
                      "use an exact version such as 1.2.3"),
    "ghname": (lambda v: bool(GH_NAME.match(v)), "is not a valid GitHub name",
               "letters, digits, '.', '_' and '-'"),
    "path": (_path_ok, "is not a relative path inside the repository",
             "use e.g. ./clusters/dev (no '..', not absolute)"),
}
