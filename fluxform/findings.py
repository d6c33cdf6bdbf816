"""Policy findings: the one shape every rule emits and every report renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FindingSeverity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One rule violation on one resource or object.

    `subject` names the resource: a URN for captured resources, or `Kind/namespace/name` for
    objects rendered into the GitOps tree. Messages name the resource and never quote values
    that could be secret.
    """

    rule_id: str
    """Stable rule id, e.g. FF001."""
    severity: FindingSeverity
    subject: str
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
            "hint": self.hint,
        }
