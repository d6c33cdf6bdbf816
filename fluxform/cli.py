"""The `fluxform` command line: a thin click group.

Each subcommand lives in fluxform/commands/<name>.py and exposes a click command named
`command`; it parses arguments, calls one library function and hands the result to a
renderer. Every error prints as one line on stderr and exits 1: errors derived from
FluxformError (a traceback only with --debug), click's usage errors (exit 1, not click's
2: with `plan --detailed-exitcode` 2 means "changes") and OS errors such as an unwritable
`--out`. Control characters in a message are escaped, never echoed raw.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from fluxform.errors import MAX_LINE, FluxformError, cut, printable

# subcommand name -> module under fluxform.commands
SUBCOMMANDS: dict[str, str] = {
    "plan": "plan",
    "apply": "apply",
    "check": "check",
    "render": "render",
    "schema": "schema",
    "validate": "validate",
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when it runs (keeps `fluxform --help` fast)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = SUBCOMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"fluxform.commands.{module_name}")
        command: click.Command = module.command
        return command


@click.group(cls=LazyGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="fluxform")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """fluxform: plan, check and render the Flux cluster layer managed by Pulumi."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        return cli.main(args=argv, prog_name="fluxform", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `fluxform`: the help, as click does
        exc.show()
        sys.exit(2)
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (hint: {ctx.command_path} --help)" if ctx is not None else ""
        click.echo(f"error: {cut(printable(exc.format_message()), MAX_LINE)}{hint}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as other CLI tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except FluxformError as exc:
        if debug:
            raise
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(1)
    except OSError as exc:  # unwritable --out, full disk...: one line, never a traceback
        if debug:
            raise
        where = f"{printable(str(exc.filename))[:200]}: " if exc.filename else ""
        click.echo(f"error: {where}{printable(exc.strerror or str(exc))[:100]} "
                   "(hint: check the path and free space)", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
