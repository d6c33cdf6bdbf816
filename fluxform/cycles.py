"""Cycle detection over dependency edges, shared by the spec loader and the policy rules."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(edges: Mapping[N, Sequence[N]]) -> list[N] | None:
    """The first cycle found (visiting nodes in the mapping's order) as [a, b, ..., a], or None.

    Edges to nodes absent from the mapping are ignored (dangling edges are reported elsewhere).
    """
    state: dict[N, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: N, path: list[N]) -> list[N] | None:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt in edges and nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = 2
        return None

    for start in edges:
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None
