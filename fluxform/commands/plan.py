"""`fluxform plan`: a credential-free, Terraform-style plan of the Pulumi program.

Thin by design: resolve the stacks, call `fluxform.planning.plan_stacks`, write or print the
rendered reports in stack order, exit with Terraform's codes (docs/plan.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from fluxform.planning import PlanOptions, PlanResult, plan_stacks, write_atomic
from fluxform.project import STACK_NAME, find_project, list_stacks, project_name
from fluxform.report import FORMATS
from fluxform.report.mdtext import code, fence, marker_token

SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}


def failure_comment(project: str, stack: str, error: str) -> str:
    """The PR comment of a stack whose plan failed: same marker, so it replaces the last one."""
    f = fence(error)
    return (f"<!-- fluxform-plan:{marker_token(project)}/{marker_token(stack)} -->\n"
            f"## fluxform plan: {code(project[:100])} / {code(stack[:100])}\n\n"
            f"> [!CAUTION]\n> The plan failed; nothing was compared.\n\n{f}\n{error[:2000]}\n{f}\n")


def _emit(result: PlanResult, opts: PlanOptions, out: str | None, out_dir: bool,
          project: str) -> None:
    fmt = opts.fmt
    stem = result.stack.rsplit("/", 1)[-1]  # `org/project/dev` -> dev.md
    if result.error:
        click.echo(f"error: {result.stack}: {result.error}", err=True)
        if out and out_dir and fmt == "markdown" and STACK_NAME.fullmatch(stem):
            write_atomic(Path(out) / f"{stem}.md", failure_comment(project, stem, result.error))
    elif out and out_dir:
        write_atomic(Path(out) / f"{stem}.{SUFFIX[fmt]}", result.output)
    elif out:
        write_atomic(out, result.output)
    else:
        click.echo(result.output, nl=False, color=opts.color)  # click strips ANSI unless told
    if result.policy_errors and opts.policy_gate and not result.error:
        click.echo(f"error: {result.stack}: {result.policy_errors} policy error(s) "
                   "(hint: fix them, or pass --no-policy-gate to report without failing)",
                   err=True)


class _PlanUsageError(click.UsageError):
    exit_code = 1


class PlanCommand(click.Command):
    """Usage errors exit 1, not click's usual 2: with --detailed-exitcode, 2 means "changes",
    and a CI step must never read a mistyped option as a successful plan."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _PlanUsageError(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _PlanUsageError(exc.format_message(), exc.ctx) from None


@click.command("plan", cls=PlanCommand)
@click.option("--stack", "-s", "stacks", multiple=True, help="Stack to plan (repeatable).")
@click.option("--all", "all_stacks", is_flag=True,
              help="Plan every stack (Pulumi.<stack>.yaml), in parallel processes.")
@click.option("--project", default=".", show_default=True,
              help="Project directory (holds Pulumi.yaml; searched upward).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True)
@click.option("--out", type=click.Path(),
              help="Write the report to FILE; with --all or several stacks, DIR/<stack>.<ext>.")
@click.option("--save", type=click.Path(),
              help="Save the captured graph to FILE; with several stacks, DIR/<stack>.graph.json.")
@click.option("--baseline", type=click.Path(exists=True),
              help="Plan against a saved graph (FILE, or DIR/<stack>.graph.json).")
@click.option("--state", type=click.Path(exists=True, dir_okay=False),
              help="Plan against a `pulumi stack export` of the deployed stack.")
@click.option("--base-ref", metavar="REF",
              help="Plan against the same stack at Git revision REF (pull-request mode).")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when there are changes (0 none, 1 error).")
@click.option("--no-policy-gate", is_flag=True, help="Policy errors are reported, not fatal.")
@click.option("--color/--no-color", default=None,
              help="ANSI colour in text output (default: when stdout is a terminal).")
@click.pass_context
def command(ctx: click.Context, stacks: tuple[str, ...], all_stacks: bool, project: str,
            fmt: str, out: str | None, save: str | None, baseline: str | None,
            state: str | None, base_ref: str | None, detailed_exitcode: bool,
            no_policy_gate: bool, color: bool | None) -> None:
    """Show what `pulumi up` would change, offline and without credentials."""
    if sum(bool(x) for x in (baseline, state, base_ref)) > 1:
        raise click.UsageError("choose at most one of --baseline, --state, --base-ref")
    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    root = find_project(project)
    names = list_stacks(root) if all_stacks else list(dict.fromkeys(stacks))
    if not names:
        raise click.UsageError("name a stack with --stack, or use --all"
                               if not all_stacks else f"no Pulumi.<stack>.yaml in {root}")
    several = all_stacks or len(names) > 1
    if state and several:
        raise click.UsageError("--state describes one stack; plan one --stack with it")
    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    debug = bool((ctx.find_root().obj or {}).get("debug"))
    save_dir = bool(save) and (several or Path(str(save)).is_dir())
    opts = PlanOptions(project_dir=str(root), fmt=fmt, color=color and not out,
                       baseline=baseline, state=state, base_ref=base_ref, save=save,
                       save_dir=save_dir, policy_gate=not no_policy_gate, debug=debug)
    results = plan_stacks(opts, names)
    name = project_name(root)
    for result in results:
        _emit(result, opts, out, several, name)
    codes = [r.exit_code(detailed_exitcode, opts.policy_gate) for r in results]
    sys.exit(1 if 1 in codes else max(codes))
