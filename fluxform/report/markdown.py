"""The plan as a pull-request comment, never longer than `max_chars` (GitHub: 65,536).

Layout: the hidden marker `<!-- fluxform-plan:<project>/<stack> -->` (a workflow finds and
updates its own comment by it), a heading, the summary, a CAUTION/WARNING block with every
deletion, replacement, risk flag and policy error, policy warnings, then a `<details>` field
diff per changed resource.

Cutting follows meaning, never bytes. The marker, heading, summary and the caution block
always stay. If the block's one-line-per-item form does not fit, it becomes one line per
kind listing names only; if even that is too long, each line keeps the names that fit and
states exactly how many more there are. Details go in order of importance (replacements,
updates, creates); those that do not fit are listed by name, then only counted, and a note
says exactly how many were elided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fluxform.plan import Op, Plan, ResourceChange
from fluxform.report.mdtext import Budget, code, fence, marker_token, md
from fluxform.report.values import field_lines
from fluxform.risk import CODES

GITHUB_LIMIT = 65536
MIN_CHARS = 1024
NOTE_RESERVE = 600
DETAIL_ORDER = {Op.REPLACE: 0, Op.UPDATE: 1, Op.CREATE: 2}
MAX_FIELDS = 60
VALUE_LIMIT = 160
ARTIFACT = "(see the JSON plan artifact)"


def marker(plan: Plan) -> str:
    return f"<!-- fluxform-plan:{marker_token(plan.project)}/{marker_token(plan.stack)} -->"


def _head(plan: Plan) -> str:
    s = plan.summary
    return (f"{marker(plan)}\n## fluxform plan: {code(plan.project[:100])} / {code(plan.stack[:100])}\n\n"
            f"**{s.terraform_line()}** Baseline: {md(plan.baseline[:300])}.\n\n"
            "| create | update | replace | delete | no-op | risk flags | policy errors | warnings |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            f"| {s.create} | {s.update} | {s.replace} | {s.delete} | {s.noop} | "
            f"{len(plan.risks)} | {len(plan.errors)} | {len(plan.warnings)} |\n\n")


@dataclass
class _Group:
    """Items of one kind (deletions of one type, one risk code, one rule's errors)."""

    label: str
    noun: str
    names: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _groups(plan: Plan) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}

    def add(key: tuple[str, str], label: str, noun: str, name: str, line: str) -> None:
        group = groups.setdefault(key, _Group(label, noun))
        group.names.append(name)
        group.lines.append(f"> - {line}\n")

    for c in plan.changes:
        if c.op is Op.DELETE and not c.folded:
            add(("1", c.type), f"**delete** {code(c.type)}", "deletions", md(c.name),
                f"**delete** {code(c.display)}")
        elif c.op is Op.REPLACE:
            order = ("old one deleted first" if c.delete_before_replace
                     else "new one created first, old one deleted at the end")
            add(("2", c.type), f"**replace** {code(c.type)}", "replacements", md(c.name),
                f"**replace** {code(c.display)}: {md('; '.join(c.replace_reasons))} "
                f"({order})")
    for c, r in plan.risks:
        if r.code != "R-REPLACE":  # every replacement is listed above with its reasons
            add(("3", r.code), f"**{r.code}** ({md(CODES.get(r.code, r.code))})",
                "flagged resources", md(c.name), f"**{r.code}** {md(r.message)}")
    for f in plan.errors:
        hint = f" (fix: {md(f.hint)})" if f.hint else ""
        add(("4", f.rule_id), f"**ERROR {md(f.rule_id)}**", "errors", md(f.subject),
            f"**ERROR {md(f.rule_id)}** {code(f.subject)}: {md(f.message)}{hint}")
    return [groups[k] for k in sorted(groups)]


def _group_line(group: _Group, limit: int) -> str:
    """The group on one line within `limit` characters if possible, names cut with a count."""
    prefix = f"> - {group.label} ({len(group.names):,}): "
    full = prefix + ", ".join(group.names) + "\n"
    if len(full) <= limit:
        return full
    shown: list[str] = []
    used = len(prefix) + len(f", …and {len(group.names):,} more {group.noun} {ARTIFACT}\n")
    for name in group.names:
        if used + len(name) + 2 > limit:
            break
        shown.append(name)
        used += len(name) + 2
    more = f"…and {len(group.names) - len(shown):,} more {group.noun} {ARTIFACT}"
    return prefix + ", ".join([*shown, more]) + "\n"


