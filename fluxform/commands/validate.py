"""`fluxform validate FILE...`: load each spec with every check the plan would run.

Stops at the first invalid file: its one-line SpecError reaches the CLI's error handler
(`error: FILE:LINE: field: reason (hint: ...)`, exit code 1). Needs no stack config, no
network and no credentials, so it fits a pre-commit hook.
"""

from __future__ import annotations

import click

from fluxform.spec import load_spec


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def command(files: tuple[str, ...]) -> None:
    """Validate spec files (stacks/<env>.yaml); print 'ok: FILE' for each valid one."""
    for path in files:
        load_spec(path)
        click.echo(f"ok: {path}")
