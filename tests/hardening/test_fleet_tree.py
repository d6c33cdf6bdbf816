"""The fleet checkout is another trust domain: hostile trees and manifests get one line, and a
render never writes, reads or deletes through a symlink, nor touches anything outside OUT."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fluxform.errors import RenderError
from fluxform.render import MANIFEST, check_tree, write_tree
from fluxform.render.manifest import digests
from fluxform.render.tree import HEADER

LABEL = "stacks/dev.yaml"
MINE = HEADER.format(spec=LABEL).encode()
FILES = {"clusters/dev/kustomization.yaml": MINE + b"resources: [layers]\n",
         "clusters/dev/layers/kustomization.yaml": MINE + b"resources: []\n"}


def snapshot(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            out[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else (
                path.read_bytes() if path.is_file() else "dir")
    return out


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    victim = tmp_path / "outside"
    (victim / "layers").mkdir(parents=True)
    (victim / "layers" / "kustomization.yaml").write_bytes(MINE + b"victim\n")
    (victim / "precious.txt").write_text("keep me")
    return victim


def test_a_symlinked_directory_is_never_written_through(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "fleet"
    (out / "clusters").mkdir(parents=True)
    (out / "clusters" / "dev").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside), snapshot(out)
    with pytest.raises(RenderError, match=r"clusters/dev is a symlink; fluxform never writes"):
        write_tree(FILES, out, spec_name=LABEL)
    assert (snapshot(outside), snapshot(out)) == before
    assert any(line.startswith("! clusters/dev/") for line in check_tree(FILES, out, spec_name=LABEL))


def test_a_symlinked_file_is_never_overwritten(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "fleet"
    (out / "clusters" / "dev").mkdir(parents=True)
    (out / "clusters" / "dev" / "kustomization.yaml").symlink_to(outside / "precious.txt")
    before = snapshot(outside)
    with pytest.raises(RenderError, match="is a symlink"):
        write_tree(FILES, out, spec_name=LABEL)
    assert snapshot(outside) == before


def test_stale_files_behind_a_symlink_are_never_deleted(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "fleet"
    write_tree(FILES, out, spec_name=LABEL)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["renders"][LABEL]["clusters/old/layers/kustomization.yaml"] = \
        digests({"x": MINE + b"victim\n"})["x"]
    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / "clusters" / "old").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    with pytest.raises(RenderError, match="never deletes through"):
        write_tree(FILES, out, spec_name=LABEL)
    assert snapshot(outside) == before


def manifest_with(renders: object, version: object = 2) -> bytes:
    return json.dumps({"generator": "fluxform", "renders": renders, "version": version}).encode()


SHA = "0" * 64
MANIFESTS: dict[str, tuple[bytes, str]] = {
    "not-json": (b"{", "invalid JSON"),
    "not-utf8": (b'{"version": 2, "renders": {"\xff": {}}}', "invalid JSON"),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    "top-list": (b"[]", "not version 2"),
    "version-1": (manifest_with({}, 1), "not version 2"),
    "renders-list": (manifest_with([]), "renders: expected an object"),
    "files-list": (manifest_with({LABEL: ["a"]}), "renders: expected an object of paths"),
    "parent-escape": (manifest_with({LABEL: {"../outside/precious.txt": SHA}}), "not a plain relative path"),
    "absolute": (manifest_with({LABEL: {"/etc/passwd": SHA}}), "not a plain relative path"),
    "unnormalised": (manifest_with({LABEL: {"clusters/./dev/x.yaml": SHA}}), "not a plain relative path"),
    "backslash": (manifest_with({LABEL: {"..\\x": SHA}}), "not a plain relative path"),
    "control-in-path": (manifest_with({LABEL: {"a\x1b[2J": SHA}}), "not a plain relative path"),
    "control-in-label": (manifest_with({"x\x1b[2J": {}}), "holds control characters"),
    "digest-number": (manifest_with({LABEL: {"a.yaml": 5}}), "not 64 hexadecimal digits"),
    "manifest-itself": (manifest_with({LABEL: {MANIFEST: SHA}}), "not a plain relative path"),
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
def test_a_damaged_manifest_is_one_line_and_nothing_moves(tmp_path: Path, outside: Path,
                                                          case: str) -> None:
    raw, needle = MANIFESTS[case]
    out = tmp_path / "fleet"
    out.mkdir()
    (out / MANIFEST).write_bytes(raw)
    before = snapshot(outside), snapshot(out)
    for run in (write_tree, check_tree):
        with pytest.raises(RenderError) as info:
            run(FILES, out, spec_name=LABEL)
        line = info.value.one_line()
        assert needle in line and "hint: restore it from Git" in line, line
        assert len(line) <= 300 and "\x1b" not in line
    assert (snapshot(outside), snapshot(out)) == before


def test_a_symlinked_manifest_is_refused(tmp_path: Path, outside: Path) -> None:
    out = tmp_path / "fleet"
    out.mkdir()
    (outside / "m.json").write_bytes(manifest_with({}))
    (out / MANIFEST).symlink_to(outside / "m.json")
    with pytest.raises(RenderError, match="is a symlink"):
        write_tree(FILES, out, spec_name=LABEL)
    assert (outside / "m.json").read_bytes() == manifest_with({})


def test_a_plain_tree_still_renders_and_rerenders(tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    assert write_tree(FILES, out, spec_name=LABEL)
    assert write_tree(FILES, out, spec_name=LABEL) == [] and check_tree(FILES, out, spec_name=LABEL) == []
