"""`fluxform plan`: a credential-free, Terraform-style plan of the Pulumi program."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fluxform.planning import PlanOptions, plan_stacks, write_atomic
from fluxform.project import find_project, list_stacks
from fluxform.report import FORMATS

SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}


@click.command("plan")
@click.option("--stack", "-s", multiple=True, help="Stack to plan (repeatable).")
@click.option("--all", "all_stacks", is_flag=True, help="Plan every stack, in parallel processes.")
@click.option("--project", "project", default=".", help="Project directory (holds Pulumi.yaml).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text")
@click.option("--out", type=click.Path(), help="Write the report to FILE (a directory with --all).")
@click.option("--save", type=click.Path(), help="Save the captured graph (one stack only).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), help="Saved graph.")
@click.option("--state", type=click.Path(exists=True, dir_okay=False),
              help="`pulumi stack export` JSON of the deployed stack.")
@click.option("--base-ref", help="Git revision to plan against (pull-request mode).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option("--no-policy-gate", is_flag=True, help="Policy errors do not fail the plan.")
@click.option("--color/--no-color", default=None, help="Colour (default: when on a terminal).")
def command(stack: tuple[str, ...], all_stacks: bool, project: str, fmt: str, out: str | None,
            save: str | None, baseline: str | None, state: str | None, base_ref: str | None,
            detailed_exitcode: bool, no_policy_gate: bool, color: bool | None) -> None:
    """Show what `pulumi up` would change, offline and without credentials."""
    if sum(bool(x) for x in (baseline, state, base_ref)) > 1:
        raise click.UsageError("choose at most one of --baseline, --state, --base-ref")
    root = find_project(project)
    stacks = list_stacks(root) if all_stacks else list(stack)
    if not stacks:
        raise click.UsageError("name a stack with --stack, or use --all")
    if save and len(stacks) > 1:
        raise click.UsageError("--save takes one stack")
    use_color = sys.stdout.isatty() if color is None else color
    opts = PlanOptions(project_dir=str(root), fmt=fmt, color=use_color and not out,
                       baseline=baseline, state=state, base_ref=base_ref, save=save,
                       policy_gate=not no_policy_gate)
    results = plan_stacks(opts, stacks)
    codes: list[int] = []
    for result in results:
        if result.error:
            click.echo(f"error: {result.stack}: {result.error}", err=True)
        elif out and all_stacks:
            write_atomic(Path(out) / f"{result.stack}.{SUFFIX[fmt]}", result.output)
        elif out:
            write_atomic(out, result.output)
        else:
            click.echo(result.output, nl=False)
        codes.append(result.exit_code(detailed_exitcode, opts.policy_gate))
    code = 1 if 1 in codes else max(codes)
    if any(r.policy_errors and not r.error for r in results) and opts.policy_gate:
        click.echo("error: policy errors found (hint: fix them, or pass --no-policy-gate)", err=True)
    sys.exit(code)

