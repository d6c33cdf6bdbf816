"""The plan as Terraform-like text: `+` create, `~` update, `-` delete, `-/+` replace.

Colour is ANSI escapes and only when asked for (the CLI asks on a terminal). No-ops are not
listed; the last line is always Terraform's `Plan: ...` or `No changes. ...` sentence.
"""

from __future__ import annotations

from typing import Any

from fluxform.plan import Op, Plan, ResourceChange
from fluxform.report.values import clean, field_lines

VALUE_LIMIT = 400
RESET = "\x1b[0m"
OP_COLOR = {Op.CREATE: "\x1b[32m", Op.UPDATE: "\x1b[33m", Op.DELETE: "\x1b[31m",
            Op.REPLACE: "\x1b[35m", Op.NOOP: ""}
SYMBOL_COLOR = {"+": "\x1b[32m", "-": "\x1b[31m", "~": "\x1b[33m", " ": ""}
RISK_COLOR = "\x1b[1;31m"
LEGEND = ("Symbols: + create, ~ update in place, - destroy, "
          "-/+ replace (destroy and create again).\n"
          "Order: as `pulumi up` works: creates, updates and replacements in dependency order, "
          "then deletions in reverse dependency order.")


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color and code else text


def _resource(c: ResourceChange, paint: _Painter) -> list[str]:
    head = f"{c.op.symbol:>3} {clean(c.display)} {c.op.verb}"
    lines = [paint(OP_COLOR[c.op], head), f"      urn: {clean(c.urn)}"]
    lines += [f"      # {clean(reason)}" for reason in c.replace_reasons]
    lines += [f"      # {clean(note)}" for note in c.notes]
    for f in c.fields:
        for line in field_lines(f, VALUE_LIMIT):
            lines.append("      " + (paint(SYMBOL_COLOR[line[0]], line) if paint.color else line))
    lines.append("")
    return lines


def render(plan: Plan, *, color: bool = False, **_: Any) -> str:
    """The whole plan as text; identical input gives byte-identical output."""
    paint = _Painter(color)
    lines = [f"fluxform plan: {clean(plan.project)}/{clean(plan.stack)} "
             f"(baseline: {clean(plan.baseline)})", ""]
    if plan.summary.has_changes:
        lines += [LEGEND, ""]
    folded = 0
    for c in plan.changes:
        if c.folded:
            folded += 1
        elif c.op is not Op.NOOP:
            lines += _resource(c, paint)
    if folded:
        lines += [f"({folded} component resource(s) without inputs are created or deleted with "
                  "their children and not listed.)", ""]
    for note in plan.notes:
        lines += [f"Note: {clean(note)}", ""]
    if plan.risks:
        lines.append(paint(RISK_COLOR, "Risks:"))
        lines += [paint(RISK_COLOR, f"  ! [{r.code}] {clean(r.message)}") for _, r in plan.risks]
        lines.append("")
    if plan.findings:
        lines.append("Policy findings:")
        for f in plan.findings:
            hint = f" (fix: {clean(f.hint)})" if f.hint else ""
            text = f"  {f.severity.upper()} {f.rule_id} {clean(f.subject)}: {clean(f.message)}{hint}"
            lines.append(paint(RISK_COLOR if f.severity == "error" else "", text))
        lines.append("")
    if plan.summary.has_changes:
        lines.append(plan.summary.counts_line())
    lines.append(plan.summary.terraform_line())
    return "\n".join(lines) + "\n"
