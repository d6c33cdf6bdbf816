"""`fluxform plan`: a credential-free, Terraform-style plan of the Pulumi program.

Thin by design: resolve the stacks, call `fluxform.planning.plan_stacks`, write or print the
rendered reports in stack order, exit with Terraform's codes (docs/plan.md).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from fluxform.errors import PlanError, printable
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
        click.echo(f"error: {printable(result.stack)[:100]}: {printable(result.error)}", err=True)
        if out and out_dir and fmt == "markdown" and STACK_NAME.fullmatch(stem):
            write_atomic(Path(out) / f"{stem}.md", failure_comment(project, stem, result.error))
    elif out:
        target = Path(out) / f"{stem}.{SUFFIX[fmt]}" if out_dir else Path(out)
        try:
            write_atomic(target, result.output)
        except OSError as exc:  # unwritable --out: one line, exit 1
            raise PlanError(f"--out {printable(str(target))[:200]}: cannot write "
                            f"({exc.strerror or type(exc).__name__}) "
                            "(hint: check the path and its permissions)") from None
    else:
        click.echo(result.output, nl=False, color=opts.color)  # click strips ANSI unless told
    if result.policy_errors and opts.policy_gate and not result.error:
        click.echo(f"error: {printable(result.stack)[:100]}: {result.policy_errors} policy error(s) "
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
@click.option("--format", "fmt", type=click.Choice(sorted({*FORMATS, "matrix"})), default="text",
              show_default=True, help="`matrix` (with --affected): a GitHub Actions matrix.")
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
@click.option("--state-from-stack", is_flag=True,
              help="Plan against the deployed state, exported from the stack's backend "
                   "(needs the pulumi CLI and a login).")
@click.option("--save-plan", type=click.Path(),
              help="Write the reviewed-plan file for `fluxform apply` (docs/apply.md); with "
                   "several stacks, DIR/<stack>.plan.json.")
@click.option("--affected", is_flag=True,
              help="Only the stacks the change since --base-ref touches (docs/fleet.md).")
@click.option("--no-cache", is_flag=True, help="Capture every stack afresh (no capture cache).")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Capture cache directory (default: $FLUXFORM_CACHE_DIR, else "
                   "$XDG_CACHE_HOME/fluxform, else ~/.cache/fluxform).")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when there are changes (0 none, 1 error).")
@click.option("--no-policy-gate", is_flag=True, help="Policy errors are reported, not fatal.")
@click.option("--color/--no-color", default=None,
              help="ANSI colour in text output (default: when stdout is a terminal).")
@click.pass_context
def command(ctx: click.Context, stacks: tuple[str, ...], all_stacks: bool, project: str,
            fmt: str, out: str | None, save: str | None, baseline: str | None,
            state: str | None, base_ref: str | None, state_from_stack: bool,
            save_plan: str | None, affected: bool, no_cache: bool, cache_dir: str | None,
            detailed_exitcode: bool, no_policy_gate: bool, color: bool | None) -> None:
    """Show what `pulumi up` would change, offline and without credentials."""
    for name, value in (("--base-ref", base_ref), ("--out", out), ("--save", save),
                        ("--save-plan", save_plan)):
        if value is not None and not value.strip():
            # An empty value (a CI expression such as ${{ github.base_ref }} on a push) is
            # refused, not taken for "no option" (no baseline, no file written).
            raise click.UsageError(f"{name} is empty: give it a value or leave it out")
    if sum(bool(x) for x in (baseline, state, base_ref, state_from_stack)) > 1:
        raise click.UsageError("choose at most one of --baseline, --state, --base-ref, "
                               "--state-from-stack")
    if save_plan and (baseline or base_ref):
        raise click.UsageError("--save-plan needs the deployed state as the baseline: "
                               "--state-from-stack or --state (or none for a new stack)")
    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    if (affected or fmt == "matrix") and not base_ref:
        raise click.UsageError("--affected and --format matrix need --base-ref REF")
    if fmt == "matrix" and not affected:
        raise click.UsageError("--format matrix lists affected stacks: add --affected")
    root = find_project(project)
    all_stacks = all_stacks or (affected and not stacks)
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
                       save_dir=save_dir, policy_gate=not no_policy_gate, debug=debug,
                       state_from_stack=state_from_stack, save_plan=save_plan,
                       save_plan_dir=bool(save_plan) and (several or Path(str(save_plan)).is_dir()))
    if not no_cache and (all_stacks or base_ref or cache_dir):
        from fluxform.cache import default_dir

        opts = replace(opts, cache_dir=str(Path(cache_dir or default_dir()).resolve()))
    if affected:
        from fluxform.affected import affected_stacks, matrix_json

        names = affected_stacks(opts, names, str(base_ref))
        if fmt == "matrix":
            click.echo(matrix_json(names))
            sys.exit(0)
        if not names:
            click.echo("no stack is affected by the change since " + str(base_ref), err=True)
            sys.exit(0)
    results = plan_stacks(opts, names)
    if opts.cache_dir and not any(r.error for r in results):  # errors stay the only lines
        from fluxform.affected import cache_report

        click.echo(cache_report(results, opts.cache_dir), err=True)
    name = project_name(root)
    for result in results:
        _emit(result, opts, out, several, name)
    codes = [r.exit_code(detailed_exitcode, opts.policy_gate) for r in results]
    sys.exit(1 if 1 in codes else max(codes))