def _alert(plan: Plan, budget: int) -> str:
    groups = _groups(plan)
    if not groups:
        return ""
    s = plan.summary
    kind = "CAUTION" if (s.delete or s.replace or plan.errors) else "WARNING"
    counts = [(s.delete, "deletion"), (s.replace, "replacement"),
              (sum(r.code != "R-REPLACE" for _, r in plan.risks), "risk flag"),
              (len(plan.errors), "policy error")]
    title = ", ".join(f"{n:,} {word}{'s' if n != 1 else ''}" for n, word in counts if n)
    head = f"> [!{kind}]\n> **{title}**\n>\n"
    full = head + "".join(line for g in groups for line in g.lines) + "\n"
    if len(full) <= budget:
        return full
    head += "> _One line per kind, names only: the full list does not fit in one comment._\n"
    room = budget - len(head) - 1
    lines = [_group_line(g, room) for g in groups]
    if sum(map(len, lines)) > room:  # water-fill: short groups whole, long ones share the rest
        order = sorted(range(len(groups)), key=lambda i: len(lines[i]))
        for position, i in enumerate(order):
            lines[i] = _group_line(groups[i], room // (len(groups) - position))
            room -= len(lines[i])
    text = head + "".join(lines) + "\n"
    if len(text) <= budget:
        return text
    total = ", ".join(f"{len(g.names):,} {g.noun}" for g in groups)
    return f"> [!{kind}]\n> **{title}**\n>\n> - Too many to list here: {total} {ARTIFACT}.\n\n"


def _details(c: ResourceChange) -> str:
    lines = [f"# {reason}" for reason in c.replace_reasons]
    lines += [f"# {note}" for note in c.notes]
    for f in c.fields[:MAX_FIELDS]:
        lines += field_lines(f, VALUE_LIMIT)
    if len(c.fields) > MAX_FIELDS:
        lines.append(f"# …and {len(c.fields) - MAX_FIELDS} more fields {ARTIFACT}")
    body = "\n".join(lines) or ("# (no inputs)" if c.op in (Op.CREATE, Op.DELETE)
                                 else "# (no input changes)")
    bar = fence(body)
    count = f"{len(c.fields)} field{'s' if len(c.fields) != 1 else ''}"
    return (f"<details><summary>{_op_code(c)} ({count})</summary>\n\n"
            f"{bar}diff\n{body}\n{bar}\n\n</details>\n")


def _limit_phrase(max_chars: int) -> str:
    if max_chars == GITHUB_LIMIT:
        return f"GitHub's {max_chars:,}-character comment limit"
    return f"the {max_chars:,}-character limit"


def _op_code(c: ResourceChange) -> str:
    return f"<code>{c.op.symbol} {md(c.display)}</code>"


def _changes(plan: Plan, budget: Budget, max_chars: int) -> tuple[list[str], str]:
    """Details while they fit; when not all do, the rest collapse to one line each.

    A detail is added only if the one-line entries of everything after it still fit; when
    even those cannot all fit, details get half the room and entries the other half.
    """
    todo = sorted((c for c in plan.changes if c.op in DETAIL_ORDER and not c.folded),
                  key=lambda c: DETAIL_ORDER[c.op])
    if not todo:
        return [], ""
    heading = ("### Changes\n\nReplacements, then updates, then creates (the text and JSON plans "
               "list every change in the order `pulumi up` performs them).\n\n")
    entries = [f"- {_op_code(c)}\n" for c in todo]
    after = [0] * (len(todo) + 1)  # after[i]: length of the entries of todo[i:]
    for i in range(len(todo) - 1, -1, -1):
        after[i] = after[i + 1] + len(entries[i])
    subheading = f"\nNot detailed ({len(todo):,}):\n\n"  # the longest it can be
    room = budget.left - len(heading) - len(subheading)
    names_fit = after[0] <= room
    out: list[str] = []
    shown = listed = used = 0
    if room > 0:
        budget.take(heading)
        out.append(heading)
        for i, c in enumerate(todo):
            block = _details(c)
            if used + len(block) > (room - after[i + 1] if names_fit else room // 2):
                break
            budget.take(block)
            out.append(block)
            used += len(block)
            shown += 1
    rest = todo[shown:]
    subheading = f"\nNot detailed ({len(rest):,}):\n\n"
    if rest and out and budget.take(subheading):
        out.append(subheading)
        for line in entries[shown:]:
            if not budget.take(line):
                break
            out.append(line)
            listed += 1
    if not rest:
        return out, ""
    where = (f" ({listed:,} listed by name above, {len(rest) - listed:,} not listed)"
             if listed else "")
    return out, (f"\n_Details of {len(rest):,} resources elided to fit {_limit_phrase(max_chars)}"
                 f"{where}; the JSON plan artifact has every change._\n")


def _warnings(plan: Plan, budget: Budget) -> tuple[list[str], str]:
    if not plan.warnings or not budget.take("### Policy warnings\n\n"):
        return [], (f"\n_{len(plan.warnings):,} policy warnings not shown {ARTIFACT}._\n"
                    if plan.warnings else "")
    out = ["### Policy warnings\n\n"]
    for f in plan.warnings:
        hint = f" (fix: {md(f.hint)})" if f.hint else ""
        line = f"- **WARNING {md(f.rule_id)}** {code(f.subject)}: {md(f.message)}{hint}\n"
        if not budget.take(line):
            break
        out.append(line)
    left = len(plan.warnings) - (len(out) - 1)
    out.append("\n")
    return out, (f"\n_{left:,} more policy warnings not shown {ARTIFACT}._\n" if left else "")


def render(plan: Plan, *, max_chars: int = GITHUB_LIMIT, **_: Any) -> str:
    """The comment; at most `max_chars` characters whatever the plan's size."""
    if max_chars < MIN_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_CHARS}, got {max_chars}")
    head = _head(plan)
    budget = Budget(max_chars - NOTE_RESERVE - len(head))
    alert = _alert(plan, budget.left)
    budget.take(alert)
    notes = "".join(f"_Note: {md(n)}_\n\n" for n in plan.notes)
    if notes and budget.take(notes):
        alert += notes
    warnings, warn_note = _warnings(plan, budget)
    details, detail_note = _changes(plan, budget, max_chars)
    # Sections end with a blank line and notes start with one; no fenced line is ever empty,
    # so collapsing runs of blank lines changes layout only.
    text = re.sub(r"\n{3,}", "\n\n", "".join([head, alert, *warnings, *details, warn_note, detail_note]))
    if len(text) > max_chars:  # only with a tiny limit and very many kinds of risk
        s = plan.summary
        text = (f"{head}> [!CAUTION]\n> Too large to summarize in {max_chars:,} characters: "
                f"{s.delete:,} deletions, {s.replace:,} replacements, {len(plan.risks):,} risk flags, "
                f"{len(plan.errors):,} policy errors {ARTIFACT}.\n")
    return text
