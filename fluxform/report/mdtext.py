"""Markdown building blocks for the PR comment: escaping, code spans, and the budget.

User text (names, messages, values) is escaped for both Markdown and HTML, so a resource
name cannot open a link, close a tag, or end the hidden marker comment.
"""

from __future__ import annotations

import html
import re

from fluxform.report.values import clean

# Markdown punctuation as numeric character references: they read the same in Markdown
# prose, in table cells, and inside raw HTML blocks (`<details>`), where a backslash escape
# would show literally.
_MD_SPECIAL = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]|~"})
_MARKER_UNSAFE = re.compile(r"[^\w.-]")


def md(text: str) -> str:
    """Plain user text, safe in Markdown prose and inside HTML blocks."""
    return html.escape(clean(text), quote=False).translate(_MD_SPECIAL)


def code(text: str) -> str:
    """User text in an inline `<code>` element (Markdown between inline tags is still
    parsed, so the text is escaped as in prose)."""
    return "<code>" + md(text) + "</code>"


def marker_token(text: str) -> str:
    """A project or stack name as the comment marker may hold it (`[\\w.-]+`)."""
    return _MARKER_UNSAFE.sub("_", text[:100]) or "_"


def fence(body: str) -> str:
    """A backtick fence longer than any backtick run in `body`, so `body` cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


class Budget:
    """Characters left for the comment; `take` succeeds only when the text fits."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, text: str) -> bool:
        if len(text) > self.left:
            return False
        self.left -= len(text)
        return True
