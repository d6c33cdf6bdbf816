"""`fluxform schema [--overlay]`: print the spec format's JSON Schema, for editors and CI.

The output is byte-for-byte what schema/fluxform-spec.schema.json holds (sorted keys,
indent 2, trailing newline), so `fluxform schema > schema/fluxform-spec.schema.json`
regenerates the committed copy; `--overlay` prints schema/fluxform-overlay.schema.json, the
schema of specs that `extends:` a base (and of bases that are not complete on their own).
"""

from __future__ import annotations

import click

from fluxform.spec import schema


def schema_text(overlay: bool = False) -> str:
    return schema.schema_text(schema.overlay_json_schema() if overlay else schema.json_schema())


@click.command("schema")
@click.option("--overlay", is_flag=True,
              help="The schema of overlay files (a spec with `extends:`): every key optional, "
                   "`$remove` allowed.")
def command(overlay: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of stacks/<env>.yaml."""
    click.echo(schema_text(overlay), nl=False)
