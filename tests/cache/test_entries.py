"""The cache store on its own: keys, validation of every entry, eviction, the recorder."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import cache
from fluxform.cache import CaptureCache, bucket_of, entry_name, recording
from fluxform.graph import Graph, Resource
from fluxform.project import load_stack

ROOT = Path(__file__).resolve().parents[2]

STATIC = {"mode": "head", "stack": "dev"}
GRAPH = '{"format": "fluxform.graph/v1", "project": "p", "stack": "dev", "resources": []}\n'

input_keys = st.text(alphabet="abcdefghij:/._", min_size=1, max_size=12)
input_values = st.text(alphabet="0123456789abcdef", min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(inputs=st.dictionaries(input_keys, input_values, min_size=1, max_size=8),
       data=st.data())
def test_any_changed_input_misses(tmp_path_factory: pytest.TempPathFactory,
                                  inputs: dict[str, str], data: st.DataObject) -> None:
    """Whatever the inputs: all unchanged is a hit with the graph as stored; changing any one
    of them (or dropping it, as if the file vanished) is a miss."""
    store = CaptureCache(tmp_path_factory.mktemp("c"))
    bucket = bucket_of("head", "dev")
    store.store(bucket, STATIC, inputs, GRAPH)
    hit = store.lookup(bucket, STATIC, lambda k: inputs.get(k, "?"))
    assert hit is not None and hit[0] == GRAPH and hit[1] == inputs
    key = data.draw(st.sampled_from(sorted(inputs)))
    changed = data.draw(input_values.filter(lambda v: v != inputs[key]))
    now = {**inputs, key: changed}
    assert store.lookup(bucket, STATIC, lambda k: now.get(k, "?")) is None
    assert store.lookup(bucket, {**STATIC, "stack": "prod"}, lambda k: inputs[k]) is None


def _entry(tmp_path: Path) -> tuple[CaptureCache, str, Path]:
    store = CaptureCache(tmp_path)
    bucket = bucket_of("head", "dev")
    store.store(bucket, STATIC, {"file:project:a": "1"}, GRAPH)
    [path] = store.entries(bucket)
    return store, bucket, path


def _damage_truncate(path: Path, bucket: str) -> None:
    path.write_bytes(path.read_bytes()[:-10])


def _damage_flip(path: Path, bucket: str) -> None:
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))


def _damage_header(path: Path, bucket: str) -> None:
    path.write_bytes(b"{not json\n" + path.read_bytes().split(b"\n", 1)[1])


def _foreign_format(path: Path, bucket: str) -> None:
    head, body = path.read_bytes().split(b"\n", 1)
    doc = json.loads(head)
    doc["format"] = "someone-else/v9"
    path.write_bytes(json.dumps(doc).encode() + b"\n" + body)


def _foreign_key(path: Path, bucket: str) -> None:
    """A header whose key was edited to match the lookup (another graph passed off as ours)."""
    head, body = path.read_bytes().split(b"\n", 1)
    doc = json.loads(head)
    doc["inputs"] = {"file:project:a": "2"}
    path.write_bytes(json.dumps(doc).encode() + b"\n" + body)


def _moved_from_other_bucket(path: Path, bucket: str) -> None:
    other = path.parent.parent / bucket_of("head", "prod")
    other.mkdir()
    shutil.copy(path, other / path.name)
    path.unlink()
    (other / path.name).rename(path)  # back where a lookup of dev finds it, byte-identical
    doc = json.loads(path.read_bytes().split(b"\n", 1)[0])
    doc["bucket"] = bucket_of("head", "prod")
    path.write_bytes(json.dumps(doc).encode() + b"\n" + path.read_bytes().split(b"\n", 1)[1])


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_flip, _damage_header,
                                    _foreign_format, _foreign_key, _moved_from_other_bucket])
def test_damaged_or_foreign_entries_are_ignored_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: object) -> None:
    store, bucket, path = _entry(tmp_path)
    damage(path, bucket)  # type: ignore[operator]
    for _ in range(2):
        assert store.lookup(bucket, STATIC, lambda k: {"file:project:a": "1",
                                                       "file:project:a2": "2"}.get(k, "2")) is None
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("warning: capture cache: ") and "ignored" in err[0]
    store.store(bucket, STATIC, {"file:project:a": "1"}, GRAPH)  # a good entry replaces it
    assert store.lookup(bucket, STATIC, lambda k: "1") is not None


def test_an_entry_name_is_its_key() -> None:
    assert entry_name("b", STATIC, {"x": "1"}) == entry_name("b", dict(STATIC), {"x": "1"})
    assert entry_name("b", STATIC, {"x": "1"}) != entry_name("b", STATIC, {"x": "2"})


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = CaptureCache(tmp_path)
    bucket = bucket_of("head", "dev")
    for i in range(cache.ENTRIES_PER_BUCKET + 3):
        store.store(bucket, STATIC, {"i": str(i)}, GRAPH)
    names = os.listdir(store.entries_dir / bucket)
    assert len(names) == cache.ENTRIES_PER_BUCKET
    assert all(n.endswith(".json") and not n.startswith(".") for n in names)


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    store = CaptureCache(tmp_path, max_bytes=3 * 1024)
    big = GRAPH + " " * 1000
    for i in range(6):
        store.store(bucket_of("head", f"s{i}"), {"stack": f"s{i}"}, {"i": "1"}, big)
        path = store.entries(bucket_of("head", f"s{i}"))[0]
        os.utime(path, (1000 + i, 1000 + i))
    os.utime(store.entries(bucket_of("head", "s0"))[0], (5000, 5000))  # s0 used last
    store.prune()
    left = {p.parent.name for p in store.entries_dir.glob("*/*.json")}
    assert bucket_of("head", "s0") in left and bucket_of("head", "s5") in left
    assert bucket_of("head", "s1") not in left
    assert sum(p.stat().st_size for p in store.entries_dir.glob("*/*.json")) <= 3 * 1024


def test_unwritable_cache_only_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    CaptureCache(blocker).store(bucket_of("head", "dev"), STATIC, {"i": "1"}, GRAPH)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("warning: capture cache: ")


def test_recording_sees_files_and_environment_of_its_thread_only(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLUXFORM_TEST_SET", "v")
    monkeypatch.delenv("FLUXFORM_TEST_UNSET", raising=False)
    (tmp_path / "read.txt").write_text("x")
    (tmp_path / "other.txt").write_text("x")

    def elsewhere() -> None:
        (tmp_path / "other.txt").read_text()
        os.environ.get("FLUXFORM_TEST_OTHER")

    with recording() as rec:
        (tmp_path / "read.txt").read_text()
        with open(tmp_path / "written.txt", "w") as handle:
            handle.write("x")
        assert os.environ.get("FLUXFORM_TEST_SET") == "v"
        assert "FLUXFORM_TEST_UNSET" not in os.environ
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert str(tmp_path / "read.txt") in rec.opened
    assert str(tmp_path / "written.txt") not in rec.opened
    assert str(tmp_path / "other.txt") not in rec.opened
    assert rec.env == {"FLUXFORM_TEST_SET": "v", "FLUXFORM_TEST_UNSET": None}
    assert type(os.environ).__name__ == "_Environ"  # put back


def test_credentials_and_the_whole_environment_are_never_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_canary")
    with recording() as rec:
        os.environ.get("GITHUB_TOKEN")
    reason = cache.inputs_of(rec, cache.Roots.of({}))
    assert isinstance(reason, str) and "GITHUB_TOKEN" in reason and "canary" not in reason
    with recording() as rec:
        dict(os.environ)
    assert cache.inputs_of(rec, cache.Roots.of({})) == "the program read the whole environment"
    monkeypatch.delenv("GITHUB_TOKEN")
    with recording() as rec:
        os.environ.get("GITHUB_TOKEN")
    inputs = cache.inputs_of(rec, cache.Roots.of({}))
    assert isinstance(inputs, dict) and inputs["env:GITHUB_TOKEN"] == cache.UNSET


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLUXFORM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.default_dir() == tmp_path / "fluxform"
    monkeypatch.setenv("FLUXFORM_CACHE_DIR", str(tmp_path / "x"))
    assert cache.default_dir() == tmp_path / "x"


# --- The graph as an entry stores it (compact JSON), against what a fresh capture writes ---

json_leaves = (st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
               | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=20)


def _graph(inputs: list[dict[str, object]], project: str = "p", stack: str = "dev") -> Graph:
    resources = {}
    for i, value in enumerate(inputs):
        urn = f"urn:pulumi:{stack}::{project}::t:m:R::r{i}"
        resources[urn] = Resource(urn=urn, type="t:m:R", name=f"r{i}", inputs=value,
                                  dependencies=(urn,) if i % 2 else (),
                                  property_dependencies={"a": (urn,)} if i % 3 else {})
    return Graph(project=project, stack=stack, resources=resources)


@settings(max_examples=80, deadline=None)
@given(inputs=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5),
                       min_size=1, max_size=4))
def test_the_compact_form_reads_back_to_the_same_graph_bytes(inputs: list[dict[str, object]]
                                                              ) -> None:
    """Whatever the inputs (unicode, big integers, floats, NaN, nesting): the graph read back
    from its compact form writes `to_json` byte for byte as the graph itself does, and its
    compact form byte for byte too (so a checks entry keyed by its digest matches)."""
    graph = _graph(inputs)
    compact = graph.to_compact_json()
    assert compact.count("\n") == 1 and compact.endswith("\n")
    back = Graph.from_json(compact)
    assert back.to_json() == graph.to_json()
    assert back.to_compact_json() == compact
    assert Graph.from_json(graph.to_json()).to_compact_json() == compact


@settings(max_examples=25, deadline=None)
@given(inputs=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5),
                       min_size=1, max_size=3))
def test_a_hit_writes_what_the_fresh_graph_writes(tmp_path_factory: pytest.TempPathFactory,
                                                  inputs: list[dict[str, object]]) -> None:
    """Through the store: a miss stores the graph, the hit that follows gives a graph whose
    `to_json` (what `--save` writes, what the diff reads) is the fresh one's, byte for byte."""
    config = load_stack(ROOT, "dev")
    graph = _graph(inputs, project=config.project, stack="dev")
    store = CaptureCache(tmp_path_factory.mktemp("c"))
    got, status = cache.capture_cached(config, store, lambda _config: graph)
    assert status == "miss" and got is graph
    hit, status = cache.capture_cached(config, store, lambda _config: pytest.fail("captured"))
    assert status == "hit"
    assert hit.to_json() == graph.to_json()


