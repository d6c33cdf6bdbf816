"""Plan renderers, one per format, looked up in a registry (no if/elif over formats)."""

from __future__ import annotations

from collections.abc import Callable

from fluxform.plan import Plan
from fluxform.report import jsonfmt, markdown, text

Renderer = Callable[..., str]
FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": jsonfmt.render,
}


def render(plan: Plan, fmt: str, *, color: bool = False, max_chars: int = markdown.GITHUB_LIMIT) -> str:
    """Render `plan` in format `fmt` (one of FORMATS)."""
    return FORMATS[fmt](plan, color=color, max_chars=max_chars)
