"""`fluxform validate FILE...`: load each spec with every check the plan would run.

A spec is valid when it loads (every SpecError is one line, `error: FILE:LINE: field: reason
(hint: ...)`) and every Flux object fluxform would emit for it passes the CRDs of the Flux
version its `flux.chart_version` installs (one line per problem, `error: Kind/name: field:
reason`; see fluxform/crds.py). Stops at the first invalid file, exit code 1. Needs no stack
config, no network and no credentials, so it fits a pre-commit hook.
"""

from __future__ import annotations

import sys

import click

from fluxform.crds import CRDValidationError, check_spec
from fluxform.spec import load_spec


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def command(files: tuple[str, ...]) -> None:
    """Validate spec files (stacks/<env>.yaml) and the Flux objects they give; print
    'ok: FILE' for each valid one."""
    for path in files:
        spec = load_spec(path)
        try:
            check_spec(spec, path)
        except CRDValidationError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(1)
        click.echo(f"ok: {path}")
