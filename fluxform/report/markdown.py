"""The plan as a pull-request comment, never over GitHub's 65,536-character limit.

Cutting follows meaning, not bytes: the marker, heading, summary and every deletion,
replacement, risk and error finding are kept; per-resource details are added in order of
importance (replace, update, create) while they fit, and what was left out is said.
Only if the must-keep list alone is too long is it cut, with the exact count left out.
"""

from __future__ import annotations

import html
from typing import Any

from fluxform.plan import Op, Plan, ResourceChange
from fluxform.report.values import field_line

GITHUB_LIMIT = 65536
DETAIL_ORDER = {Op.REPLACE: 0, Op.UPDATE: 1, Op.CREATE: 2}
MAX_FIELDS = 60


def marker(plan: Plan) -> str:
    return f"<!-- fluxform-plan:{plan.project}/{plan.stack} -->"


def _code(text: str) -> str:
    return "<code>" + html.escape(text) + "</code>"


def _critical(plan: Plan) -> list[str]:
    lines = []
    for c in plan.changes:
        if c.op in (Op.DELETE, Op.REPLACE):
            why = f" ({html.escape('; '.join(c.replace_reasons))})" if c.replace_reasons else ""
            lines.append(f"> - {_code(c.op.symbol + ' ' + c.display)} {c.op.value}{why}")
    for _, r in plan.risks:
        if r.code != "R-REPLACE":
            lines.append(f"> - **{r.code}** {html.escape(r.message)}")
    for f in plan.findings:
        lines.append(f"> - **{f.severity.upper()} {f.rule_id}** {_code(f.subject)}: "
                     f"{html.escape(f.message)}")
    return lines


def _critical_compact(plan: Plan, budget: int) -> list[str]:
    """The same facts, one line per (operation, type) and per risk code, names only; when
    even that is too long, each line keeps the names that fit and counts the rest."""
    groups: dict[tuple[str, str], list[str]] = {}
    for c in plan.changes:
        if c.op in (Op.DELETE, Op.REPLACE):
            groups.setdefault((c.op.value, c.type), []).append(c.name)
    for c, r in plan.risks:
        if r.code != "R-REPLACE":
            groups.setdefault((r.code, ""), []).append(c.name)
    findings = [f"> - **{f.severity.upper()} {f.rule_id}** {_code(f.subject)}: "
                f"{html.escape(f.message)}" for f in plan.errors]
    share = max(200, (budget - sum(len(x) + 1 for x in findings)) // max(1, len(groups)))
    lines = []
    for (what, type_), names in groups.items():
        head = f"> - **{what}** {_code(type_) if type_ else ''} ({len(names)}): "
        text, shown = head, 0
        for name in names:
            piece = html.escape(name) + ", "
            if len(text) + len(piece) + 40 > share:
                break
            text += piece
            shown += 1
        text = text.rstrip(", ")
        if shown < len(names):
            text += f" ...and {len(names) - shown} more (see the JSON plan artifact)"
        lines.append(text)
    return lines + findings


def _details(c: ResourceChange) -> str:
    body = [field_line(f) for f in c.fields[:MAX_FIELDS]]
    if len(c.fields) > MAX_FIELDS:
        body.append(f"# ... {len(c.fields) - MAX_FIELDS} more fields (see the JSON plan)")
    reasons = "".join(f"\n# {r}" for r in c.replace_reasons)
    diff = "\n".join(body) + reasons
    return (f"<details><summary>{_code(c.op.symbol + ' ' + c.display)}</summary>\n\n"
            f"```diff\n{diff.replace('```', '` ` `')}\n```\n</details>\n")


def render(plan: Plan, *, max_chars: int = GITHUB_LIMIT, **_: Any) -> str:
    s = plan.summary
    head = [
        marker(plan),
        f"## fluxform plan: `{plan.project}` / `{plan.stack}`",
        "",
        f"**{s.terraform_line()}** Baseline: {html.escape(plan.baseline)}.",
        "",
        "| create | update | replace | delete | unchanged | findings |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s.create} | {s.update} | {s.replace} | {s.delete} | {s.noop} | {len(plan.findings)} |",
        "",
    ]
    critical = _critical(plan)
    out = "\n".join(head) + "\n"
    footer_reserve = 200
    if critical:
        kind = "CAUTION" if (s.delete or s.replace or plan.errors) else "WARNING"
        block = [f"> [!{kind}]", "> **Deletions, replacements, risks and policy errors**", ">"]
        budget = max_chars - len(out) - footer_reserve - sum(len(x) + 1 for x in block)
        if sum(len(x) + 1 for x in critical) > budget:
            critical = _critical_compact(plan, budget - 80)
            block.append("> _(compact list: the full one does not fit in one comment)_")
            budget -= len(block[-1]) + 1
        kept: list[str] = []
        for line in critical:
            if budget - (len(line) + 1) < 0:
                break
            kept.append(line)
            budget -= len(line) + 1
        if len(kept) < len(critical):
            kept.append(f"> - ...and {len(critical) - len(kept)} more (see the JSON plan artifact)")
        out += "\n".join(block + kept) + "\n\n"
    # Deletions are listed in full in the caution block above; details are for field diffs.
    changed = sorted((c for c in plan.changes if c.op not in (Op.NOOP, Op.DELETE)),
                     key=lambda c: DETAIL_ORDER[c.op])
    if changed:
        out += "### Changes\n\n"
    elided = 0
    for c in changed:
        block_text = _details(c)
        if elided or len(out) + len(block_text) + footer_reserve > max_chars:
            elided += 1
            continue
        out += block_text
    if elided:
        out += (f"\n_Details of {elided:,} resources elided to fit GitHub's "
                f"{GITHUB_LIMIT:,}-character limit; the JSON plan has them all._\n")
    return out
