"""Baselines to plan against: a saved graph, a `pulumi stack export`, a Git revision, or none.

`resolve` returns the baseline Graph (None: an empty stack, so everything is a create) and a
label that every report prints, so a reader always knows what the plan was compared with.
The readers are fluxform.graphfile (saved graphs) and fluxform.statefile (state exports).
"""

from __future__ import annotations

from pathlib import Path

from fluxform.errors import PlanError
from fluxform.gitref import capture_at_ref
from fluxform.graph import Graph
from fluxform.graphfile import load_saved
from fluxform.statefile import load_state

NO_BASELINE = "none (everything is a create)"


def check_identity(graph: Graph, project: str, stack: str, source: str) -> None:
    """Refuse a baseline of another stack: every resource would show as deleted and created."""
    if graph.stack and graph.stack != stack:
        raise PlanError(f"{source}: is a baseline of stack {graph.stack!r}, not {stack!r} "
                        "(hint: pass the baseline of the stack you plan)")
    if graph.project and graph.project != project:
        raise PlanError(f"{source}: is a baseline of project {graph.project!r}, not {project!r}")


def resolve(project_dir: Path, project: str, stack: str, *, saved: str | None = None,
            state: str | None = None, base_ref: str | None = None) -> tuple[Graph | None, str]:
    """The baseline chosen by the options (at most one), and its label for the reports."""
    graph: Graph | None
    if saved:
        graph, label = load_saved(saved, stack), f"saved graph {saved}"
    elif state:
        graph, label = load_state(state), f"pulumi state {state}"
    elif base_ref:
        graph, label = capture_at_ref(project_dir, stack, base_ref)
    else:
        return None, NO_BASELINE
    if graph is not None:
        check_identity(graph, project, stack, saved or state or label)
    return graph, label
