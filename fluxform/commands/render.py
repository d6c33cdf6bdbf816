"""`fluxform render`: write (or --check) the GitOps tree of a stack."""

from __future__ import annotations

import sys

import click

from fluxform.project import find_project, load_stack
from fluxform.render import render_tree
from fluxform.render.write import check_tree, write_tree


@click.command("render")
@click.option("--stack", "-s", required=True, help="Stack to render.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Fleet repository checkout to write into.")
@click.option("--project", default=".", help="Project directory (holds Pulumi.yaml).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 with a summary if OUT differs.")
def command(stack: str, out: str, project: str, check_only: bool) -> None:
    """Render the Flux objects that belong in Git for STACK into OUT."""
    config = load_stack(find_project(project), stack)
    files = render_tree(config.load_spec(), config.spec_label)
    if check_only:
        diff = check_tree(files, out)
        for line in diff:
            click.echo(line)
        click.echo(f"{len(diff)} file(s) differ from `fluxform render --stack {stack}`"
                   if diff else "up to date")
        sys.exit(1 if diff else 0)
    changes = write_tree(files, out)
    click.echo(f"rendered {len(files)} file(s) into {out}: {len(changes)} changed")
