"""Machine-readable plan, format `fluxform.plan/v1` (documented in docs/plan-format.md)."""

from __future__ import annotations

import json
from typing import Any

from fluxform.graph import format_path, is_secret
from fluxform.plan import FieldChange, Plan

FORMAT = "fluxform.plan/v1"


def _field(f: FieldChange) -> dict[str, Any]:
    hide = f.secret or is_secret(f.before) or is_secret(f.after)
    return {
        "path": format_path(f.path), "kind": f.kind,
        "before": None if hide else f.before, "after": None if hide else f.after,
        "secret": hide, "unknown": f.unknown, "forcesReplacement": f.forces_replacement,
    }


def to_dict(plan: Plan) -> dict[str, Any]:
    s = plan.summary
    return {
        "format": FORMAT, "project": plan.project, "stack": plan.stack, "baseline": plan.baseline,
        "summary": {"add": s.to_add, "change": s.update, "destroy": s.to_destroy,
                    "create": s.create, "update": s.update, "delete": s.delete,
                    "replace": s.replace, "noop": s.noop},
        "changes": [
            {"urn": c.urn, "type": c.type, "name": c.name, "op": c.op.value,
             "replaceReasons": list(c.replace_reasons),
             "risks": [{"code": r.code, "message": r.message} for r in c.risks],
             "fields": [_field(f) for f in c.fields]}
            for c in plan.changes
        ],
        "findings": [f.to_json() for f in plan.findings],
    }


def render(plan: Plan, **_: Any) -> str:
    return json.dumps(to_dict(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