def test_loaded_modules_are_seen_again_after_an_import(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The module list is reused only while the loaded modules are the same objects: a
    module imported, or replaced by one from another file, is seen by the next capture."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ff_memo_probe.py").write_text(f"WHERE = {name!r}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "one"))
    roots = cache.Roots.of({"t": tmp_path})
    monkeypatch.delitem(sys.modules, "ff_memo_probe", raising=False)

    def recorded() -> dict[str, str]:
        with recording() as rec:
            pass
        inputs = cache.inputs_of(rec, roots)
        assert isinstance(inputs, dict)
        return {k: v for k, v in inputs.items() if k.startswith("file:t:")}

    assert recorded() == {}
    importlib.import_module("ff_memo_probe")
    assert list(recorded()) == ["file:t:one/ff_memo_probe.py"]
    assert list(recorded()) == ["file:t:one/ff_memo_probe.py"]  # the reused answer
    del sys.modules["ff_memo_probe"]
    monkeypatch.syspath_prepend(str(tmp_path / "two"))
    importlib.invalidate_caches()
    importlib.import_module("ff_memo_probe")
    assert list(recorded()) == ["file:t:two/ff_memo_probe.py"]
    del sys.modules["ff_memo_probe"]
    assert recorded() == {}


def test_an_opened_directory_is_not_an_input(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "f.txt").write_text("x")
    with recording() as rec:
        os.listdir(tmp_path / "d")
        with contextlib.suppress(OSError):
            os.close(os.open(tmp_path / "d", os.O_RDONLY))
        (tmp_path / "f.txt").read_text()
    inputs = cache.inputs_of(rec, cache.Roots.of({"t": tmp_path}))
    assert isinstance(inputs, dict)
    assert inputs["file:t:f.txt"] == cache.blob_id(b"x")
    assert not any(k.startswith("file:t:d") for k in inputs)
