"""Plan renderers, one per format, looked up in a registry (no branching over formats).

    from fluxform.diff import compute_plan
    from fluxform.report import render
    text = render(compute_plan(before, after, findings), "markdown")
"""

from __future__ import annotations

from typing import Any, Protocol

from fluxform.diff import paused_gc
from fluxform.plan import Plan
from fluxform.report import jsonfmt, markdown, text


class Renderer(Protocol):
    """A format: the plan in, the document out. Options a format does not use are ignored."""

    def __call__(self, plan: Plan, *, color: bool = ..., max_chars: int = ...,
                 **options: Any) -> str: ...


FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": jsonfmt.render,
}


def render(plan: Plan, fmt: str, *, color: bool = False,
           max_chars: int = markdown.GITHUB_LIMIT) -> str:
    """Render `plan` in format `fmt` (a key of FORMATS). `color` adds ANSI colour to text;
    `max_chars` bounds the markdown comment."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown plan format {fmt!r} (choose from {', '.join(sorted(FORMATS))})") from None
    with paused_gc():
        return renderer(plan, color=color, max_chars=max_chars)
