"""`fluxform schema`: print the spec format's JSON Schema (for editors)."""

from __future__ import annotations

import json

import click

from fluxform.spec.schema import json_schema


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of stacks/<env>.yaml."""
    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
