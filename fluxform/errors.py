"""The error hierarchy. Every error the CLI reports derives from FluxformError.

Messages never quote whole input documents (they may hold secrets): at most a field path
and a short, already-validated token such as a name.
"""

from __future__ import annotations

from dataclasses import dataclass


class FluxformError(Exception):
    """Base of every error fluxform reports as one line (exit code 1)."""

    def one_line(self) -> str:
        return str(self).replace("\n", " ")


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
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}:{field} {self.reason}{hint}"


class ConfigError(FluxformError):
    """Invalid stack configuration (Pulumi.<stack>.yaml) or project layout."""


class CaptureError(FluxformError):
    """The Pulumi program failed or misbehaved while being captured under the mock engine."""


class PlanError(FluxformError):
    """A plan could not be computed (bad baseline, unreadable state file, git failure...)."""


class RenderError(FluxformError):
    """The GitOps tree could not be rendered or written."""
