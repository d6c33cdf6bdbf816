"""`--base-ref` resolves once per plan run (fluxform.gitref.pinned): every stack is planned
against the commit REF named when the run began, and the cache's listing is read once."""

from __future__ import annotations

from pathlib import Path

from cache_support import git

from fluxform import cache, gitref


def _repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README").write_text("one\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def _commit(repo: Path) -> str:
    (repo / "README").write_text("two\n")
    git(repo, "commit", "-qam", "two")
    return git(repo, "rev-parse", "HEAD").strip()


def test_ref_resolves_once_per_run(tmp_path: Path) -> None:
    repo, first = _repo(tmp_path)
    with gitref.pinned(repo, "main", listing=True):
        assert (repo.resolve(), first) in [(top, c) for top, c in gitref._PINNED.values()]
        assert cache._listings[(str(repo.resolve()), first)] == {
            "README": git(repo, "rev-parse", f"{first}:README").strip()}
        second = _commit(repo)  # the branch moves while the plan runs
        _graph, label = gitref.capture_at_ref(repo, "dev", "main")
        assert f"({first[:12]})" in label and "did not exist there" in label
    assert not gitref._PINNED
    _graph, label = gitref.capture_at_ref(repo, "dev", "main")
    assert f"({second[:12]})" in label


def test_unknown_ref_is_left_to_each_stack(tmp_path: Path) -> None:
    repo, _first = _repo(tmp_path)
    with gitref.pinned(repo, "no-such-branch"):
        assert not gitref._PINNED
    with gitref.pinned(tmp_path / "not-a-repo", "main"):
        assert not gitref._PINNED
