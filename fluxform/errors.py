"""The error hierarchy. Every error the CLI reports derives from FluxformError.

Messages never quote whole input documents (they may hold secrets): at most a field path
and a short, already-validated token such as a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LINE = 300
"""Longest error line printed; longer ones are cut in the middle of what they quote."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe for one terminal line: newlines and tabs become spaces, every other control
    character (ANSI escapes, carriage returns, bidi overrides) an escape such as `\\x1b`."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, keeping its start and end around '...'."""
    if len(text) <= limit:
        return text
    head = (limit - 3) * 2 // 3
    return text[:head] + "..." + text[len(text) - (limit - 3 - head):]


class FluxformError(Exception):
    """Base of every error fluxform reports as one line (exit code 1)."""

    def one_line(self) -> str:
        return cut(printable(str(self)), MAX_LINE)


@dataclass
class SpecError(FluxformError):
    """Invalid declarative spec: where (file, line, field path), what, and how to fix it."""

    file: str
    line: int | None
    field: str
    reason: str
    hint: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{cut(self.file, 100)}:{self.line}" if self.line else cut(self.file, 100)
        field = f" {cut(self.field, 100)}:" if self.field else ""
        hint = f" (hint: {cut(self.hint, 200)})" if self.hint else ""
        return f"{where}:{field} {cut(self.reason, 200)}{hint}"


class ConfigError(FluxformError):
    """Invalid stack configuration (Pulumi.<stack>.yaml) or project layout."""


class CaptureError(FluxformError):
    """The Pulumi program failed or misbehaved while being captured under the mock engine."""


class PlanError(FluxformError):
    """A plan could not be computed (bad baseline, unreadable state file, git failure...)."""


class RenderError(FluxformError):
    """The GitOps tree could not be rendered or written."""
