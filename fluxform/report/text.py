"""Terraform-like text plan (ANSI colour only when asked)."""

from __future__ import annotations

from typing import Any

from fluxform.plan import Op, Plan
from fluxform.report.values import field_line

COLORS = {Op.CREATE: "\x1b[32m", Op.UPDATE: "\x1b[33m", Op.DELETE: "\x1b[31m",
          Op.REPLACE: "\x1b[35m", Op.NOOP: ""}
RESET = "\x1b[0m"
VERBS = {Op.CREATE: "will be created", Op.UPDATE: "will be updated in-place",
         Op.DELETE: "will be destroyed", Op.REPLACE: "must be replaced"}


def render(plan: Plan, *, color: bool = False, **_: Any) -> str:
    def paint(op: Op, s: str) -> str:
        return f"{COLORS[op]}{s}{RESET}" if color and COLORS[op] else s

    lines = [f"fluxform plan: {plan.project}/{plan.stack} (baseline: {plan.baseline})", ""]
    for c in plan.changes:
        if c.op is Op.NOOP:
            continue
        lines.append(paint(c.op, f"{c.op.symbol} {c.display} {VERBS[c.op]}"))
        lines.append(f"    urn: {c.urn}")
        for reason in c.replace_reasons:
            lines.append(f"    # {reason}")
        for f in c.fields if c.op is not Op.DELETE else ():
            lines.append("    " + field_line(f))
        lines.append("")
    risks = plan.risks
    if risks:
        lines.append("Risks:")
        lines += [f"  ! [{r.code}] {r.message}" for _, r in risks]
        lines.append("")
    if plan.findings:
        lines.append("Policy findings:")
        lines += [f"  {f.severity.upper()} {f.rule_id} {f.subject}: {f.message}"
                  + (f" (fix: {f.hint})" if f.hint else "") for f in plan.findings]
        lines.append("")
    lines.append(plan.summary.terraform_line())
    return "\n".join(lines) + "\n"
