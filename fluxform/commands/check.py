"""`fluxform check`: run the policy rules on one or every stack, offline."""

from __future__ import annotations

import json
import sys

import click

from fluxform.findings import Finding
from fluxform.policy import check_stack
from fluxform.project import find_project, list_stacks, load_stack
from fluxform.stackrun import capture_config


def stack_findings(project: str, stack: str) -> list[Finding]:
    config = load_stack(project, stack)
    return check_stack(config.load_spec(), capture_config(config))


@click.command("check")
@click.option("--stack", "-s", multiple=True, help="Stack to check (repeatable).")
@click.option("--all", "all_stacks", is_flag=True, help="Check every stack.")
@click.option("--project", default=".", help="Project directory (holds Pulumi.yaml).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def command(stack: tuple[str, ...], all_stacks: bool, project: str, fmt: str) -> None:
    """Exit 1 if any rule of error severity is violated."""
    root = find_project(project)
    stacks = list_stacks(root) if all_stacks else list(stack)
    if not stacks:
        raise click.UsageError("name a stack with --stack, or use --all")
    results = {s: stack_findings(str(root), s) for s in stacks}
    if fmt == "json":
        click.echo(json.dumps({s: [f.to_json() for f in fs] for s, fs in results.items()},
                              indent=2, sort_keys=True))
    else:
        for s, findings in results.items():
            errors = sum(f.severity == "error" for f in findings)
            click.echo(f"{s}: {errors} error(s), {len(findings) - errors} warning(s)")
            for f in findings:
                click.echo(f"  {f.severity.upper()} {f.rule_id} {f.message} (fix: {f.hint})")
    sys.exit(1 if any(f.severity == "error" for fs in results.values() for f in fs) else 0)
