"""`fluxform schema`: print the spec format's JSON Schema, for editors and CI.

The output is byte-for-byte what schema/fluxform-spec.schema.json holds (sorted keys,
indent 2, trailing newline), so `fluxform schema > schema/fluxform-spec.schema.json`
regenerates the committed copy.
"""

from __future__ import annotations

import json

import click

from fluxform.spec.schema import json_schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


@click.command("schema")
def command() -> None:
    """Print the JSON Schema (draft 2020-12) of stacks/<env>.yaml."""
    click.echo(schema_text(), nl=False)
