"""`--base-ref`: capture a stack as another Git revision declares it, working tree untouched.

1. `git rev-parse` resolves REF to a commit and `git archive` streams that commit's files
   into a temporary directory. Only read-only plumbing runs: the working tree, the index,
   HEAD and the stash are never touched, so uncommitted work is safe.
2. If the project or its Pulumi.<stack>.yaml does not exist at REF, the baseline is empty
   (everything is a create) and the label says so.
3. A subprocess runs the *current* capture driver (`fluxform.stackrun --shadow TREE`), with
   the current fluxform's root first on PYTHONPATH. The driver loads its own modules
   (capture, graph, project), then puts TREE first on `sys.path` and on the `fluxform`
   package path, so everything the program imports (stacks/, components/, fluxform.program,
   fluxform.spec...) is REF's own code.

Why the current driver rather than REF's: both sides of the diff must be measured with the
same instrument. REF's recorder may redact, mark unknowns or serialize differently (or not
exist at all, for a revision from before fluxform); with REF's recorder such differences
would show up as changes nobody made. What REF contributes is the program, its config and its
spec. Why a subprocess: two revisions of one package cannot share an interpreter.
Limits: `export-ignore` paths and Git LFS objects are absent from the archive, and REF's
program runs against the Python packages installed now.

Trust (docs/security.md): `--base-ref` *runs* REF's program, so plan only against revisions
you trust as much as the working tree (the base branch of a pull request, not the PR head).
The subprocess gets an allow-listed environment (ALLOWED_ENV: locale, PATH, HOME, temporary
directory), never tokens, passphrases or cloud credentials from the planner's environment.
The archive is extracted with tarfile's `data` filter, so an absolute or escaping symlink in
REF's tree stops the plan with one line naming it, and nothing is written outside the
temporary directory.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import fluxform
from fluxform.errors import ConfigError, PlanError, printable
from fluxform.graph import Graph
from fluxform.graphfile import parse_graph
from fluxform.project import list_stacks

if TYPE_CHECKING:
    from fluxform.cache import CaptureCache

TIMEOUT_S = 600
# The capture cache of base captures (fluxform.cache) and where to say how each was served.
_BASE_CACHE: contextvars.ContextVar[tuple[CaptureCache, dict[str, str]] | None] = \
    contextvars.ContextVar("fluxform_base_cache", default=None)


@contextlib.contextmanager
def cache_for_base(cache: CaptureCache | None, status: dict[str, str]) -> Iterator[None]:
    """Base captures in this block use `cache` (None: none) and set `status["base"]`."""
    token = _BASE_CACHE.set((cache, status) if cache is not None else None)
    try:
        yield
    finally:
        _BASE_CACHE.reset(token)
# What the base revision's program may see of the planner's environment (exact names, and
# the LC_ prefix). Everything else (GITHUB_TOKEN, PULUMI_CONFIG_PASSPHRASE, AWS_*...) is left out.
ALLOWED_ENV = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
                         "SYSTEMROOT"})


def _git(repo: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=False, timeout=TIMEOUT_S)
    except FileNotFoundError:
        raise PlanError("--base-ref needs git, which is not on PATH") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise PlanError(f"git {args[0]}: {lines[0] if lines else 'failed'}")
    return proc.stdout.strip()


def resolve_commit(repo: Path, ref: str) -> str:
    """The commit `ref` names, or a PlanError that says how to make it available."""
    if not ref.strip() or ref.startswith("-") or any(ord(c) < 32 or 127 <= ord(c) < 160
                                                     for c in ref):
        # Never handed to git: an option, or a NUL (subprocess refuses it) or control character.
        raise PlanError(f"--base-ref {printable(ref)[:100]!r} is not a Git revision")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except PlanError:
        raise PlanError(f"--base-ref {ref}: unknown revision (hint: fetch it, e.g. "
                        "actions/checkout with fetch-depth: 0)") from None


def _extract(top: Path, commit: str, dest: Path) -> None:
    refused: str | None = None
    with subprocess.Popen(["git", "-C", str(top), "archive", "--format=tar", commit],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                tar.extractall(dest, filter="data")
        except tarfile.FilterError as exc:  # an absolute or escaping link, a device...
            member = exc.tarinfo.name if exc.tarinfo is not None else "?"
            what = ("an absolute symlink" if isinstance(exc, tarfile.AbsoluteLinkError)
                    else "a link pointing outside the tree"
                    if isinstance(exc, tarfile.LinkOutsideDestinationError) else "an entry")
            refused = f"{printable(member)[:120]} is {what} (refused)"
            proc.kill()
        except tarfile.TarError as exc:
            refused = f"unreadable archive ({printable(str(exc))[:120]})"
            proc.kill()
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if refused is not None:
        raise PlanError(f"--base-ref {commit[:12]}: the base tree holds {refused} "
                        "(hint: plan against a revision without it)")
    if proc.returncode != 0:
        raise PlanError(f"git archive {commit[:12]}: {printable(error.strip())[:200] or 'failed'}")


def driver_env() -> dict[str, str]:
    """The base revision's environment: ALLOWED_ENV and LC_* from ours, plus the driver's
    own PYTHONPATH; no token, passphrase or credential."""
    env = {k: v for k, v in os.environ.items() if k in ALLOWED_ENV or k.startswith("LC_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(DRIVER_ROOT)}


# The directory holding the `fluxform` package that is running now, fixed at import: a
# capture may change the working directory later, from another thread.
DRIVER_ROOT = Path(fluxform.__file__).resolve().parent.parent


def run_driver(project: Path, stack: str, shadow: Path, out: Path,
               record: Path | None = None) -> str | None:
    """Capture `stack` of `project` in a subprocess, program code from `shadow`.

    Returns None on success, else the driver's one-line error.
    """
    env = driver_env()
    cmd = [sys.executable, "-P", "-m", "fluxform.stackrun", "--project", str(project),
           "--stack", stack, "--out", str(out), "--shadow", str(shadow),
           *(["--record", str(record)] if record is not None else [])]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project,
                              check=False, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"capture took longer than {TIMEOUT_S} s"
    if proc.returncode == 0 and out.is_file():
        return None
    if proc.returncode == 0:
        return "the program did not finish: it exited before the capture wrote its graph"
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return printable(lines[-1].removeprefix("error: ")) if lines else f"exit code {proc.returncode}"


def _stack_exists(project: Path, stack: str) -> bool:
    if not (project / "Pulumi.yaml").is_file():
        return False
    try:
        return stack.rsplit("/", 1)[-1] in list_stacks(project)
    except ConfigError:
        return True  # the capture reports what is wrong with that revision's project


# (project dir, REF) -> (repository top, commit), fixed for one `plan` run by `pinned`.
_PINNED: dict[tuple[str, str], tuple[Path, str]] = {}


@contextlib.contextmanager
def pinned(project_dir: str | Path, ref: str | None, listing: bool = False) -> Iterator[None]:
    """In this block, and in worker processes forked in it, `ref` of `project_dir` names the
    commit it named when the block began: one `git rev-parse` per run, not two per stack,
    and every stack is planned against the same commit. With `listing`, the commit's file
    listing for the capture cache is read here too (one `git ls-tree` per run). A REF that
    does not resolve is left to each stack to report."""
    key = (str(Path(project_dir).resolve()), ref or "")
    mine = bool(ref) and key not in _PINNED  # an enclosing block's pin stays as it is
    if mine:
        try:
            top = Path(_git(Path(key[0]), "rev-parse", "--show-toplevel")).resolve()
            _PINNED[key] = (top, resolve_commit(top, key[1]))
        except PlanError:
            mine = False
        else:
            if listing:
                from fluxform.cache import ls_tree

                ls_tree(*_PINNED[key])
    try:
        yield
    finally:
        if mine:
            _PINNED.pop(key, None)


def capture_at_ref(project_dir: Path, stack: str, ref: str) -> tuple[Graph | None, str]:
    """(graph, label) of `stack` at Git revision `ref`; (None, label) if it did not exist."""
    project_dir = Path(project_dir).resolve()
    pin = _PINNED.get((str(project_dir), ref))
    if pin is not None:
        top, commit = pin
    else:
        top = Path(_git(project_dir, "rev-parse", "--show-toplevel")).resolve()
        commit = resolve_commit(top, ref)
    rel = project_dir.relative_to(top)
    label = f"git {ref} ({commit[:12]})"

    use = _BASE_CACHE.get()
    if use is not None:
        from fluxform.cache import lookup_base

        cached = lookup_base(use[0], top, commit, rel, stack, driver_env())
        if cached is not None:
            use[1]["base"] = "hit"
            return parse_graph(cached.encode("utf-8"), label), label
    with tempfile.TemporaryDirectory(prefix="fluxform-base-") as tmp:
        tree = Path(tmp) / "tree"
        _extract(top, commit, tree)
        base_project = tree / rel
        if not _stack_exists(base_project, stack):
            return None, f"{label}: stack {stack!r} did not exist there (everything is a create)"
        out = Path(tmp) / "base.graph.json"
        record = Path(tmp) / "base.inputs.json" if use is not None else None
        error = run_driver(base_project, stack, tree, out, record)
        if error is not None:
            raise PlanError(f"{label}: capture of the base revision failed: {error}")
        graph = parse_graph(out.read_bytes(), label)
        if use is not None and record is not None:
            from fluxform.cache import store_base

            use[1]["base"] = store_base(use[0], rel, stack, record,
                                        out.read_text(encoding="utf-8"))
        return graph, label
