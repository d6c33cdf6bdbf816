"""`plan --affected --base-ref REF --format matrix`: the stacks a change touches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cache_support import copy_project, fluxform_cli, git


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = copy_project(tmp_path_factory.mktemp("affected") / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def matrix(repo: Path, cache_dir: Path, *extra: str) -> list[str]:
    proc = fluxform_cli(repo, "plan", "--affected", "--base-ref", "main", "--format", "matrix",
                        "--cache-dir", str(cache_dir), *extra)
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.splitlines()
    doc = json.loads(line)
    assert set(doc) == {"include"}
    return [item["stack"] for item in doc["include"]]


@pytest.fixture
def undo(repo: Path):  # type: ignore[no-untyped-def]
    yield
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "clean", "-qfd")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def test_no_change_touches_no_stack(repo: Path, cache_dir: Path, undo: None) -> None:
    assert matrix(repo, cache_dir) == []


def test_a_shared_component_touches_every_stack(repo: Path, cache_dir: Path, undo: None) -> None:
    tenant = repo / "components" / "tenant.py"
    tenant.write_text(tenant.read_text() + "\n# a reviewed change\n")
    assert matrix(repo, cache_dir) == ["dev", "prod"]


def test_one_spec_touches_one_stack(repo: Path, cache_dir: Path, undo: None) -> None:
    spec = repo / "stacks" / "prod.yaml"
    spec.write_text(spec.read_text() + "\n# a reviewed change\n")
    assert matrix(repo, cache_dir) == ["prod"]
    git(repo, "checkout", "-qb", "pr")
    git(repo, "commit", "-qam", "prod change")  # committed changes count the same
    try:
        assert matrix(repo, cache_dir) == ["prod"]
    finally:
        git(repo, "checkout", "-q", "main")
        git(repo, "branch", "-qD", "pr")


def test_a_new_stack_is_affected_and_docs_touch_none(repo: Path, cache_dir: Path,
                                                     undo: None) -> None:
    (repo / "Pulumi.staging.yaml").write_text((repo / "Pulumi.dev.yaml").read_text())
    (repo / "docs" / "note.md").write_text("unrelated\n")
    assert matrix(repo, cache_dir) == ["staging"]
    assert matrix(repo, cache_dir, "--no-cache") == ["staging"]


def test_matrix_needs_affected_and_a_base(repo: Path, cache_dir: Path) -> None:
    for args in (["--format", "matrix", "--all", "--base-ref", "main"],
                 ["--affected", "--format", "matrix"]):
        proc = fluxform_cli(repo, "plan", *args, "--cache-dir", str(cache_dir))
        assert proc.returncode == 1 and proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) <= 3 and "Traceback" not in proc.stderr


def test_plan_all_base_ref_warm_equals_fresh(repo: Path, tmp_path: Path, undo: None) -> None:
    """Head and base captures both come from the cache on the second run, the report says the
    stacks were unchanged, and the plans are byte for byte those of fresh captures."""
    spec = repo / "stacks" / "prod.yaml"
    spec.write_text(spec.read_text().replace("name: team-a", "name: team-q", 1))
    args = ("plan", "--all", "--base-ref", "main", "--format", "json", "--no-policy-gate")
    fresh = fluxform_cli(repo, *args, "--no-cache")
    cold = fluxform_cli(repo, *args, "--cache-dir", str(tmp_path))
    warm = fluxform_cli(repo, *args, "--cache-dir", str(tmp_path))
    assert fresh.returncode == cold.returncode == warm.returncode == 0, warm.stderr
    assert fresh.stdout == cold.stdout == warm.stdout and '"op"' in warm.stdout
    assert "cache:" not in fresh.stderr
    assert "cache: 0 of 2 stack(s) unchanged" in cold.stderr
    assert "cache: 2 of 2 stack(s) unchanged (captures reused): dev, prod" in warm.stderr
