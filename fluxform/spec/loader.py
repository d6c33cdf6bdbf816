"""Bounded, safe YAML reading that remembers the line of every key and list item.

What counts as hostile, and what happens to it (always a SpecError, with a line where one
exists, and never more work than the file's size allows):

- more than MAX_BYTES: refused before decoding (load_spec reads at most MAX_BYTES + 1 bytes);
- not UTF-8, or a control character YAML forbids: the line of the first offending byte;
- a tab in indentation: its line (PyYAML's own message for it is cryptic);
- anchors and aliases: refused at the first one, so an alias bomb never expands. A spec has no
  use for them, and refusing is simpler to reason about than capping the expansion;
- tags other than the YAML core ones (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq):
  refused; no constructor runs for them. The builder below makes every Python value itself
  from the parser's events, with SafeLoader's resolver;
- nesting deeper than MAX_DEPTH: refused by the scanner before it reads further, because
  PyYAML's scanner slows down quadratically with flow nesting and its composer recurses;
- more than MAX_NODES values: refused as they are read, which bounds the parse time of even
  the most node-dense megabyte to a few seconds (pure-Python PyYAML reads ~50k values a second).

Where PyYAML has libyaml, its parser feeds the same builder first (`_read_fast`) and stops at
the first problem of any kind; the pure-Python path then reads the file again and reports it,
so every message is the same with or without libyaml, and libyaml only ever reads good files
nested no deeper than _FAST_DEPTH (events are pulled one by one, so it stops as early as the
pure-Python path does).
- duplicate keys, keys that are not strings, a second document, an empty document.

Dates stay the text that was written (as in YAML 1.2, which has no timestamp type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from fluxform.errors import SpecError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_NUMBER_CHARS = 64
Path = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_CONSTRUCT = {
    _CORE + "str": yaml.SafeLoader.construct_yaml_str,
    _CORE + "int": yaml.SafeLoader.construct_yaml_int,
    _CORE + "float": yaml.SafeLoader.construct_yaml_float,
    _CORE + "bool": yaml.SafeLoader.construct_yaml_bool,
    _CORE + "null": yaml.SafeLoader.construct_yaml_null,
}
_COLLECTION_TAGS = (None, "!", _CORE + "map", _CORE + "seq")
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAB_INDENT = re.compile(r"^[ \t]*\t", re.MULTILINE)
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Numbers whose digits mean the same in YAML 1.1 (PyYAML), YAML 1.2 and JSON. YAML 1.1 also
# reads octal (`017` = 15), binary (`0b101`), hex (`0x_1`), base 60 (`1:30` = 90) and digits
# with `_`; those are refused with a hint to quote, as an unquoted `2.17` is. (`.inf` and
# `.nan` mean the same everywhere; the validator refuses them where a number must be finite.)
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
                          r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_path(path: Path) -> str:
    """`tenants[0].quota["requests.cpu"]`: keys that are not plain words are quoted, long ones
    cut; a path longer than 100 characters keeps its first and last segments around '...'."""
    parts: list[str] = []
    for seg in path:
        if isinstance(seg, int):
            parts.append(f"[{seg}]")
        elif _SIMPLE_KEY.fullmatch(seg) and len(seg) <= 40:
            parts.append(f".{seg}" if parts else seg)
        else:
            parts.append("[" + ascii(shorten(seg)).replace("'", '"') + "]")
    if sum(map(len, parts)) <= 100:
        return "".join(parts)
    head = tail = ""
    while parts and len(head) + len(parts[0]) <= 40:
        head += parts.pop(0)
    while parts and len(tail) + len(parts[-1]) <= 50:
        tail = parts.pop() + tail
    return f"{head}...{tail}"


@dataclass
class Document:
    """A parsed spec: plain Python values, plus the line of every key and item by path."""

    filename: str
    value: dict[str, Any]
    lines: dict[Path, int]

    def line(self, path: Path) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: Path, reason: str, hint: str = "") -> SpecError:
        return SpecError(self.filename, self.line(path), format_path(path), reason, hint)


def decode(raw: bytes, filename: str) -> str:
    """The checks that need no parser: size, encoding, forbidden characters, tabs."""
    if len(raw) > MAX_BYTES:
        raise SpecError(filename, None, "", f"the file is larger than {MAX_BYTES} bytes",
                        "a spec is a small hand-written file; keep it under 1 MiB")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(filename, raw[: exc.start].count(b"\n") + 1, "", "invalid UTF-8",
                        "save the file as UTF-8") from None
    bom = text.find("\ufeff")
    if bom >= 0:  # only the first character may be one; the YAML parsers disagree on others
        raise SpecError(filename, text[:bom].count("\n") + 1, "",
                        "a byte order mark (U+FEFF) inside the file", "remove it")
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise SpecError(filename, text[: bad.start()].count("\n") + 1, "",
                        f"control character U+{ord(bad.group()):04X} is not allowed", "remove it")
    tab = _TAB_INDENT.search(text)
    if tab:
        raise SpecError(filename, text[: tab.start()].count("\n") + 1, "", "tab in indentation",
                        "YAML indents with spaces only")
    return text


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader whose scanner stops at the first flow or block level past MAX_DEPTH."""

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        if self.flow_level + len(self.indents) > MAX_DEPTH:
            raise _TooDeep(self.get_mark().line + 1)
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) > MAX_DEPTH:
            raise _TooDeep(self.get_mark().line + 1)
        return bool(super().add_indent(column))


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: Path
    key: str | None = None
    """In a mapping: the key whose value comes next (None: the next node is a key)."""


