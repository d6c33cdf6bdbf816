"""`fluxform apply`: apply exactly the reviewed plan through the real engine, then prove it.

    fluxform apply --stack S FILE     apply the reviewed-plan file FILE (`plan --save-plan`)
    fluxform apply --stack S          plan against the deployed state, show it, ask, apply

Steps (docs/apply.md): refuse when the spec, the stack config or the captured program differ
from the reviewed ones, or the deployed state is not the plan's baseline; have the engine
preview and save its own update plan, and refuse unless it performs exactly the reviewed
operations; run `pulumi up --plan` constrained to it, streaming progress; export the state
again and check that every planned operation happened, no other did, and the state holds the
desired inputs. Every `pulumi` command runs through fluxform.engine; fluxform never writes the
state itself.

Exit codes: 0 applied as planned (or nothing to apply), 1 refused or failed (one `error:`
line), 3 applied, but the result differs from the reviewed plan (the differences are listed).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from fluxform.commands.plan import PlanCommand
from fluxform.errors import FluxformError, printable
from fluxform.plan import Op

EXIT_APPLIED = 0
EXIT_FAILED = 1
EXIT_DIFFERS = 3
VERBS = {"create": ("Creating", "created"), "update": ("Updating", "updated"),
         "delete": ("Deleting", "deleted"), "replace": ("Replacing", "replaced"),
         "create-replacement": ("Creating replacement", "replacement created"),
         "delete-replaced": ("Deleting replaced", "replaced one deleted")}
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+",
           "create-replacement": "+", "delete-replaced": "-"}


class Refused(FluxformError):
    """Apply refused before anything was changed."""


def stdin_is_tty() -> bool:
    return sys.stdin.isatty()


@dataclass
class Progress:
    """Resource-by-resource progress: plain lines, plus a live status line on a terminal."""

    total: int
    tty: bool
    echo: Callable[[str], None]
    done: int = 0
    running: dict[str, str] = field(default_factory=dict)
    _status: bool = False

    def _clear(self) -> None:
        if self._status:
            sys.stdout.write("\r\x1b[K")
            self._status = False

    def _show_status(self) -> None:
        if self.tty and self.running:
            names = ", ".join(list(self.running.values())[:3])
            more = f" +{len(self.running) - 3}" if len(self.running) > 3 else ""
            sys.stdout.write(f"\r\x1b[KApplying [{self.done}/{self.total}] ... {names}{more}")
            sys.stdout.flush()
            self._status = True

    def line(self, text: str) -> None:
        self._clear()
        self.echo(text)
        self._show_status()

    def __call__(self, event: Any) -> None:
        from fluxform.applycheck import ignored

        if event.kind in ("pre", "outputs", "failed") and (event.op in ("same", "read", "")
                                                            or ignored(event.urn, event.type)):
            return
        name = printable(f"{event.type} {event.urn.rpartition('::')[2]}")
        verb = VERBS.get(event.op, (event.op.capitalize(), event.op))
        symbol = SYMBOLS.get(event.op, "?")
        if event.kind == "pre":
            self.running[event.urn + event.op] = name
            if not self.tty:
                self.line(f"  {symbol} {name}: {verb[0].lower()}...")
            else:
                self._clear()
                self._show_status()
        elif event.kind == "outputs":
            self.running.pop(event.urn + event.op, None)
            if event.op not in ("create-replacement", "delete-replaced"):
                self.done += 1
            self.line(f"  {symbol} {name}: {verb[1]} [{self.done}/{self.total}]")
        elif event.kind == "failed":
            self.running.pop(event.urn + event.op, None)
            self.line(f"  ! {name}: {verb[0].lower()} failed")
        elif event.kind == "diagnostic" and event.severity == "error" and event.message:
            self.line(f"  ! {printable(event.message)[:300]}")

    def finish(self) -> None:
        self._clear()


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise Refused(message)


def _stale_hint() -> str:
    return ("hint: make and review a new plan with "
            "`fluxform plan --stack S --state-from-stack --save-plan FILE`")


def verify_inputs(reviewed: Any, config: Any) -> None:
    """Offline: the file is the plan of this stack, made by these versions from this spec and
    config, without policy errors."""
    from fluxform import savedplan

    doc = reviewed.doc
    _check(doc["stack"] == config.stack and doc["project"] == config.project,
           f"{reviewed.source}: is the reviewed plan of {doc['project']}/{doc['stack']}, "
           f"not {config.project}/{config.stack}")
    now = savedplan.versions()
    for name in ("fluxform", "pulumi"):
        _check(doc["versions"].get(name) == now[name],
               f"{reviewed.source}: was made with {name} {doc['versions'].get(name)}, this is "
               f"{now[name]} (hint: plan and apply with the same versions)")
    _check(reviewed.policy_errors == 0,
           f"{reviewed.source}: the reviewed plan has {reviewed.policy_errors} policy error(s); "
           "it cannot be applied")
    spec, cfg = savedplan.inputs_record(config)
    if doc["spec"] is not None or spec is not None:
        path = (spec or doc["spec"])["path"]
        _check(spec == doc["spec"], f"{path} changed since the plan was made ({_stale_hint()})")
    _check(cfg == doc["config"], f"{cfg['path']} changed since the plan was made ({_stale_hint()})")


def verify_desired(reviewed: Any, desired: Any) -> None:
    """Offline: the program, captured again, registers the reviewed graph."""
    from fluxform import savedplan

    _check(savedplan.graph_digest(desired) == reviewed.doc["desired"]["digest"],
           f"the program's desired graph of stack {desired.stack} changed since the plan was "
           f"made (the program, the components or a dependency) ({_stale_hint()})")


def verify_state(reviewed: Any, stack: str, export: dict[str, Any], state: Any, plan: Any) -> None:
    """The deployed state is the plan's baseline, and the plan recomputed from it is the
    reviewed one."""
    from fluxform import savedplan
    from fluxform.report.jsonfmt import to_dict

    doc = reviewed.doc
    base = doc["baseline"]
    pending = savedplan.pending_operations(export)
    _check(pending == 0, f"stack {stack} has {pending} pending operation(s) from an interrupted "
                         "update (hint: resolve them with `pulumi refresh`, then plan again)")
    if base["kind"] == "none":
        _check(len(state) == 0, f"stack {stack} is no longer empty: {len(state)} resource(s) were "
                                f"deployed since the plan was made ({_stale_hint()})")
    else:
        current = savedplan.last_update(export)
        was = base.get("lastUpdate")
        _check(current == was,
               f"stack {stack} was updated since the plan was made (checkpoint of "
               f"{(current or {}).get('time', 'none')}, reviewed against "
               f"{(was or {}).get('time', 'none')}) ({_stale_hint()})")
        _check(savedplan.graph_digest(state) == base["digest"],
               f"the deployed state of stack {stack} differs from the plan's baseline "
               f"({_stale_hint()})")
    ours = {k: v for k, v in to_dict(plan).items() if k != "baseline"}
    theirs = {k: v for k, v in doc["plan"].items() if k != "baseline"}
    _check(ours == theirs, f"{reviewed.source}: the plan recomputed from the same inputs differs "
                           "from the reviewed one (hint: the file was edited; make a new plan)")


def run(root: Path, stack: str, plan_file: str | None, *, auto_approve: bool, color: bool,
        echo: Callable[[str], None], tty: bool) -> int:
    """The whole apply; returns the exit code. Refusals raise FluxformError (one line)."""
    from fluxform import applycheck, savedplan
    from fluxform.diff import compute_plan
    from fluxform.engine import PulumiCli
    from fluxform.policy import check_stack
    from fluxform.project import load_stack
    from fluxform.report import render
    from fluxform.stackrun import capture_config

    reviewed = savedplan.load(plan_file) if plan_file else None
    config = load_stack(root, stack)
    spec = config.load_spec() if "fluxform:spec" in config.config else None
    if reviewed is not None:
        verify_inputs(reviewed, config)
    if spec is not None:  # the same checks as `fluxform plan`: Flux objects against the CRDs
        from fluxform.crds import check_spec

        check_spec(spec, config.spec_path)
    desired = capture_config(config)
    if reviewed is not None:
        verify_desired(reviewed, desired)
    cli = PulumiCli(root)
    cli.version()
    cli.whoami(config.stack)
    export = cli.export(config.stack)
    label = f"pulumi state of stack {config.stack} (backend)"
    state = savedplan.state_from_export(export, label)
    findings = check_stack(spec, desired) if spec is not None else []
    plan = compute_plan(state if len(state) else None, desired, findings, baseline=label)
    if reviewed is not None:
        verify_state(reviewed, config.stack, export, state, plan)
        echo(f"Reviewed plan {reviewed.source} is current: spec, config, program and deployed "
             "state are the ones it was made from.")
    else:
        echo(render(plan, "text", color=color).rstrip("\n"))
        if plan.errors:
            raise Refused(f"the plan has {len(plan.errors)} policy error(s); nothing was applied")
        if plan.summary.has_changes and not auto_approve:
            if not tty:
                raise Refused("stdin is not a terminal: pass --auto-approve to apply without "
                              "asking, or apply a reviewed plan file")
            echo("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.")
            answer = click.prompt("  Enter a value", default="", show_default=False)
            if answer.strip() != "yes":
                raise Refused("apply cancelled; nothing was changed")
        kind = "state" if len(state) else "none"
        record = savedplan.baseline_record(kind, label, state if len(state) else None, export)
        reviewed = savedplan.Reviewed("this plan", savedplan.build(config, desired, plan, record))
    if not plan.summary.has_changes:
        echo("No changes. Nothing to apply.")
        return EXIT_APPLIED
    planned = reviewed.planned_ops
    with tempfile.TemporaryDirectory(prefix="fluxform-apply-") as tmp:
        plan_path = Path(tmp) / "update-plan.json"
        engine_plan = cli.preview_plan(config.stack, plan_path)
        engine_ops = applycheck.engine_plan_ops(engine_plan)
        mismatch = applycheck.compare_ops(planned, engine_ops,
                                         what="the engine would",
                                         secret_only=reviewed.secret_only)
        if mismatch:
            shown = "; ".join(mismatch[:3]) + (f"; and {len(mismatch) - 3} more" if len(mismatch) > 3 else "")
            raise Refused(f"the engine's preview of stack {config.stack} differs from the reviewed "
                          f"plan: {shown} (hint: the deployed resources drifted, or the plan "
                          "misses a provider behaviour; nothing was changed)")
        total = sum(1 for urn, op in planned.items() if op != Op.NOOP
                    and engine_ops.get(urn, Op.NOOP) != Op.NOOP)
        echo(f"\nApplying {total} change(s) to stack {config.stack}, constrained to the engine's "
             "update plan:")
        progress = Progress(total=total, tty=tty and sys.stdout.isatty(), echo=echo)
        try:
            result = cli.up(config.stack, plan_path, progress)
        finally:
            progress.finish()
    if result.error:
        raise FluxformError(f"the update failed: {result.error} (the stack is as the engine left "
                            f"it; see `fluxform plan --stack {config.stack} --state-from-stack`)")
    after_export = cli.export(config.stack)
    after = savedplan.state_from_export(after_export, label)
    check = applycheck.post_apply_check(reviewed, result.events, state, after, desired)
    return summary(echo, planned, result.events, check)


def summary(echo: Callable[[str], None], planned: dict[str, Op], events: list[Any],
            check: Any) -> int:
    from fluxform import applycheck

    applied = applycheck.event_ops(events)
    counts = {op: sum(1 for v in applied.values() if v == op)
              for op in (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE)}
    echo(f"\nApply complete: {counts[Op.CREATE]} created, {counts[Op.UPDATE]} updated, "
         f"{counts[Op.REPLACE]} replaced, {counts[Op.DELETE]} deleted.")
    if check.as_planned:
        echo("Post-apply check: every reviewed operation happened, no other did, and the "
             "deployed state matches the plan.")
        return EXIT_APPLIED
    echo("Post-apply check: the result differs from the reviewed plan:")
    for line in [*check.operations, *check.state]:
        echo(f"  ! {printable(line)}")
    click.echo(f"error: applied, but the result differs from the reviewed plan in "
               f"{len(check.operations) + len(check.state)} place(s) (exit {EXIT_DIFFERS})", err=True)
    return EXIT_DIFFERS


@click.command("apply", cls=PlanCommand)
@click.argument("plan_file", required=False, metavar="[FILE]")
@click.option("--stack", "-s", required=True, help="Stack to apply.")
@click.option("--project", default=".", show_default=True,
              help="Project directory (holds Pulumi.yaml; searched upward).")
@click.option("--auto-approve", is_flag=True,
              help="Without FILE: apply the fresh plan without asking (for scripts).")
@click.option("--color/--no-color", default=None,
              help="ANSI colour in the plan shown (default: when stdout is a terminal).")
def command(plan_file: str | None, stack: str, project: str, auto_approve: bool,
            color: bool | None) -> None:
    """Apply exactly a reviewed plan (FILE from `fluxform plan --save-plan`), or plan, show and
    ask. Exit 0 applied as planned, 1 refused or failed, 3 applied but the result differs."""
    from fluxform.project import find_project

    if plan_file and auto_approve:
        raise click.UsageError("--auto-approve is for applying without FILE; a reviewed plan "
                               "file is already approved")
    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    root = find_project(project)
    code = run(root, stack, plan_file, auto_approve=auto_approve, color=color,
               echo=lambda text: click.echo(text, color=color), tty=stdin_is_tty())
    sys.exit(code)
