"""`fluxform render`: write (or `--check`) the GitOps tree of one or more stacks."""

from __future__ import annotations

import sys

import click

from fluxform.project import find_project, list_stacks, load_stack
from fluxform.render import check_tree, render_tree, write_tree


def render_stacks(project: str, stacks: list[str]) -> dict[str, tuple[str, dict[str, bytes]]]:
    """stack -> (spec label, files). Every spec is loaded, its Flux objects checked against the
    CRDs of its pinned Flux (fluxform/crds.py), and rendered before anything is written, so one
    bad spec stops the run with every tree in OUT untouched."""
    root = find_project(project)
    out: dict[str, tuple[str, dict[str, bytes]]] = {}
    for stack in stacks:
        config = load_stack(root, stack)
        spec = config.load_checked_spec()
        out[stack] = (config.spec_label, render_tree(spec, config.spec_label, str(config.spec_path)))
    return out


@click.command("render")
@click.option("--stack", "-s", multiple=True, help="Stack to render (repeatable).")
@click.option("--all", "all_stacks", is_flag=True, help="Render every stack of the project.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Fleet repository checkout to write into.")
@click.option("--project", default=".", help="Project directory (holds Pulumi.yaml).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 with one line per differing file if OUT is stale.")
def command(stack: tuple[str, ...], all_stacks: bool, out: str, project: str,
            check_only: bool) -> None:
    """Render the Flux objects that belong in Git for each stack into OUT.

    Several stacks may share one OUT (one fleet repository, one directory per cluster);
    each only ever touches the files its own spec generated.
    """
    if all_stacks and stack:
        raise click.UsageError("use --stack or --all, not both")
    stacks = list_stacks(find_project(project)) if all_stacks else list(dict.fromkeys(stack))
    if not stacks:
        raise click.UsageError("name a stack with --stack, or use --all")
    rendered = render_stacks(project, stacks)
    seen: set[str] = set()
    differing = 0
    for name, (label, files) in rendered.items():
        if label in seen:  # two stacks sharing one spec render the same tree
            continue
        seen.add(label)
        if check_only:
            lines = check_tree(files, out, spec_name=label)
            differing += len(lines)
            for line in lines:
                click.echo(line)
        else:
            lines = write_tree(files, out, spec_name=label)
            click.echo(f"{name}: {len(files)} file(s) from {label}, {len(lines)} change(s)")
            for line in lines:
                click.echo(f"  {line}")
    if check_only:
        names = "--all" if all_stacks else " ".join(f"--stack {s}" for s in stacks)
        click.echo(f"{differing} file(s) differ (hint: run `fluxform render {names} --out {out}` "
                   "and commit)" if differing else f"{out} is up to date")
        sys.exit(1 if differing else 0)
