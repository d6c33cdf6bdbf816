"""Hostile input on the newest surfaces: reviewed-plan files for `apply`, capture cache entries,
`extends:` chains and `--affected` refs. Each is one `error:` line and exit 1 (a damaged cache
entry: a warning line, and the plan goes on), never a traceback, and nothing is written, read
or deleted outside where it belongs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hardening_support import Run, assert_one_line, copy_project, fluxform_here, git

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))

from apply_support import export_of, install_standin, make_project

from fluxform import cache
from fluxform.cli import main
from fluxform.savedplan import MAX_BYTES
from fluxform.stackrun import capture_stack


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    return fluxform_here(capsys, *args)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


# --- reviewed-plan files for `apply` -------------------------------------------------------

@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    """A small project, its deployed state as an export file, and a valid reviewed plan."""
    tmp = tmp_path_factory.mktemp("reviewed")
    root = make_project(tmp / "project")
    old = make_project(tmp / "deployed", size="1")
    export = tmp / "export.json"
    export.write_text(json.dumps(export_of(capture_stack(old, "dev"))))
    plan_file = tmp / "reviewed.json"
    try:
        main(["plan", "--project", str(root), "--stack", "dev", "--state", str(export),
              "--save-plan", str(plan_file), "--no-cache"])
    except SystemExit as exc:
        assert exc.code == 0
    return root, json.loads(plan_file.read_text()), export


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    *parents, last = path.split(".")
    target: Any = doc
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return doc


WRONG_TYPES = [
    ("(top)", lambda d: [d]),
    ("plan", lambda d: _set(d, "plan", [])),
    ("stack", lambda d: _set(d, "stack", 5)),
    ("project", lambda d: _set(d, "project", None)),
    ("versions", lambda d: _set(d, "versions", "3.0")),
    ("versions.fluxform", lambda d: _set(d, "versions.fluxform", ["0.1.0"])),
    ("desired", lambda d: _set(d, "desired", {"digest": 5})),
    ("config", lambda d: _set(d, "config", {"path": [], "digest": "sha256:0"})),
    ("baseline.kind", lambda d: _set(d, "baseline.kind", "graph")),
    ("baseline.lastUpdate", lambda d: _set(d, "baseline.lastUpdate", "yesterday")),
    ("baseline.lastUpdate list", lambda d: _set(d, "baseline.lastUpdate", [1])),
    ("baseline.pendingOperations", lambda d: _set(d, "baseline.pendingOperations", "many")),
    ("spec", lambda d: _set(d, "spec", {"path": 7})),
    ("spec empty", lambda d: _set(d, "spec", {})),
    ("plan.changes", lambda d: _set(d, "plan.changes", {"urn": "x"})),
    ("plan.changes[0].urn", lambda d: _set(d, "plan.changes.0.urn", ["u"])),
    ("plan.changes[0].op", lambda d: _set(d, "plan.changes.0.op", "explode")),
    ("plan.changes[0].fields", lambda d: _set(d, "plan.changes.0.fields", "abc")),
    ("plan.changes[0].fields[0]", lambda d: _set(d, "plan.changes.0.fields", [1, None])),
    ("plan.findings", lambda d: _set(d, "plan.findings", "abc")),
    ("plan.findings[0]", lambda d: _set(d, "plan.findings", [1])),
    ("plan.summary", lambda d: _set(d, "plan.summary", None)),
    ("format", lambda d: _set(d, "format", {"x": 1})),
    ("stack control", lambda d: _set(d, "stack", "dev\x1b[31m\u202e\r")),
    ("project long", lambda d: _set(d, "project", "p" * 100_000)),
    ("deep inside", lambda d: _set(d, "plan.extra", nested(400))),
    ("deep in findings", lambda d: _set(d, "plan.findings", [nested(400)])),
]


@pytest.mark.parametrize(("name", "mutate"), WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES])
def test_a_damaged_reviewed_plan_is_one_line(
        name: str, mutate: Any, reviewed: tuple[Path, dict[str, Any], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root, doc, export = reviewed
    standin = install_standin(tmp_path, monkeypatch)
    standin.set(exports=[json.loads(export.read_text())])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutate(doc)))
    before = snapshot(root)
    result = run(capsys, "apply", "--project", str(root), "--stack", "dev", str(bad))
    assert_one_line(result)
    assert "up" not in standin.commands() and "preview" not in standin.commands()
    assert snapshot(root) == before


def test_the_valid_reviewed_plan_is_accepted(reviewed: tuple[Path, dict[str, Any], Path],
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The mutations above are what is refused: the file they start from gets to the engine."""
    root, doc, export = reviewed
    standin = install_standin(tmp_path, monkeypatch)
    standin.set(exports=[json.loads(export.read_text())], fail={"preview": {"code": 1}})
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    result = run(capsys, "apply", "--project", str(root), "--stack", "dev", str(good))
    assert "is current" in result.out, result
    assert "preview" in standin.commands()


