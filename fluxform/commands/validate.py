"""`fluxform validate FILE...`: load specs and report the first error of each."""

from __future__ import annotations

import click

from fluxform.spec import load_spec


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def command(files: tuple[str, ...]) -> None:
    """Validate spec files; exit 1 with a one-line error on the first bad one."""
    for path in files:
        load_spec(path)
        click.echo(f"ok: {path}")
