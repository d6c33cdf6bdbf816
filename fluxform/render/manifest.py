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
from collections.abc import Mapping
from pathlib import Path

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


def read(out: Path) -> Renders:
    """The manifest's renders; {} when there is none. A damaged one is an error, not {}:
    treating it as empty would silently turn every generated file into a "user" file."""
    path = out / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw)
        renders = data["renders"] if data.get("version") == VERSION else None
        if not isinstance(renders, dict) or not all(
                isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in files.items())
                for files in renders.values()):
            raise ValueError("unexpected shape")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RenderError(f"{path}: not a fluxform render manifest (version {VERSION}) "
                          "(hint: restore it from Git, or delete it to re-adopt the tree)") from None
    return {str(spec): dict(files) for spec, files in renders.items()}


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