RAW_FILES = [
    ("not UTF-8", b'{"format": "\xff\xfe"}', "not UTF-8"),
    ("UTF-16", json.dumps({"a": 1}).encode("utf-16"), "not UTF-8"),
    ("deep array", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    ("deep object", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ("truncated", b'{"format": "fluxform.reviewed-plan/v1", "plan": {', "invalid JSON"),
    ("NaN", b'{"format": NaN}', ""),
    ("empty", b"", "invalid JSON"),
    ("NUL", b'{"format": "fluxform.reviewed-plan/v1\x00"}', ""),
    ("lone surrogate", b'{"format": "\\ud800"}', ""),
    ("duplicate keys", b'{"format": 1, "format": "fluxform.reviewed-plan/v1"}', "missing"),
]


@pytest.mark.parametrize(("name", "raw", "needle"), RAW_FILES, ids=[r[0] for r in RAW_FILES])
def test_an_unreadable_reviewed_plan_is_one_line(
        name: str, raw: bytes, needle: str, reviewed: tuple[Path, dict[str, Any], Path],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = reviewed[0]
    bad = tmp_path / "bad.json"
    bad.write_bytes(raw)
    assert_one_line(run(capsys, "apply", "--project", str(root), "--stack", "dev", str(bad)),
                    needle)


def test_a_huge_reviewed_plan_is_refused_unread(reviewed: tuple[Path, dict[str, Any], Path],
                                               tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:  # sparse: nothing is written, nothing must be read
        handle.truncate(MAX_BYTES + 1)
    line = assert_one_line(run(capsys, "apply", "--project", str(reviewed[0]), "--stack", "dev",
                               str(huge)), "larger than")
    assert str(MAX_BYTES // (1024 * 1024)) in line


@pytest.mark.parametrize("kind", ["directory", "missing", "dev-null"])
def test_a_reviewed_plan_that_is_not_a_file_is_one_line(
        kind: str, reviewed: tuple[Path, dict[str, Any], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = {"directory": str(tmp_path), "missing": str(tmp_path / "nope.json"),
              "dev-null": os.devnull}[kind]
    assert_one_line(run(capsys, "apply", "--project", str(reviewed[0]), "--stack", "dev", target))


# --- capture cache entries -----------------------------------------------------------------

BUCKET = cache.bucket_of("head", "dev")
STATIC = {"k": "v"}
INPUTS = {"file:project:a": "1"}


def valid_entry(store: cache.CaptureCache) -> Path:
    store.store(BUCKET, STATIC, INPUTS, '{"graph": true}')
    [entry] = store.entries(BUCKET)
    return entry


DAMAGE: list[tuple[str, Any]] = [
    ("garbage", lambda p: p.write_bytes(b"\x00garbage\n")),
    ("not UTF-8", lambda p: p.write_bytes(b"\xff\xfe\xfd\n\xff")),
    ("empty", lambda p: p.write_bytes(b"")),
    ("header a list", lambda p: p.write_bytes(b"[1, 2]\nbody")),
    ("inputs wrong types", lambda p: p.write_bytes(p.read_bytes().replace(b'"1"', b"1", 1))),
    ("body changed", lambda p: p.write_bytes(p.read_bytes() + b" ")),
    ("body truncated", lambda p: p.write_bytes(p.read_bytes()[:-3])),
    ("renamed", lambda p: p.rename(p.with_name("0" * 40 + ".json"))),
    ("a directory", lambda p: (p.unlink(), p.mkdir())),
    ("dangling symlink", lambda p: (p.unlink(), p.symlink_to(p.parent / "nowhere"))),
    ("deep header", lambda p: p.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\nbody")),
    ("deep inputs", lambda p: p.write_bytes(
        b'{"format":"' + cache.FORMAT.encode() + b'","bucket":"' + BUCKET.encode()
        + b'","inputs":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}\nbody")),
]


@pytest.mark.parametrize("damage", [pytest.param(fn, id=name) for name, fn in DAMAGE])
def test_a_damaged_cache_entry_is_ignored_with_one_warning(
        damage: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = cache.open_cache(tmp_path / "cache")
    entry = valid_entry(store)
    assert store.lookup(BUCKET, STATIC, lambda key: INPUTS[key]) is not None
    damage(entry)
    capsys.readouterr()
    assert store.lookup(BUCKET, STATIC, lambda key: INPUTS[key]) is None
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) <= 1 and all(line.startswith("warning: capture cache: ") for line in lines), err
    if not entry.is_dir():  # and the cache heals (a directory in its place only warns)
        store.store(BUCKET, STATIC, INPUTS, '{"graph": true}')
        assert store.lookup(BUCKET, STATIC, lambda key: INPUTS[key]) is not None


def test_a_damaged_entry_of_a_real_capture_warns_and_plans(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        reviewed: tuple[Path, dict[str, Any], Path]) -> None:
    root = reviewed[0]
    where = tmp_path / "cache"
    args = ("plan", "--project", str(root), "--stack", "dev", "--cache-dir", str(where))
    first = run(capsys, *args)
    assert first.code == 0, first
    [entry] = [p for p in where.rglob("*.json")]
    entry.write_bytes(entry.read_bytes().replace(b'"size"', b'"SIZE"'))
    second = run(capsys, *args)
    assert second.code == 0 and second.out == first.out, second
    assert "warning: capture cache: " in second.err and "Traceback" not in second.err




def test_a_symlinked_bucket_is_never_written_or_trimmed_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(12):
        (outside / f"precious-{i:02}.json").write_text(f"{i}\n")
    before = snapshot(outside)
    store = cache.open_cache(tmp_path / "cache")
    store.entries_dir.mkdir(parents=True)
    (store.entries_dir / BUCKET).symlink_to(outside, target_is_directory=True)
    store.store(BUCKET, STATIC, INPUTS, '{"graph": true}')
    store.max_bytes = 0
    store.prune()
    assert snapshot(outside) == before and sorted(os.listdir(outside)) == sorted(before)


def test_prune_never_deletes_through_a_symlinked_entry(tmp_path: Path) -> None:
    outside = tmp_path / "precious.json"
    outside.write_text("keep\n")
    store = cache.open_cache(tmp_path / "cache")
    entry = valid_entry(store)
    link = entry.with_name("1" * 40 + ".json")
    link.symlink_to(outside)
    store.max_bytes = 0
    store.prune()
    assert outside.read_text() == "keep\n"


# --- extends: chains -----------------------------------------------------------------------

@pytest.fixture()
def specs(tmp_path: Path) -> Path:
    """A project with a valid base and the repository's dev spec as an overlay of it."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    spec = (Path(__file__).parents[2] / "stacks" / "dev.yaml").read_text()
    (project / "stacks" / "base.yaml").write_text(spec)
    (tmp_path / "outside.yaml").write_text(spec.replace("dev-kind", "CANARY-outside"))
    return project


def extends(project: Path, target: str, name: str = "env.yaml") -> Path:
    path = project / "stacks" / name
    path.write_text(f"extends: {target}\ncluster:\n  name: overlay\n")
    return path


def test_a_base_inside_the_project_is_read(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", str(extends(specs, "base.yaml")))
    assert result.code == 0, result
    (specs / "common").mkdir()
    (specs / "common" / "base.yaml").write_text((specs / "stacks" / "base.yaml").read_text())
    result = run(capsys, "validate", str(extends(specs, "../common/base.yaml")))
    assert result.code == 0, result  # `..` within the project is fine


HOSTILE_EXTENDS = [
    ("self", lambda p: "env.yaml", "extends cycle: env.yaml -> env.yaml"),
    ("cycle", lambda p: (extends(p, "env.yaml", "a.yaml"), "a.yaml")[1], "extends cycle"),
    ("absolute", lambda p: str(p.parent / "outside.yaml"), "relative to this file"),
    ("etc/passwd", lambda p: "../../etc/passwd", "outside the project"),
    ("deep escape", lambda p: "../" * 30 + "etc/passwd", "outside the project"),
    ("escape to a spec", lambda p: "../../outside.yaml", "outside the project"),
    ("symlink out", lambda p: ((p / "stacks" / "link.yaml").symlink_to(p.parent / "outside.yaml"),
                               "link.yaml")[1], "outside the project (through a symlink)"),
    ("symlinked dir out", lambda p: ((p / "stacks" / "d").symlink_to(p.parent),
                                     "d/outside.yaml")[1], "outside the project"),
    ("directory", lambda p: ((p / "stacks" / "dir.yaml").mkdir(), "dir.yaml")[1], "is a directory"),
    ("fifo", lambda p: (os.mkfifo(p / "stacks" / "pipe.yaml"), "pipe.yaml")[1],
     "not a regular file"),
    ("missing", lambda p: "nope.yaml", "no such base file"),
    ("control characters", lambda p: '"b\\x1b[31m\\u202e.yaml"', "no such base file"),
    ("long", lambda p: "a/" * 2000 + "b.yaml", ""),
    ("not a string", lambda p: "[a, b]", "expected a file name"),
    ("empty", lambda p: '""', "expected a file name"),
    ("dev zero", lambda p: "../../../../../../../../dev/zero", "outside the project"),
]


@pytest.mark.parametrize(("name", "make", "needle"), HOSTILE_EXTENDS,
                         ids=[h[0] for h in HOSTILE_EXTENDS])
def test_a_hostile_extends_is_one_line(name: str, make: Any, needle: str, specs: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    overlay = extends(specs, make(specs))
    for args in (("validate", str(overlay)),):
        result = run(capsys, *args)
        line = assert_one_line(result, needle)
        assert "CANARY" not in result.out + result.err and "root:" not in line


def test_a_hostile_extends_stops_plan_and_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                 ) -> None:
    project = copy_project(tmp_path / "project")
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    spec = project / "stacks" / "dev.yaml"
    spec.write_text("extends: ../../passwd\n" + spec.read_text())
    out = tmp_path / "out"
    for args in (("plan", "--stack", "dev", "--no-cache"), ("check", "--stack", "dev"),
                 ("render", "--stack", "dev", "--out", str(out))):
        result = run(capsys, args[0], "--project", str(project), *args[1:])
        assert_one_line(result, "outside the project")
        assert "root:x" not in result.err + result.out
    assert not out.exists() or not any(out.iterdir())


# --- --affected with a weird ref -----------------------------------------------------------

@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("affected") / "repo")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    return project


WEIRD_REFS = [
    "--upload-pack=touch PWNED", "-x", "--output=PWNED", "main\x1b[31m", "main\nmain",
    "main\r", "ma\u202ein", "main\x00", "", " ", "main..HEAD", "HEAD:stacks/dev.yaml",
    "@{-1}", "refs/heads/nope", "-" * 5000, "main" + "~" * 5000,
]


def _case(ref: str, mode: str) -> Any:
    return pytest.param(ref, mode, id=f"{mode}-{ref!r:.30}")


@pytest.mark.parametrize(("ref", "mode"), [
    _case(ref, mode) for mode in ("--affected", "--affected --format matrix", "--base-ref only")
    for ref in WEIRD_REFS])
def test_a_weird_ref_is_one_line(ref: str, mode: str, repo: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = snapshot(repo)
    extra = {"--affected": ["--affected"], "--affected --format matrix":
             ["--affected", "--format", "matrix"], "--base-ref only": ["--stack", "dev"]}[mode]
    result = run(capsys, "plan", "--project", str(repo), f"--base-ref={ref}", *extra,
                 "--cache-dir", str(tmp_path / "cache"))
    assert_one_line(result)
    assert result.out == ""
    assert not list(tmp_path.glob("PWNED*")) and not list(repo.glob("PWNED*"))
    assert snapshot(repo) == before
