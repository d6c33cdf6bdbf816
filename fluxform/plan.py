"""The plan data model: what would change, per resource and per field.

A Plan is plain data: `fluxform.diff.compute_plan` builds it, the renderers in
`fluxform.report` only read it. Values inside a plan are already redacted (secret and
unknown markers from the Graph); nothing here ever holds a secret value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from fluxform.findings import Finding
from fluxform.graph import Path, format_path

FieldKind = Literal["added", "removed", "changed"]


class Op(enum.StrEnum):
    """What happens to one resource, named as in the JSON plan."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        """Terraform's marker: `+`, `~`, `-`, `-/+`, or a blank for no-op."""
        return _SYMBOLS[self]

    @property
    def verb(self) -> str:
        return _VERBS[self]


_SYMBOLS = {Op.CREATE: "+", Op.UPDATE: "~", Op.DELETE: "-", Op.REPLACE: "-/+", Op.NOOP: " "}
_VERBS = {Op.CREATE: "will be created", Op.UPDATE: "will be updated in-place",
          Op.DELETE: "will be destroyed", Op.REPLACE: "must be replaced", Op.NOOP: "is unchanged"}


class FieldChange(NamedTuple):
    """One difference at one input path.

    A NamedTuple rather than a frozen dataclass: a 10,000-resource plan holds hundreds of
    thousands of these, and tuple construction is several times cheaper.

    `secret`: the value is (or was) secret; `before`/`after` then hold no value at all.
    `unknown`: the new value is only known after apply. `forces_replacement`: this path is
    one that makes Pulumi replace the resource (see `fluxform.replacement`).
    """

    path: Path
    kind: FieldKind
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
    """A change that deserves a reviewer's attention; `code` is stable (see fluxform.risk)."""

    code: str
    message: str


@dataclass(frozen=True)
class ResourceChange:
    """The operation on one resource (by URN) and its field-level differences.

    Creates list every input leaf as `added`, deletes every leaf as `removed`.
    """

    urn: str
    type: str
    name: str
    op: Op
    fields: tuple[FieldChange, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    risks: tuple[Risk, ...] = ()
    delete_before_replace: bool = False
    """For a replace: the old resource is deleted before the new one is created (else the new
    one is created first and the old one deleted at the end). False for every other op."""
    provider_change: tuple[str | None, str | None] | None = None
    """(old, new) explicit provider URN when the resource moves to another provider."""
    previous_urn: str | None = None
    """The baseline URN this resource was matched to through one of its aliases."""
    component: bool = False
    """A component resource (no provider; the engine only records it)."""

    @property
    def folded(self) -> bool:
        """A component without inputs created or deleted: reports fold it into its children."""
        return self.component and not self.fields and self.op in (Op.CREATE, Op.DELETE)

    @property
    def notes(self) -> list[str]:
        """What the reports say about this change beyond its fields, in words."""
        out = []
        if self.previous_urn:
            out.append(f"was {self.previous_urn} (matched through an alias)")
        if self.provider_change is not None:
            old, new = self.provider_change
            out.append(f"provider: {old or '(default)'} -> {new or '(default)'}")
        if self.op is Op.REPLACE:
            out.append("order: the old one is deleted first, then the new one is created "
                       "(deleteBeforeReplace)" if self.delete_before_replace else
                       "order: the new one is created first; the old one is deleted at the end")
        return out

    @property
    def display(self) -> str:
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class Summary:
    """Operation counts. Terraform counts a replacement once in add and once in destroy."""

    create: int = 0
    update: int = 0
    delete: int = 0
    replace: int = 0
    noop: int = 0

    @classmethod
    def of(cls, changes: Iterable[ResourceChange]) -> Summary:
        counts = dict.fromkeys(Op, 0)
        for change in changes:
            counts[change.op] += 1
        return cls(create=counts[Op.CREATE], update=counts[Op.UPDATE], delete=counts[Op.DELETE],
                   replace=counts[Op.REPLACE], noop=counts[Op.NOOP])

    @property
    def to_add(self) -> int:
        return self.create + self.replace

    @property
    def to_change(self) -> int:
        return self.update

    @property
    def to_destroy(self) -> int:
        return self.delete + self.replace

    @property
    def has_changes(self) -> bool:
        return bool(self.create or self.update or self.delete or self.replace)

    def terraform_line(self) -> str:
        """`Plan: X to add, Y to change, Z to destroy.`, or Terraform's no-change sentence."""
        if not self.has_changes:
            return "No changes. Your infrastructure matches the configuration."
        return (f"Plan: {self.to_add} to add, {self.to_change} to change, "
                f"{self.to_destroy} to destroy.")

    def counts_line(self) -> str:
        """The explicit counts, replacements on their own (the Terraform line folds them in)."""
        return (f"{self.create} to create, {self.update} to update, {self.replace} to replace, "
                f"{self.delete} to delete, {self.noop} unchanged.")


@dataclass(frozen=True)
class Plan:
    """Every resource of both graphs, in the order `pulumi up` works (creates, updates and
    replacements in dependency order, then deletions in reverse dependency order), with the
    policy findings to show."""

    project: str
    stack: str
    changes: tuple[ResourceChange, ...]
    findings: tuple[Finding, ...] = ()
    baseline: str = "none"
    summary: Summary = field(default_factory=Summary)
    notes: tuple[str, ...] = ()
    """What the plan could not know (e.g. secrets of a state export), one sentence each."""

    @property
    def risks(self) -> list[tuple[ResourceChange, Risk]]:
        return [(c, r) for c in self.changes for r in c.risks]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]
