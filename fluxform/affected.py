"""`fluxform plan --affected --base-ref REF`: only the stacks a change touches.

A stack is affected when a file its capture reads differs between REF and the working tree
(committed, staged, unstaged or untracked), or when it cannot tell: it has no recorded inputs
(a capture that cannot be cached, or that fails) or it is new. What a capture reads is what
the capture cache recorded while it ran (fluxform.cache): the program, components/, fluxform/,
the spec and every spec it extends, Pulumi.yaml and Pulumi.<stack>.yaml. A stack without a
valid cache entry is captured first (in parallel processes, as `plan --all` does), which also
fills the cache for the plans that follow. A change to a shared component therefore touches
every stack that loads it, and a change to one spec only the stacks that read that spec.

Environment variables and installed packages are the same for both sides of one run, so they
never make a stack affected; files outside the Git repository likewise.

`--format matrix` prints the result as a GitHub Actions matrix, one line of JSON:
`{"include":[{"stack":"dev"},{"stack":"prod"}]}` (`{"include":[]}` when none is).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from fluxform.errors import PlanError, cut, printable

if TYPE_CHECKING:
    from fluxform.planning import PlanOptions, PlanResult

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _git(top: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(top), *args], capture_output=True, check=False,
                              timeout=600)
    except FileNotFoundError:
        raise PlanError("--affected needs git, which is not on PATH") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        raise PlanError(f"git {args[0]}: {lines[0] if lines else 'failed'}")
    return proc.stdout


def changed_files(top: Path, commit: str) -> set[str]:
    """Repository paths that differ between `commit` and the working tree, untracked included."""
    names = _git(top, "diff", "--name-only", "--no-renames", "-z", commit, "--").split(b"\0")
    names += _git(top, "ls-files", "--others", "--exclude-standard", "-z").split(b"\0")
    return {os.fsdecode(n) for n in names if n}


def repo_paths(inputs: dict[str, str], project_dir: Path, top: Path) -> set[str]:
    """The repository paths among recorded inputs (`file:project:...`, `file:abs:...`)."""
    rel = project_dir.relative_to(top)
    paths = set()
    for key in inputs:
        kind, _, name = key.partition(":")
        if kind != "file":
            continue
        label, _, rest = name.partition(":")
        if label == "project":
            paths.add(str(PurePosixPath(rel.as_posix()) / PurePosixPath(rest)).removeprefix("./"))
        elif label == "abs" and Path(rest).is_relative_to(top):
            paths.add(Path(rest).relative_to(top).as_posix())
    return paths


def head_inputs(opts: PlanOptions, stack: str) -> dict[str, str] | None:
    """What the working tree's capture of `stack` reads (from the cache, else by capturing
    it); None when that cannot be known (the capture fails or cannot be cached)."""
    from fluxform.cache import capture_recorded, lookup_head, open_cache
    from fluxform.errors import FluxformError
    from fluxform.project import load_stack
    from fluxform.stackrun import capture_config

    try:
        config = load_stack(opts.project_dir, stack)
        cache = open_cache(opts.cache_dir)
        found = lookup_head(cache, config)
        if found is not None:
            return found[1]
        _graph, inputs = capture_recorded(config, cache, capture_config)
    except FluxformError:
        return None
    except Exception:
        if opts.debug:
            raise
        return None
    return inputs if isinstance(inputs, dict) else None


def cached_inputs(opts: PlanOptions, stack: str) -> dict[str, str] | None:
    """What the working tree's capture of `stack` reads, from the cache only (None: no valid
    entry, or the stack's config does not load)."""
    from fluxform.cache import lookup_head, open_cache
    from fluxform.errors import FluxformError
    from fluxform.project import load_stack

    try:
        found = lookup_head(open_cache(opts.cache_dir), load_stack(opts.project_dir, stack))
    except FluxformError:
        return None
    return None if found is None else found[1]


def _all_inputs(opts: PlanOptions, stacks: list[str]) -> list[dict[str, str] | None]:
    """Every stack's inputs: from the cache in this process (a lookup is a few `stat`s), and
    only the stacks without a valid entry captured, in parallel worker processes."""
    found = {s: cached_inputs(opts, s) for s in stacks}
    missing = [s for s in stacks if found[s] is None]
    workers = min(len(missing), os.cpu_count() or 1)
    if workers <= 1:
        found.update({s: head_inputs(opts, s) for s in missing})
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() \
            and "grpc" not in sys.modules else "spawn"
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context(method)) as pool:
            found.update(zip(missing, pool.map(head_inputs, [opts] * len(missing), missing),
                             strict=True))
    return [found[s] for s in stacks]


def affected_stacks(opts: PlanOptions, stacks: list[str], ref: str) -> list[str]:
    """The stacks of `stacks` (in their order) that the change since `ref` touches."""
    from fluxform.gitref import resolve_commit

    if not ref.strip() or ref.startswith("-") or _CONTROL.search(ref):
        # Never handed to git: an option (`--upload-pack=...`), or a NUL it cannot even take.
        raise PlanError(f"--base-ref '{cut(printable(ref), 100)}' is not a Git revision")
    project_dir = Path(opts.project_dir).resolve()
    top = Path(os.fsdecode(_git(project_dir, "rev-parse", "--show-toplevel").strip())).resolve()
    commit = resolve_commit(top, ref)
    changed = changed_files(top, commit)
    if opts.cache_dir:
        inputs = _all_inputs(opts, stacks)
    else:  # --no-cache: record the inputs all the same, in a cache that is thrown away
        with tempfile.TemporaryDirectory(prefix="fluxform-affected-") as tmp:
            inputs = _all_inputs(replace(opts, cache_dir=tmp), stacks)
    return [stack for stack, read in zip(stacks, inputs, strict=True)
            if read is None or repo_paths(read, project_dir, top) & changed]


def matrix_json(stacks: list[str]) -> str:
    """A GitHub Actions matrix of `stacks`: `{"include":[{"stack":...}, ...]}`."""
    return json.dumps({"include": [{"stack": s} for s in stacks]}, separators=(",", ":"))


def cache_report(results: list[PlanResult], cache_dir: str) -> str:
    """One line for the end of `plan`: which stacks were unchanged (every capture of theirs
    served from the cache), which were captured. Also keeps the cache within its size bound."""
    from fluxform.cache import open_cache

    open_cache(cache_dir).prune()
    done = [r for r in results if r.cache]
    unchanged = [r.stack for r in done if all(p.endswith("=hit") for p in r.cache.split(" "))]
    captured = [r.stack for r in done if r.stack not in unchanged]
    uncached = sum("not cached" in r.cache for r in done)
    line = (f"cache: {len(unchanged)} of {len(results)} stack(s) unchanged (captures reused): "
            f"{', '.join(unchanged) or 'none'}; captured: {', '.join(captured) or 'none'}")
    return line + (f"; {uncached} not cacheable (docs/fleet.md)" if uncached else "")