@dataclass
class _Builder:
    """Turns parser events into dicts, lists and scalars, recording the line of each path."""

    loader: Any
    filename: str
    lines: dict[Path, int] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    root: Any = None
    documents: int = 0
    nodes: int = 0
    deepest: int = 0

    def fail(self, line: int, path: Path, reason: str, hint: str) -> SpecError:
        return SpecError(self.filename, line, format_path(path), reason, hint)

    def run(self) -> Any:
        while not isinstance(event := self.loader.get_event(), yaml.StreamEndEvent):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise self.fail(line, (), "more than one YAML document",
                                    "keep one spec per file and remove the extra '---'")
            elif isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise self.fail(line, (), "YAML anchors and aliases are not allowed",
                                "write the value out in full")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                self.stack.pop()
            elif isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self.node(event, line)
        return self.root

    def node(self, event: Any, line: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(line, (), f"more than {MAX_NODES} keys and values",
                            "a spec is a small hand-written file")
        frame = self.stack[-1] if self.stack else None
        if isinstance(frame, _Frame) and isinstance(frame.container, dict) and frame.key is None:
            self.key(event, frame, line)
            return
        path: Path = () if frame is None else (
            (*frame.path, len(frame.container)) if isinstance(frame.container, list)
            else (*frame.path, str(frame.key)))
        value: Any
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, line, path)
        else:
            if event.tag not in _COLLECTION_TAGS:
                raise self.fail(line, path, f"YAML tag {_show_tag(event.tag)} is not allowed",
                                "remove the tag")
            if len(self.stack) >= MAX_DEPTH:
                raise self.fail(line, path, f"nesting deeper than {MAX_DEPTH} levels",
                                "flatten the structure")
            value = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.lines.setdefault(path, line)
        if frame is None:
            self.root = value
        elif isinstance(frame.container, list):
            frame.container.append(value)
        else:
            frame.container[str(frame.key)] = value
            frame.key = None
        if isinstance(value, dict | list):
            self.stack.append(_Frame(value, path))
            self.deepest = max(self.deepest, len(self.stack))

    def key(self, event: Any, frame: _Frame, line: int) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(line, frame.path, "a key must be a string, not a list or mapping",
                            "use a plain key")
        if event.value == "<<" and event.tag is None and event.implicit[0]:
            raise self.fail(line, frame.path, "merge keys ('<<') are not allowed",
                            "write the keys out in full")
        key = self.scalar(event, line, frame.path)
        if not isinstance(key, str):
            what = "empty" if key is None else f"read as {_type_of(key)}"
            raise self.fail(line, frame.path, f"a key must be a string, this one is {what}", "quote the key")
        path = (*frame.path, key)
        if key in frame.container:
            raise self.fail(line, path, "duplicate key", f"it is already set on line {self.lines[path]}")
        self.lines[path] = line
        frame.key = key

    def scalar(self, event: Any, line: int, path: Path) -> Any:
        if event.tag == "!":  # the non-specific tag: a string, whatever it looks like
            return event.value
        explicit = event.tag is not None
        tag = event.tag if explicit else self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _CORE + "timestamp" and not explicit:
            return event.value
        construct = _CONSTRUCT.get(tag)
        if construct is None:
            raise self.fail(line, path, f"YAML tag {_show_tag(tag)} is not allowed", "remove the tag")
        if tag in (_CORE + "int", _CORE + "float") and len(event.value) > MAX_NUMBER_CHARS:
            raise self.fail(line, path, f"number longer than {MAX_NUMBER_CHARS} characters", "quote it")
        plain = _PLAIN_INT if tag == _CORE + "int" else _PLAIN_FLOAT if tag == _CORE + "float" else None
        if plain is not None and event.value and not plain.fullmatch(event.value):
            raise self.fail(line, path, f"{shorten(event.value)!r} is a YAML 1.1 number form "
                            "(octal, binary, hex, base 60 or '_') whose value differs "
                            "between YAML versions", "quote it, or write a plain decimal number")
        try:
            return construct(self.loader, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark))
        except (ValueError, KeyError, IndexError, yaml.YAMLError):
            raise self.fail(line, path, f"not a valid {_show_tag(tag)} value", "remove the tag") from None


