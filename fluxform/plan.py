"""The plan data model: what would change, per resource and per field."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from fluxform.findings import Finding
from fluxform.graph import Path, format_path


class Op(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "no-op": " "}[self.value]


@dataclass(frozen=True)
class FieldChange:
    path: Path
    kind: str
    """added | removed | changed"""
    before: Any = None
    after: Any = None
    secret: bool = False
    unknown: bool = False
    forces_replacement: bool = False

    @property
    def path_text(self) -> str:
        return format_path(self.path)


@dataclass(frozen=True)
class Risk:
    code: str
    message: str


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    op: Op
    fields: tuple[FieldChange, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    risks: tuple[Risk, ...] = ()

    @property
    def display(self) -> str:
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class Summary:
    create: int = 0
    update: int = 0
    delete: int = 0
    replace: int = 0
    noop: int = 0

    @property
    def to_add(self) -> int:
        return self.create + self.replace

    @property
    def to_destroy(self) -> int:
        return self.delete + self.replace

    @property
    def has_changes(self) -> bool:
        return bool(self.create or self.update or self.delete or self.replace)

    def terraform_line(self) -> str:
        if not self.has_changes:
            return "No changes. Your infrastructure matches the configuration."
        return (f"Plan: {self.to_add} to add, {self.update} to change, "
                f"{self.to_destroy} to destroy.")


@dataclass(frozen=True)
class Plan:
    project: str
    stack: str
    changes: tuple[ResourceChange, ...]
    findings: tuple[Finding, ...] = ()
    baseline: str = "none"
    summary: Summary = field(default_factory=Summary)

    @property
    def risks(self) -> list[tuple[ResourceChange, Risk]]:
        return [(c, r) for c in self.changes for r in c.risks]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
