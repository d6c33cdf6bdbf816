"""Capture a stack: run its real program (Pulumi.yaml `main`) under the recording engine.

The program runs the way the Pulumi Python host runs it: `runpy.run_path(main)` as
`__main__`, where `main` is a directory (its `__main__.py` runs, with the directory first on
`sys.path` for the duration) or a file; the working directory is the project directory for
the duration and is restored after; the config is the stack's (fluxform.project).

Also the subprocess driver used by `--base-ref` (see fluxform.gitref):

    python -P -m fluxform.stackrun --project DIR --stack S --out GRAPH.json [--shadow TREE]

Exit 0 with the graph written (atomically), or 1 with one `error: ...` line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import runpy
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pulumi.runtime import mocks as pulumi_mocks

import fluxform
from fluxform import cache as capture_cache
from fluxform.capture import capture
from fluxform.errors import FluxformError
from fluxform.graph import Graph
from fluxform.project import StackConfig, load_stack

# Modules that must be this driver's own even when another revision's tree shadows the rest.
DRIVER_MODULES = frozenset({"fluxform", "fluxform.capture", "fluxform.errors", "fluxform.graph",
                            "fluxform.project", "fluxform.stackrun", "fluxform.cache"})


@contextlib.contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def capture_config(stack: StackConfig, mocks: pulumi_mocks.Mocks | None = None) -> Graph:
    """The desired graph of an already loaded stack config (see capture_stack)."""
    def program() -> None:
        runpy.run_path(str(stack.main), run_name="__main__")

    with _in_dir(stack.project_dir):
        return capture(program, project=stack.project, stack=stack.stack, config=stack.config,
                       secret_keys=list(stack.secret_keys), mocks=mocks)


def capture_stack(project_dir: str | Path, stack: str, *,
                  mocks: pulumi_mocks.Mocks | None = None) -> Graph:
    """The desired graph of `stack`, as `pulumi up` would register it (secrets redacted)."""
    return capture_config(load_stack(project_dir, stack), mocks)


def shadow(tree: Path) -> None:
    """Make the program import `tree`'s code while this driver keeps its own modules.

    `tree` goes first on `sys.path` (stacks/, components/ and any other top-level package)
    and first on the `fluxform` package path (fluxform.program, fluxform.spec...); the
    driver's modules, already imported, stay as they are. A module `tree` lacks falls back
    to the current one.
    """
    for name in [n for n in sys.modules if n.split(".")[0] in ("fluxform", "components", "stacks")]:
        if name not in DRIVER_MODULES:
            del sys.modules[name]
    sys.path.insert(0, str(tree))
    if (tree / "fluxform").is_dir():
        fluxform.__path__.insert(0, str(tree / "fluxform"))
    importlib.invalidate_caches()


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fluxform.stackrun", description=__doc__)
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shadow", help="import the program's code from this tree")
    parser.add_argument("--record", help="write what the capture read here (fluxform.cache)")
    args = parser.parse_args(argv)
    try:
        if args.shadow:
            shadow(Path(args.shadow).resolve())
        if args.record:
            graph = capture_cache.record_driver_capture(
                Path(args.shadow).resolve() if args.shadow else None,
                Path(fluxform.__file__).resolve().parent.parent, Path(args.record),
                lambda: capture_stack(args.project, args.stack))
        else:
            graph = capture_stack(args.project, args.stack)
        _write_atomic(Path(args.out), graph.to_json())
    except FluxformError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    except Exception as exc:  # the parent wants one line, not a traceback
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(f"error: {type(exc).__name__}: {detail}"[:500], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
