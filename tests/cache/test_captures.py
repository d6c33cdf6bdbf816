"""The cache over real captures: a hit is byte for byte a fresh capture, and changing any kind
of input the capture read is a miss."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cache_support import ROOT, capture_in, copy_project

from fluxform import cache
from fluxform.cache import capture_cached, lookup_head, open_cache
from fluxform.project import load_stack
from fluxform.stackrun import capture_config


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_hit_is_byte_for_byte_a_fresh_capture(tmp_path: Path, stack: str) -> None:
    store = open_cache(tmp_path / "cache")
    config = load_stack(ROOT, stack)
    first, status = capture_cached(config, store, capture_config)
    assert status == "miss"
    fresh_graph = capture_config(config)
    fresh = fresh_graph.to_json()
    found = lookup_head(store, config)
    assert found is not None
    cached, status = capture_cached(config, store, capture_config)
    assert status == "hit"
    assert cached.to_json() == fresh == first.to_json()
    assert cached.to_compact_json() == fresh_graph.to_compact_json()
    # The entry holds the graph as one compact line (json's C encoder: cheap on a miss),
    # byte for byte what a fresh capture serialises to in that form.
    [entry] = store.entries(cache.bucket_of("head", stack))
    assert entry.read_bytes().split(b"\n", 1)[1] == fresh_graph.to_compact_json().encode()
    inputs = found[1]
    assert "file:project:components/tenant.py" in inputs
    assert f"file:project:stacks/{stack}.yaml" in inputs
    assert f"file:project:Pulumi.{stack}.yaml" in inputs
    assert "file:project:fluxform/capture.py" in inputs
    assert any(k.startswith("env:") for k in inputs)  # the Pulumi SDK reads PULUMI_* variables
    assert any(k.startswith("dists:") for k in inputs) and "python" in inputs


SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
BASE_SPEC = "stacks/base-notes.yaml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose program also imports an installed SDK (a fake one in a
    user site directory, so its version can change) and reads a base file next to its spec,
    as an `extends:` spec does."""
    dest = copy_project(tmp_path_factory.mktemp("fleet") / "repo")
    site = dest.parent / "userbase" / SITE
    (site / "fakesdk").mkdir(parents=True)
    (site / "fakesdk" / "__init__.py").write_text("VERSION = '1.0'\n")
    (site / "fakesdk-1.0.dist-info").mkdir()
    (site / "fakesdk-1.0.dist-info" / "METADATA").write_text("Name: fakesdk\nVersion: 1.0\n")
    (dest / BASE_SPEC).write_text("notes: base\n")
    main = dest / "stacks" / "__main__.py"
    main.write_text("import os\nimport fakesdk  # noqa: F401\n"
                    "os.environ.get('FLUXFORM_TEST_FLAVOUR')\n"
                    f"open({BASE_SPEC!r}, encoding='utf-8').read()\n" + main.read_text())
    return dest


def _env(project: Path) -> dict[str, str]:
    userbase = project.parent / "userbase"
    return {"PYTHONUSERBASE": str(userbase), "PYTHONPATH": f"{project}:{userbase / SITE}"}


def _edit(path: str, old: str, new: str) -> Callable[[Path], Callable[[], None]]:
    def change(project: Path) -> Callable[[], None]:
        target = project / path
        before = target.read_text()
        assert old in before, (path, old)
        target.write_text(before.replace(old, new, 1))
        return lambda: target.write_text(before)
    return change


def _append(path: str) -> Callable[[Path], Callable[[], None]]:
    def change(project: Path) -> Callable[[], None]:
        target = project / path
        before = target.read_text()
        target.write_text(before + "\n# touched\n")
        return lambda: target.write_text(before)
    return change


def _bump_sdk(project: Path) -> Callable[[], None]:
    site = project.parent / "userbase" / SITE
    (site / "fakesdk-1.0.dist-info").rename(site / "fakesdk-1.1.dist-info")
    return lambda: (site / "fakesdk-1.1.dist-info").rename(site / "fakesdk-1.0.dist-info")


CHANGES = {
    "component file": _append("components/tenant.py"),
    "shared fluxform module": _append("fluxform/manifests.py"),
    "program": _append("stacks/__main__.py"),
    "spec": _edit("stacks/dev.yaml", "name: team-a", "name: team-z"),
    "base spec": _edit(BASE_SPEC, "base", "changed"),
    "stack config": _edit("Pulumi.dev.yaml", "githubOwner: acme", "githubOwner: acme2"),
    "project file": _append("Pulumi.yaml"),
    "package version": _bump_sdk,
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_every_kind_of_input_change_misses(project: Path, tmp_path: Path, kind: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store_dir = tmp_path / "cache"
    assert capture_in(project, "dev", store_dir, _env(project)) == "miss"
    store = open_cache(store_dir)
    assert _lookup(store, project) == "hit"
    undo = CHANGES[kind](project)
    try:
        cache.forget_memo()
        assert _lookup(store, project) == "miss", kind
    finally:
        undo()
        cache.forget_memo()
    assert _lookup(store, project) == "hit"


def test_an_environment_value_the_program_reads_misses(project: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store_dir = tmp_path / "cache"
    monkeypatch.delenv("FLUXFORM_TEST_FLAVOUR", raising=False)
    assert capture_in(project, "dev", store_dir, _env(project)) == "miss"
    store = open_cache(store_dir)
    assert _lookup(store, project) == "hit"
    monkeypatch.setenv("FLUXFORM_TEST_FLAVOUR", "blue")
    assert _lookup(store, project) == "miss"
    monkeypatch.setenv("FLUXFORM_UNREAD_VARIABLE", "x")  # one the program never reads
    monkeypatch.delenv("FLUXFORM_TEST_FLAVOUR")
    assert _lookup(store, project) == "hit"


def _lookup(store: cache.CaptureCache, project: Path) -> str:
    return "hit" if lookup_head(store, load_stack(project, "dev")) is not None else "miss"
