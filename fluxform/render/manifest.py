"""The render manifest, `<out>/.fluxform-render.json`: which files fluxform generated.

One manifest serves every stack rendered into the same fleet checkout: it maps each spec
label (e.g. `stacks/dev.yaml`) to the paths that spec's last render wrote and their sha256.
A render only ever removes or overwrites paths listed under its own spec (or files that
carry its own header), so rendering prod never touches dev's files, and a user's file is
never deleted. Commit it with the tree: `--check` and stale-file removal read it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from fluxform.errors import RenderError

MANIFEST = ".fluxform-render.json"
VERSION = 2
NOTE = ("Written by `fluxform render`; commit it with the tree. It lists the files each spec "
        "generated, so a later render removes stale ones and never touches anyone else's.")

Renders = dict[str, dict[str, str]]
"""spec label -> {relative path -> sha256 hex of the content written}."""


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def digests(files: Mapping[str, bytes]) -> dict[str, str]:
    return {rel: digest(content) for rel, content in sorted(files.items())}


_SHA256 = re.compile(r"[0-9a-f]{64}")
_LABEL = re.compile(r"[^\x00-\x1f\x7f-\x9f\\]{1,500}")
MAX_BYTES = 16 * 1024 * 1024


def plain_path(rel: str) -> bool:
    """A normalized relative POSIX path inside the tree: no `..`, no absolute path, no
    backslash or control character, not the manifest itself."""
    path = PurePosixPath(rel)
    return bool(_LABEL.fullmatch(rel)) and not path.is_absolute() and str(path) == rel \
        and ".." not in path.parts and path.parts[0] != MANIFEST


def _why_damaged(data: object) -> str | None:
    """What is wrong with a parsed manifest (None: nothing). The manifest sits in a checkout
    anyone with push access can edit, so every path in it is confined to the tree."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return f"not version {VERSION}"
    renders = data.get("renders")
    if not isinstance(renders, dict):
        return "renders: expected an object"
    for spec, files in renders.items():
        if not _LABEL.fullmatch(spec):
            return "renders: a spec label is empty, too long or holds control characters"
        if not isinstance(files, dict):
            return "renders: expected an object of paths per spec"
        for rel, digest_ in files.items():
            if not plain_path(rel):
                return "renders: a path is not a plain relative path inside the tree"
            if not isinstance(digest_, str) or not _SHA256.fullmatch(digest_):
                return "renders: a digest is not 64 hexadecimal digits"
    return None


def read(out: Path) -> Renders:
    """The manifest's renders; {} when there is none. A damaged one is an error, not {}:
    treating it as empty would silently turn every generated file into a "user" file."""
    path = out / MANIFEST
    hint = "(hint: restore it from Git, or delete it to re-adopt the tree)"
    if path.is_symlink():
        raise RenderError(f"{path}: is a symlink; fluxform never reads or writes through one {hint}")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise RenderError(f"{path}: cannot read ({exc.strerror}) {hint}") from None
    data: Any = None
    if len(raw) > MAX_BYTES:
        why: str | None = "larger than 16 MiB"
    else:
        try:
            data = json.loads(raw)
            why = _why_damaged(data)
        except (ValueError, RecursionError):  # invalid JSON or UTF-8, absurd nesting
            why = "invalid JSON"
    if why is not None:
        raise RenderError(f"{path}: not a fluxform render manifest ({why}) {hint}")
    return {str(spec): dict(files) for spec, files in data["renders"].items()}


def encode(renders: Renders) -> bytes:
    """Canonical bytes (sorted keys, no empty entries), so an unchanged render rewrites nothing."""
    kept = {spec: dict(sorted(files.items())) for spec, files in sorted(renders.items()) if files}
    doc = {"generator": "fluxform", "note": NOTE, "renders": kept, "version": VERSION}
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")


def owner_of(renders: Renders, rel: str, exclude: str) -> str | None:
    """The other spec whose render lists `rel`, if any."""
    for spec, files in sorted(renders.items()):
        if spec != exclude and rel in files:
            return spec
    return None
