"""`extends:` a spec may build on a base spec (staging and production sharing one base).

The merge, in full (docs/spec.md "Overlays"):

- `extends: base.yaml` names the base, relative to the extending file's directory; a base may
  extend another (at most MAX_CHAIN files). A missing base and a cycle are one-line errors on
  the `extends` line.
- Mappings merge deeply: a key of the overlay replaces the base's value, or merges into it
  when both are mappings; keys only in the base stay.
- Lists of named items (the lists the field table keys by `name`: `layers`, `tenants`,
  `helm.releases`, `notifications.alerts`... , "unique by `name`" in docs/spec.md) merge by
  name: an overlay item merges deeply into the base item of the same name and keeps its
  place; new names are appended in the overlay's order.
- `{name: x, $remove: true}` in such a list removes the base item `x`; `key: {$remove: true}`
  removes a key. Removing what the base does not have is an error.
- Every other value is replaced whole: scalars, lists of scalars such as `depends_on`, and
  lists of mappings that are not keyed by name even when their items have a `name` (object
  references such as `notifications.alerts[].sources`, where `name: "*"` may appear twice;
  lists inside Helm values, which Helm itself replaces whole).

The merged document remembers, for every value, the file and line it came from, so an error
names the file that holds the offending value, whichever it is.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from fluxform.errors import SpecError
from fluxform.spec.kinds import Kind, Obj, Seq
from fluxform.spec.loader import MAX_BYTES, Document, Path, format_path, parse

EXTENDS = "extends"
REMOVE = "$remove"
MAX_CHAIN = 8
Origin = tuple[Document, Path]


@dataclass
class MergedDocument(Document):
    """A Document whose values come from several files: `files` maps a path to its file."""

    files: dict[Path, str] = field(default_factory=dict)

    def _origin(self, path: Path) -> tuple[str, int | None]:
        while path not in self.lines and path:
            path = path[:-1]
        return self.files.get(path, self.filename), self.lines.get(path)

    def line(self, path: Path) -> int | None:
        return self._origin(path)[1]

    def error(self, path: Path, reason: str, hint: str = "") -> SpecError:
        filename, line = self._origin(path)
        return SpecError(filename, line, format_path(path), reason, hint)


def has_extends(raw: bytes) -> bool:
    """Cheap pre-check (the loader caches documents without a base by their bytes alone)."""
    return EXTENDS.encode() in raw


def resolve(doc: Document, directory: str) -> Document:
    """`doc` merged onto its bases (unchanged when it extends nothing)."""
    if EXTENDS not in doc.value:
        return doc
    chain = [os.path.normpath(os.path.join(directory, os.path.basename(doc.filename)))]
    return _resolve(doc, directory, chain, boundary(directory))


def boundary(directory: str) -> str:
    """Where bases may live: the project holding the spec (the nearest directory at or above
    it with a Pulumi.yaml), else the spec's own directory. A spec comes from a pull request;
    `extends: ../../etc/passwd` or a symlink out of the tree must not read the planner's files."""
    start = here = os.path.realpath(directory)
    while not os.path.isfile(os.path.join(here, "Pulumi.yaml")):
        parent = os.path.dirname(here)
        if parent == here:
            return start
        here = parent
    return here


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _resolve(doc: Document, directory: str, chain: list[str], root: str) -> Document:
    target = doc.value.get(EXTENDS)
    if target is None:
        return doc
    if not isinstance(target, str) or not target.strip():
        raise doc.error((EXTENDS,), "expected a file name", "e.g. extends: base.yaml")
    if os.path.isabs(target):
        raise doc.error((EXTENDS,), "expected a path relative to this file", "e.g. extends: base.yaml")
    real = os.path.normpath(os.path.join(directory, target))
    display = os.path.normpath(os.path.join(os.path.dirname(doc.filename), target))
    if real in chain:
        names = [*(os.path.basename(p) for p in chain[chain.index(real):]), os.path.basename(real)]
        raise doc.error((EXTENDS,), "extends cycle: " + " -> ".join(names),
                        "a base cannot extend its overlay")
    if len(chain) >= MAX_CHAIN:
        raise doc.error((EXTENDS,), f"more than {MAX_CHAIN} files in the extends chain", "flatten the bases")
    shown = repr(target[:80] + ("..." if len(target) > 80 else ""))
    if not _inside(os.path.realpath(real), root):
        raise doc.error((EXTENDS,), f"the base {shown} is outside the project"
                        + (" (through a symlink)" if _inside(real, root) else ""),
                        "keep bases in the project, e.g. extends: base.yaml")
    try:
        kind = os.stat(real).st_mode
        if stat.S_ISDIR(kind):
            raise doc.error((EXTENDS,), f"the base {shown} is a directory", "name a YAML file")
        if not stat.S_ISREG(kind):
            raise doc.error((EXTENDS,), f"the base {shown} is not a regular file", "name a YAML file")
        with open(real, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise doc.error((EXTENDS,), f"no such base file {shown}",
                        "the path is relative to this file's directory") from None
    except OSError as exc:
        raise doc.error((EXTENDS,), f"cannot read the base file ({exc.strerror or 'error'})",
                        "check that it is a readable file") from None
    base = _resolve(parse(raw, display), os.path.dirname(real), [*chain, real], root)
    return merge(base, doc)


def merge(base: Document, overlay: Document) -> MergedDocument:
    """`overlay` merged onto `base` (the overlay's `extends` key dropped)."""
    origins: dict[Path, Origin] = {}
    from fluxform.spec.fields import SPEC

    over = {k: v for k, v in overlay.value.items() if k != EXTENDS}
    value = _merge(base.value, (base, ()), over, (overlay, ()), (), origins, SPEC)
    lines: dict[Path, int] = {}
    files: dict[Path, str] = {}
    for path, (doc, src) in origins.items():
        line = doc.line(src)
        if line is not None:
            lines[path] = line
            files[path] = _file_of(doc, src)
    return MergedDocument(overlay.filename, value, lines, files)


def _file_of(doc: Document, src: Path) -> str:
    if isinstance(doc, MergedDocument):
        return doc._origin(src)[0]
    return doc.filename


def _record(value: Any, origin: Origin, path: Path, out: dict[Path, Origin]) -> Any:
    doc, src = origin
    out[path] = origin
    if isinstance(value, dict):
        for key, item in value.items():
            _record(item, (doc, (*src, key)), (*path, key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _record(item, (doc, (*src, i)), (*path, i), out)
    return value


def _is_remove(value: Any) -> bool:
    return isinstance(value, dict) and REMOVE in value


def _check_remove(value: dict[str, Any], origin: Origin, named: bool) -> None:
    doc, src = origin
    allowed = {REMOVE, "name"} if named else {REMOVE}
    if value[REMOVE] is not True:
        raise doc.error((*src, REMOVE), "expected true", f"write {REMOVE}: true to remove the base's entry")
    extra = sorted(set(value) - allowed)
    if extra:
        raise doc.error((*src, extra[0]),
                        f"a removal takes no other keys than {' and '.join(sorted(allowed))}",
                        "remove the entry here and add a new one in a separate item")


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and isinstance(i.get("name"), str)
                                           for i in items)


def keyed_by_name(kind: Kind | None) -> TypeGuard[Seq]:
    """A list the field table keys by `name` (fluxform.spec.kinds.Seq.key): merged by name."""
    return isinstance(kind, Seq) and kind.key == "name"


def _child(kind: Kind | None, key: str) -> Kind | None:
    """The kind of `key` under a mapping of `kind` (None: not in the table, e.g. Helm values)."""
    spec = kind.fields.get(key) if isinstance(kind, Obj) else None
    return spec.kind if spec is not None else None


def _merge(base: Any, bo: Origin, over: Any, oo: Origin, path: Path, out: dict[Path, Origin],
           kind: Kind | None) -> Any:
    if isinstance(base, dict) and isinstance(over, dict) and not _is_remove(over):
        out[path] = oo
        result: dict[str, Any] = {}
        for key, item in base.items():
            if key not in over:
                result[key] = _record(item, (bo[0], (*bo[1], key)), (*path, key), out)
            elif _is_remove(over[key]):
                _check_remove(over[key], (oo[0], (*oo[1], key)), named=False)
            else:
                result[key] = _merge(item, (bo[0], (*bo[1], key)), over[key], (oo[0], (*oo[1], key)),
                                     (*path, key), out, _child(kind, key))
        for key, item in over.items():
            if key in base:
                continue
            if _is_remove(item):
                raise oo[0].error((*oo[1], key), "nothing to remove: the base has no such key",
                                  "remove this entry")
            _refuse_stray_remove(item, (oo[0], (*oo[1], key)))
            result[key] = _record(item, (oo[0], (*oo[1], key)), (*path, key), out)
        return result
    # A name that is not a string is the validator's to refuse (the list is replaced whole).
    if keyed_by_name(kind) and _named(base) and _named(over):
        return _merge_named(base, bo, over, oo, path, out, kind.item)
    _refuse_stray_remove(over, oo)
    return _record(over, oo, path, out)


def _refuse_stray_remove(value: Any, origin: Origin) -> None:
    """A `$remove` inside a value the overlay adds or replaces whole removes nothing: refused,
    not kept as a literal key (it would become, say, a Helm value `{"$remove": true}`)."""
    doc, src = origin
    if isinstance(value, dict):
        if REMOVE in value:
            raise doc.error((*src, REMOVE), "nothing to remove: the base has no such entry",
                            "remove this entry")
        for key, item in value.items():
            _refuse_stray_remove(item, (doc, (*src, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_stray_remove(item, (doc, (*src, index)))


def _merge_named(base: list[dict[str, Any]], bo: Origin, over: list[dict[str, Any]], oo: Origin,
                 path: Path, out: dict[Path, Origin], kind: Kind) -> list[Any]:
    out[path] = oo
    by_name: dict[Any, tuple[int, dict[str, Any]]] = {}
    for j, item in enumerate(over):
        name = item["name"]
        if name in by_name:
            raise oo[0].error((*oo[1], j, "name"), f"{name!r} is listed twice in the overlay",
                              "merge the two entries")
        by_name[name] = (j, item)
    base_names = {item["name"] for item in base}
    result: list[Any] = []
    for i, item in enumerate(base):
        found = by_name.get(item["name"])
        src = (bo[0], (*bo[1], i))
        if found is None:
            result.append(_record(item, src, (*path, len(result)), out))
            continue
        j, change = found
        if _is_remove(change):
            _check_remove(change, (oo[0], (*oo[1], j)), named=True)
            continue
        result.append(_merge(item, src, change, (oo[0], (*oo[1], j)), (*path, len(result)), out, kind))
    for j, item in enumerate(over):
        if item["name"] in base_names:
            continue
        if _is_remove(item):
            raise oo[0].error((*oo[1], j, REMOVE),
                              f"nothing to remove: the base has no entry {item['name']!r}",
                              "remove this entry")
        _refuse_stray_remove(item, (oo[0], (*oo[1], j)))
        result.append(_record(item, (oo[0], (*oo[1], j)), (*path, len(result)), out))
    return result
