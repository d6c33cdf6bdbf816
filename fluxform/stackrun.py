"""Capture a stack: run its real program (Pulumi.yaml `main`) under the recording engine.

Also a subprocess entry point, used by `plan --all` (one process per stack) and by
`--base-ref` (the program of another revision, imported from that revision's tree):

    python -m fluxform.stackrun --project DIR --stack S --out GRAPH.json
"""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

from pulumi.runtime import mocks as pulumi_mocks

from fluxform.capture import capture
from fluxform.errors import FluxformError
from fluxform.graph import Graph
from fluxform.project import StackConfig, load_stack


@contextlib.contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def capture_config(stack: StackConfig, mocks: pulumi_mocks.Mocks | None = None) -> Graph:
    def program() -> None:
        runpy.run_path(str(stack.main), run_name="__main__")

    with _in_dir(stack.project_dir):
        return capture(program, project=stack.project, stack=stack.stack, config=stack.config,
                       secret_keys=list(stack.secret_keys), mocks=mocks)


def capture_stack(project_dir: str | Path, stack: str,
                  mocks: pulumi_mocks.Mocks | None = None) -> Graph:
    """The desired graph of `stack`, exactly as `pulumi up` would register it."""
    return capture_config(load_stack(project_dir, stack), mocks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fluxform.stackrun")
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        graph = capture_stack(args.project, args.stack)
    except FluxformError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    Path(args.out).write_text(graph.to_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
