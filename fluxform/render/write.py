"""Putting a rendered tree on disk next to files fluxform does not own, and checking it.

The guarantee (docs/render.md, "Atomicity"), in three phases under an exclusive flock on DIR:

1. Plan (read-only): compare with DIR and the manifest; refuse a file in the way that
   fluxform did not generate. Nothing on disk has changed yet.
2. Stage: write every changed file, the manifests and nothing else into
   `DIR/.fluxform-stage-*/` (same filesystem), each fsynced. A failure here (full disk, an
   exception, Ctrl-C) removes the stage and leaves DIR byte-identical.
3. Commit: a journal manifest (old and new paths) first, then each file moved in with
   `os.replace` (atomic per file: a reader sees the old or the new file, never half of one),
   stale files moved out, the final manifest last. An exception here (including Ctrl-C) is
   rolled back from hard-linked backups, so DIR is again byte-identical. Only a hard kill
   or power loss inside this phase can leave a mix of whole old and whole new files; the
   journal lets the next render finish the job. Files are never deleted unless the
   manifest or their header says fluxform generated them for this spec.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fluxform.errors import RenderError
from fluxform.render import manifest as mf
from fluxform.render.manifest import MANIFEST
from fluxform.render.tree import HEADER_LINE, header

__all__ = ["MANIFEST", "STAGE_PREFIX", "check_tree", "write_tree"]

STAGE_PREFIX = ".fluxform-stage-"
_LABEL = re.compile(re.escape(HEADER_LINE).replace(re.escape("{spec}"), "(.+)").encode())


@dataclass
class _Plan:
    """What a render would change in DIR; computed without touching it."""

    label: str
    renders: mf.Renders
    manifest_now: bytes | None
    write: dict[str, bytes] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    final: bytes = b""
    journal: bytes = b""


def spec_label_of(files: Mapping[str, bytes]) -> str:
    """The spec label every file's header names (for callers that did not pass one)."""
    labels = set()
    for content in files.values():
        match = _LABEL.fullmatch(content.split(b"\n", 1)[0] + b"\n")
        labels.add(match.group(1).decode() if match else None)
    if len(labels) != 1 or None in labels:
        raise RenderError("files do not all carry one fluxform header (hint: pass spec_name=)")
    return str(labels.pop())


def _plain_rel(rel: str) -> bool:
    """A normalized relative path inside the tree, clear of the manifest and the stages."""
    return mf.plain_path(rel) and not PurePosixPath(rel).parts[0].startswith(STAGE_PREFIX)


def _symlink_on(out: Path, rel: str) -> str | None:
    """The first part of `rel` (a parent directory or the file itself) that is a symlink in
    `out`, if any: fluxform never writes, reads or deletes through one, so a link planted in
    the fleet checkout cannot point a render at files outside it."""
    parts = PurePosixPath(rel).parts
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        if (out / prefix).is_symlink():
            return prefix
    return None


def _blocked(out: Path, rel: str) -> str | None:
    """Why `rel` cannot become a file in `out` (a directory, or a file where a dir must be)."""
    target = out / rel
    if target.is_dir():
        return f"{rel}: a directory is in the way"
    for parent in PurePosixPath(rel).parents:
        if str(parent) != "." and (out / parent).exists() and not (out / parent).is_dir():
            return f"{rel}: {parent} is a file, not a directory"
    return None


def _plan(files: Mapping[str, bytes], out: Path, label: str) -> _Plan:
    for rel in files:
        if not _plain_rel(rel):
            raise RenderError(f"refusing to write {rel!r}: not a plain relative path in the tree")
    renders = mf.read(out) if out.is_dir() else {}
    ours = renders.get(label, {})
    mine = header(label).encode()
    plan = _Plan(label, renders, _read(out / MANIFEST))
    for rel, content in sorted(files.items()):
        if (link := _symlink_on(out, rel)) is not None:
            plan.conflicts.append(f"{rel}: {link} is a symlink; fluxform never writes through "
                                  "one (hint: replace it with a plain directory or file)")
            plan.lines.append(f"! {rel} ({link} is a symlink)")
            continue
        if (why := _blocked(out, rel)) is not None:
            plan.conflicts.append(why)
            continue
        current = _read(out / rel)
        if current == content:
            continue
        plan.write[rel] = content
        plan.lines.append(f"+ {rel} (missing)" if current is None else f"~ {rel} (differs)")
        if rel in ours:
            continue
        if (other := mf.owner_of(renders, rel, label)) is not None:
            plan.conflicts.append(
                f"{rel}: generated from {other}, not {label} (hint: two stacks render the same "
                f"path, give each its own fleet.path; or, if {other} was renamed, delete its "
                f"entry from {MANIFEST})")
        elif current is not None and not current.startswith(mine):
            plan.conflicts.append(f"{rel}: exists and was not generated by fluxform (hint: move "
                                  "it away; fluxform never overwrites your files)")
    leaving: dict[str, str] = {}  # stale and still ours: listed in the journal until removed
    for rel in sorted(set(ours) - set(files)):
        if _plain_rel(rel) and (link := _symlink_on(out, rel)) is not None:
            plan.conflicts.append(f"{rel}: {link} is a symlink; fluxform never deletes through "
                                  "one (hint: replace it with a plain directory or file)")
            plan.lines.append(f"! {rel} ({link} is a symlink)")
            continue
        current = _read(out / rel) if _plain_rel(rel) else None
        if current is not None and (mf.digest(current) == ours[rel] or current.startswith(mine)):
            plan.stale.append(rel)
            plan.lines.append(f"- {rel} (stale)")
            leaving[rel] = ours[rel]
    new = mf.digests(files)
    plan.final = mf.encode({**renders, label: new})
    plan.journal = mf.encode({**renders, label: {**leaving, **new}})
    if plan.manifest_now is None:
        plan.lines.append(f"+ {MANIFEST} (missing)")
    elif renders.get(label) != new:
        state = "differs" if label in renders else "is missing"
        plan.lines.append(f"~ {MANIFEST} (the entry for {label} {state})")
    return plan


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except FileNotFoundError:
        return None


