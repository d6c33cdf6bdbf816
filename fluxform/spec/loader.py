"""Bounded, safe YAML reading that remembers the line of every node.

Hostile input is rejected before it can cost anything: files over MAX_BYTES are refused
before parsing, invalid UTF-8 and tab indentation are reported with their line, anchors and
aliases are refused outright (no alias bomb can expand), as are custom tags, duplicate keys,
non-string keys, multiple documents and nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

from typing import Any

import yaml

from fluxform.errors import SpecError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
Path = tuple[str | int, ...]
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def format_field(path: Path) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out


class Document:
    """A parsed spec: plain Python values plus the line of every node, by path."""

    def __init__(self, filename: str, value: Any, lines: dict[Path, int]) -> None:
        self.filename = filename
        self.value = value
        self.lines = lines

    def line(self, path: Path) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: Path, reason: str, hint: str = "") -> SpecError:
        return SpecError(self.filename, self.line(path), format_field(path), reason, hint)


def _check_text(raw: bytes, filename: str) -> str:
    if len(raw) > MAX_BYTES:
        raise SpecError(filename, None, "", f"file is {len(raw)} bytes, over the {MAX_BYTES}-byte limit",
                        "a spec is a small file; split generated data out of it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(filename, line, "", "invalid UTF-8", "save the file as UTF-8") from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise SpecError(filename, 1, "", "the file is empty", "start from stacks/dev.yaml")
    for number, ln in enumerate(text.splitlines(), start=1):
        indent = ln[: len(ln) - len(ln.lstrip(" \t"))]
        if "\t" in indent:
            raise SpecError(filename, number, "", "tab character in indentation",
                            "YAML indents with spaces only")
    return text


def parse(raw: bytes, filename: str) -> Document:
    """Parse spec bytes into a Document, or raise SpecError with file and line."""
    text = _check_text(raw, filename)
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1
                raise SpecError(filename, line, "", "YAML anchors and aliases are not allowed",
                                "write the value out in full (this also rules out alias bombs)")
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or "invalid YAML").split("\n")[0]
        raise SpecError(filename, line, "", f"invalid YAML: {problem}",
                        "check indentation and quoting near this line") from None
    except yaml.YAMLError:
        raise SpecError(filename, None, "", "invalid YAML", "check the file's syntax") from None
    except RecursionError:
        raise SpecError(filename, None, "", f"nesting deeper than {MAX_DEPTH}",
                        "flatten the structure") from None
    if len(nodes) != 1:
        line = nodes[1].start_mark.line + 1 if len(nodes) > 1 else None
        raise SpecError(filename, line, "", "expected exactly one YAML document",
                        "remove the extra '---' documents")
    lines: dict[Path, int] = {}
    try:
        value = _build(nodes[0], (), lines, filename, 0)
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise SpecError(filename, None, "", f"a value cannot be read ({str(exc)[:60]})",
                        "quote long numbers") from None
    if not isinstance(value, dict):
        raise SpecError(filename, nodes[0].start_mark.line + 1, "",
                        "the spec must be a mapping of keys", "start from stacks/dev.yaml")
    return Document(filename, value, lines)


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], filename: str, depth: int) -> Any:
    line = node.start_mark.line + 1
    lines[path] = line
    if depth > MAX_DEPTH:
        raise SpecError(filename, line, format_field(path), f"nesting deeper than {MAX_DEPTH}",
                        "flatten the structure")
    if node.tag not in _STANDARD_TAGS:
        raise SpecError(filename, line, format_field(path), f"YAML tag {node.tag[:40]!r} is not allowed",
                        "remove the tag")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise SpecError(filename, key_node.start_mark.line + 1, format_field(path),
                                "keys must be plain strings", "quote the key or rename it")
            key = str(key_node.value)
            if key in out:
                raise SpecError(filename, key_node.start_mark.line + 1, format_field((*path, key)),
                                "duplicate key", "remove one of the two entries")
            out[key] = _build(value_node, (*path, key), lines, filename, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, filename, depth + 1) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    return _SCALARS.construct_object(node)


_SCALARS = yaml.SafeLoader("")
