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
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import fluxform
from fluxform.errors import ConfigError, PlanError
from fluxform.graph import Graph
from fluxform.project import list_stacks

TIMEOUT_S = 600


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
    if not ref or ref.startswith("-"):
        raise PlanError(f"--base-ref {ref!r} is not a Git revision")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except PlanError:
        raise PlanError(f"--base-ref {ref}: unknown revision (hint: fetch it, e.g. "
                        "actions/checkout with fetch-depth: 0)") from None


def _extract(top: Path, commit: str, dest: Path) -> None:
    with subprocess.Popen(["git", "-C", str(top), "archive", "--format=tar", commit],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            tar.extractall(dest, filter="data")
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise PlanError(f"git archive {commit[:12]}: {error.strip()[:200] or 'failed'}")


# The directory holding the `fluxform` package that is running now, fixed at import: a
# capture may change the working directory later, from another thread.
DRIVER_ROOT = Path(fluxform.__file__).resolve().parent.parent


def run_driver(project: Path, stack: str, shadow: Path, out: Path) -> str | None:
    """Capture `stack` of `project` in a subprocess, program code from `shadow`.

    Returns None on success, else the driver's one-line error.
    """
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(DRIVER_ROOT),
                                                     os.environ.get("PYTHONPATH")) if p)}
    cmd = [sys.executable, "-P", "-m", "fluxform.stackrun", "--project", str(project),
           "--stack", stack, "--out", str(out), "--shadow", str(shadow)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project,
                              check=False, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"capture took longer than {TIMEOUT_S} s"
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("error: ") if lines else f"exit code {proc.returncode}"


def _stack_exists(project: Path, stack: str) -> bool:
    if not (project / "Pulumi.yaml").is_file():
        return False
    try:
        return stack.rsplit("/", 1)[-1] in list_stacks(project)
    except ConfigError:
        return True  # the capture reports what is wrong with that revision's project


def capture_at_ref(project_dir: Path, stack: str, ref: str) -> tuple[Graph | None, str]:
    """(graph, label) of `stack` at Git revision `ref`; (None, label) if it did not exist."""
    project_dir = Path(project_dir).resolve()
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel")).resolve()
    rel = project_dir.relative_to(top)
    commit = resolve_commit(top, ref)
    label = f"git {ref} ({commit[:12]})"
    with tempfile.TemporaryDirectory(prefix="fluxform-base-") as tmp:
        tree = Path(tmp) / "tree"
        _extract(top, commit, tree)
        base_project = tree / rel
        if not _stack_exists(base_project, stack):
            return None, f"{label}: stack {stack!r} did not exist there (everything is a create)"
        out = Path(tmp) / "base.graph.json"
        error = run_driver(base_project, stack, tree, out)
        if error is not None:
            raise PlanError(f"{label}: capture of the base revision failed: {error}")
        return Graph.from_json(out.read_text(encoding="utf-8"), source=label), label
