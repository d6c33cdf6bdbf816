"""Checks across the document: references resolve, nothing depends on itself, no cycles.

Driven by the field table: a list with a `key` is a named collection, a field with `ref`
names items of one. A reference from a collection to itself (layer -> layer, release ->
release) is an edge of that collection's dependency graph, which must be acyclic. Runs
after validate.py, on its result, so every value here already has its kind and every
name its format; names are quoted back freely (they are validated Kubernetes names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fluxform.spec.fields import SPEC
from fluxform.spec.kinds import Kind, Obj, Seq
from fluxform.spec.loader import Document, Path, format_path, shorten
from fluxform.spec.validate import did_you_mean

TablePath = tuple[str, ...]


@dataclass(frozen=True)
class _Owner:
    """The named item a value sits in: its collection (table path) and its name."""

    collection: TablePath
    name: str


@dataclass(frozen=True)
class _Ref:
    path: Path
    target: TablePath
    name: str
    owner: _Owner | None


@dataclass
class _Index:
    names: dict[TablePath, list[str]] = field(default_factory=dict)
    nouns: dict[TablePath, str] = field(default_factory=dict)
    refs: list[_Ref] = field(default_factory=list)

    def walk(self, kind: Kind, value: Any, path: Path, table: TablePath, owner: _Owner | None) -> None:
        if isinstance(kind, Obj):
            for key, spec in kind.fields.items():
                item = value[key]
                if spec.ref and item is not None:
                    targets = enumerate(item) if isinstance(spec.kind, Seq) else [(None, item)]
                    for j, name in targets:
                        where = (*path, key) if j is None else (*path, key, j)
                        self.refs.append(_Ref(where, spec.ref, name, owner))
                if item is not None:
                    self.walk(spec.kind, item, (*path, key), (*table, key), owner)
        elif isinstance(kind, Seq):
            if kind.key:
                self.names[table] = [item[kind.key] for item in value]
                self.nouns[table] = kind.noun
            for i, item in enumerate(value):
                inner = _Owner(table, item[kind.key]) if kind.key else owner
                self.walk(kind.item, item, (*path, i), table, inner)


def check(doc: Document, data: dict[str, Any]) -> None:
    """Raise the first SpecError among references, self-dependencies and cycles."""
    index = _Index()
    index.walk(SPEC, data, (), (), None)
    edges: dict[TablePath, dict[str, list[str]]] = {
        table: {name: [] for name in names} for table, names in index.names.items()}
    edge_paths: dict[tuple[TablePath, str, str], Path] = {}
    known_sets = {table: set(names) for table, names in index.names.items()}
    for ref in index.refs:
        known = index.names[ref.target]
        noun = index.nouns[ref.target]
        if ref.name not in known_sets[ref.target]:
            where = format_path(ref.target)
            defined = f"defined in {where}: {shorten(', '.join(known), 60)}" if known else f"{where} is empty"
            hint = did_you_mean(ref.name, known, defined)
            raise doc.error(ref.path, f"unknown {noun} '{ref.name}'", hint)
        if ref.owner is not None and ref.owner.collection == ref.target:
            if ref.name == ref.owner.name:
                raise doc.error(ref.path, f"{noun} '{ref.name}' depends on itself", "remove it from the list")
            edges[ref.target][ref.owner.name].append(ref.name)
            edge_paths.setdefault((ref.target, ref.owner.name, ref.name), ref.path)
    for table, graph in edges.items():
        cycle = find_cycle(graph)
        if cycle:
            shown = cycle if len(cycle) <= 8 else [*cycle[:3], "...", *cycle[-3:]]
            size = "" if len(cycle) <= 8 else f" of {len(cycle) - 1} {index.nouns[table]}s"
            raise doc.error(edge_paths[(table, cycle[0], cycle[1])], f"depends_on cycle{size}: "
                            + " -> ".join(shown), "remove one of these dependencies")


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """The first cycle as [a, b, ..., a], visiting nodes and edges in order, or None.

    Same contract and same answer as fluxform.cycles.find_cycle, but iterative: a spec may
    chain thousands of layers, deeper than Python's recursion limit. Edges to names absent
    from `edges` are ignored (unknown names are reported before this runs).
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in edges:
        if start in state:
            continue
        path, pending = [start], [iter(edges[start])]
        state[start] = 1
        while pending:
            for nxt in pending[-1]:
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt):], nxt]
                if nxt in edges and nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    pending.append(iter(edges[nxt]))
                    break
            else:
                state[path.pop()] = 2
                pending.pop()
    return None