def _show_tag(tag: str) -> str:
    return repr(shorten("!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag))


def _type_of(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number"}.get(type(value), "a value")


def _kind_of(value: object) -> str:
    return "a list" if isinstance(value, list) else "a single value"


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)
_FAST_DEPTH = MAX_DEPTH - 8
"""The fast path only keeps files nested at most this deep, well inside what the bounded
scanner accepts, so a file libyaml reads is one the reference path reads the same way."""


def _read_fast(text: str, filename: str) -> _Builder | None:
    """Build with libyaml's parser when the file is plainly good; None sends it to `_read`.

    The events are the same, and so is the builder (resolver, constructors, every check);
    libyaml only makes the scanning fast (about 10x on a 1,000-resource fleet spec). The first
    problem of any kind (syntax, a refused construct, nesting past _FAST_DEPTH, MAX_NODES)
    stops it, and the pure-Python path then reads the file again and reports the problem, so
    error messages do not depend on whether PyYAML was built with libyaml. The builder stops
    at MAX_DEPTH open collections, so libyaml never scans far into deep flow nesting.
    """
    if _FAST_LOADER is None or "\t" in text:  # libyaml takes tabs where PyYAML refuses some
        return None
    loader = _FAST_LOADER(text)
    builder = _Builder(loader, filename)
    try:
        builder.root = builder.run()
    except (SpecError, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
    return builder if builder.deepest <= _FAST_DEPTH else None


def _read(text: str, filename: str) -> _Builder:
    loader = _BoundedLoader(text)
    builder = _Builder(loader, filename)
    try:
        builder.root = builder.run()
    except _TooDeep as exc:
        raise SpecError(filename, exc.line, "", f"nesting deeper than {MAX_DEPTH} levels",
                        "flatten the structure") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = shorten((exc.problem or exc.context or "syntax error").split("\n")[0], 80)
        raise SpecError(filename, mark.line + 1 if mark else None, "", f"invalid YAML: {problem}",
                        "check the indentation and quoting on this line and the one before") from None
    except yaml.YAMLError:
        raise SpecError(filename, None, "", "invalid YAML", "check the file's syntax") from None
    finally:
        loader.dispose()
    return builder


def parse_yaml(raw: bytes, filename: str) -> tuple[Any, dict[Path, int]]:
    """Any small YAML file under the spec's guarantees (size, encoding, no anchors or custom
    tags, depth, node count, plain numbers): its value (None when empty) and the line of every
    key and item. The stack config (fluxform.project) is read with it too."""
    text = decode(raw, filename)
    builder = _read_fast(text, filename) or _read(text, filename)
    return builder.root, builder.lines


def parse(raw: bytes, filename: str) -> Document:
    """Parse spec bytes into a Document, or raise SpecError with file and line."""
    text = decode(raw, filename)
    builder = _read_fast(text, filename) or _read(text, filename)
    root = builder.root
    if root is None:
        raise SpecError(filename, 1, "", "the file is empty", "start from stacks/dev.yaml")
    if not isinstance(root, dict):
        raise SpecError(filename, builder.lines.get((), 1), "",
                        f"the spec must be a mapping of keys, not {_kind_of(root)}",
                        "start from stacks/dev.yaml")
    return Document(filename, root, builder.lines)