def check_tree(files: Mapping[str, bytes], out_dir: str | Path, *,
               spec_name: str | None = None) -> list[str]:
    """How `out_dir` differs from what write_tree would leave there: one line per file,
    `+ added`, `~ changed`, `- stale` (the manifest included). [] means up to date."""
    return _plan(files, Path(out_dir), spec_name or spec_label_of(files)).lines


def write_tree(files: Mapping[str, bytes], out_dir: str | Path, *,
               spec_name: str | None = None) -> list[str]:
    """Make `out_dir` hold `files` per the module guarantee; returns the change lines.

    `spec_name` is the spec label the files were rendered from (read from their headers
    when omitted); it keys this render's entry in the manifest. Raises RenderError, before
    anything is written, when a file fluxform does not own is in the way.
    """
    out = Path(out_dir)
    label = spec_name or spec_label_of(files)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        for leftover in out.glob(STAGE_PREFIX + "*"):
            shutil.rmtree(leftover, ignore_errors=True)  # from a render that was killed
        plan = _plan(files, out, label)
        if plan.conflicts:
            more = f" (and {len(plan.conflicts) - 1} more)" if len(plan.conflicts) > 1 else ""
            raise RenderError(plan.conflicts[0] + more)
        if not plan.lines:
            return []
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        keep_stage = False
        try:
            _stage(stage, plan)
            _commit(stage, out, plan)
        except _RollbackFailed:
            keep_stage = True
            raise
        finally:
            if not keep_stage:
                shutil.rmtree(stage, ignore_errors=True)
    return plan.lines


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RenderError(f"{out}: another fluxform render is writing here "
                              "(hint: wait for it to finish)") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_file(path: Path, content: bytes) -> None:
    """Write and fsync one staged file (the seam the atomicity tests break)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _stage(stage: Path, plan: _Plan) -> None:
    for rel, content in plan.write.items():
        _write_file(stage / "new" / rel, content)
    _write_file(stage / "journal.json", plan.journal)
    _write_file(stage / "manifest.json", plan.final)


def _makedirs(path: Path, undo: list[Callable[[], None]]) -> None:
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        undo.append(functools.partial(_remove_dir, directory))
        directory.mkdir()


def _remove_dir(directory: Path) -> None:
    """Undo step for a directory the commit created (a no-op if it never was)."""
    with contextlib.suppress(FileNotFoundError):
        directory.rmdir()


def _put_back(saved: Path, original: Path) -> None:
    """Undo step: move a saved file back (a no-op if the step it undoes never happened)."""
    if os.path.lexists(saved):
        os.replace(saved, original)


def _swap_in(src: Path, dst: Path, backup: Path, undo: list[Callable[[], None]]) -> None:
    _makedirs(dst.parent, undo)
    if dst.exists():
        backup.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(dst, backup)  # the old bytes stay reachable without a copy
        except OSError:
            shutil.copy2(dst, backup)
        undo.append(functools.partial(_put_back, backup, dst))
    else:
        undo.append(functools.partial(dst.unlink, missing_ok=True))
    os.replace(src, dst)


class _RollbackFailed(RenderError):
    """The commit failed and so did part of its undo; the stage keeps the backups."""


def _commit(stage: Path, out: Path, plan: _Plan) -> None:
    """Phase 3; on any exception undo every step in reverse and re-raise it."""
    undo: list[Callable[[], None]] = []
    try:
        _swap_in(stage / "journal.json", out / MANIFEST, stage / "old" / MANIFEST, undo)
        for rel in plan.write:
            _swap_in(stage / "new" / rel, out / rel, stage / "old" / rel, undo)
        for rel in plan.stale:
            parked = stage / "stale" / rel
            parked.parent.mkdir(parents=True, exist_ok=True)
            undo.append(functools.partial(_put_back, parked, out / rel))
            os.replace(out / rel, parked)
        os.replace(stage / "manifest.json", out / MANIFEST)
    except BaseException as exc:
        failed = 0
        for step in reversed(undo):
            try:
                step()
            except OSError:
                failed += 1
        if failed:
            raise _RollbackFailed(f"{out}: writing failed ({type(exc).__name__}) and {failed} "
                                  f"undo step(s) failed too (hint: the old files are in {stage})"
                                  ) from exc
        raise
    _settle(out, plan)


def _settle(out: Path, plan: _Plan) -> None:
    """After the commit: drop directories emptied by stale files, fsync the renames."""
    for rel in plan.stale:
        for parent in PurePosixPath(rel).parents:
            if str(parent) == ".":
                break
            with contextlib.suppress(OSError):
                (out / parent).rmdir()  # only succeeds when empty
    touched = {out} | {(out / rel).parent for rel in plan.write}
    for directory in sorted(touched):
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
