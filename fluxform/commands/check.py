"""`fluxform check`: run the policy rules on one, several or every stack, offline.

Thin by design: resolve the stacks, call `stack_findings` per stack, hand the findings to the
renderer for the chosen format. Exit 1 when any finding is of error severity.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping

import click

from fluxform.findings import Finding

Results = Mapping[str, list[Finding]]


def stack_findings(project: str, stack: str) -> list[Finding]:
    """Capture one stack under the recording engine and evaluate the rules on it."""
    from fluxform.policy import check_stack
    from fluxform.project import load_stack
    from fluxform.stackrun import capture_config

    config = load_stack(project, stack)
    return check_stack(config.load_spec(), capture_config(config))


def render_text(results: Results) -> str:
    lines = []
    for stack, findings in results.items():
        errors = sum(f.severity == "error" for f in findings)
        lines.append(f"{stack}: {errors} error(s), {len(findings) - errors} warning(s)")
        for f in findings:
            lines.append(f"  {f.severity.upper():7} {f.rule_id} {f.message}")
            lines.append(f"          {f.subject}")
            if f.hint:
                lines.append(f"          fix: {f.hint}")
    return "\n".join(lines)


def render_json(results: Results) -> str:
    doc = {"stacks": {s: [f.to_json() for f in fs] for s, fs in results.items()},
           "errors": sum(f.severity == "error" for fs in results.values() for f in fs)}
    return json.dumps(doc, indent=2, sort_keys=True)


RENDERERS: dict[str, Callable[[Results], str]] = {"text": render_text, "json": render_json}


@click.command("check")
@click.option("--stack", "-s", "stacks", multiple=True, help="Stack to check (repeatable).")
@click.option("--all", "all_stacks", is_flag=True, help="Check every stack of the project.")
@click.option("--project", default=".", show_default=True,
              help="Project directory (holds Pulumi.yaml).")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text",
              show_default=True)
def command(stacks: tuple[str, ...], all_stacks: bool, project: str, fmt: str) -> None:
    """Check stacks against the Flux policy rules (docs/policy.md); exit 1 on any error."""
    from fluxform.project import find_project, list_stacks

    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    root = find_project(project)
    names = list_stacks(root) if all_stacks else list(dict.fromkeys(stacks))
    if not names:
        raise click.UsageError("name a stack with --stack, or use --all")
    results = {name: stack_findings(str(root), name) for name in names}
    click.echo(RENDERERS[fmt](results))
    sys.exit(1 if any(f.severity == "error" for fs in results.values() for f in fs) else 0)
