"""libyaml only speeds up good specs: with or without it a spec reads the same, a bad one
fails with the same line, and loading the same bytes twice (a plan does) parses once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_spec_properties import SETTINGS, VALID, byte_edits, damage, structural

from fluxform.errors import SpecError
from fluxform.spec import load_spec_bytes, loader

ROOT = Path(__file__).parents[2]
CASES = Path(__file__).parent / "cases"
pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


def outcome(raw: bytes, fast: bool) -> tuple[Any, ...]:
    saved = loader._FAST_LOADER
    loader._FAST_LOADER = saved if fast else None
    try:
        doc = loader.parse(raw, "spec.yaml")
    except SpecError as exc:
        return ("error", str(exc))
    finally:
        loader._FAST_LOADER = saved
    return ("ok", doc.value, doc.lines)


def fleet_spec(tmp_path: Path, size: int) -> bytes:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from fleet import make_project
    finally:
        sys.path.remove(str(ROOT / "bench"))
    stack = f"s{size}"
    return (make_project(tmp_path / stack, {stack: size}) / "stacks" / f"{stack}.yaml").read_bytes()


def test_good_specs_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, filename: str) -> None:
        raise AssertionError("the pure-Python path ran for a good spec")

    monkeypatch.setattr(loader, "_read", refuse)
    assert loader.parse(VALID, "prod.yaml").value["cluster"]


def test_example_and_fleet_specs_read_the_same_both_ways(tmp_path: Path) -> None:
    specs = [p.read_bytes() for p in sorted((ROOT / "stacks").glob("*.yaml"))]
    specs.append(fleet_spec(tmp_path, 1000))
    for raw in specs:
        fast = outcome(raw, True)
        assert fast[0] == "ok" and fast == outcome(raw, False)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_every_corpus_case_parses_the_same_both_ways(case: str) -> None:
    raw = (CASES / case / "spec.yaml").read_bytes()
    assert outcome(raw, True) == outcome(raw, False)


@pytest.mark.parametrize("raw", [
    b"a: " + b"[" * 200_000, b"a: " + b"{b: " * 100_000, b"a: " + b"[" * 30 + b"]" * 30,
    b"".join(b" " * i + b"- x:\n" for i in range(40)),
    b"a:\n" + b"".join(b"  " * i + b"b:\n" for i in range(1, 30)) + b"  " * 30 + b"c: 1\n",
    b"a: &x 1\nb: *x\n", b"a: 1\n---\nb: 2\n", b"a: 1\na: 2\n", b"a: !!python/name:os.system x\n",
    b"? [a]\n: 1\n", b"a: [1\n", b"<<: {a: 1}\n", b"a: 1e" + b"9" * 100 + b"\n",
])
def test_hostile_and_deep_inputs_give_the_same_result_both_ways(raw: bytes) -> None:
    assert outcome(raw, True) == outcome(raw, False)


@SETTINGS
@given(st.lists(byte_edits, min_size=1, max_size=3))
def test_damaged_specs_give_the_same_result_both_ways(edits: list[tuple[Any, ...]]) -> None:
    raw = damage(VALID, edits)
    assert outcome(raw, True) == outcome(raw, False)


@SETTINGS
@given(structural())
def test_edited_specs_give_the_same_result_both_ways(data: Any) -> None:
    raw = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    assert outcome(raw, True) == outcome(raw, False)


def test_the_same_bytes_load_once() -> None:
    first = load_spec_bytes(VALID, "prod.yaml")
    assert load_spec_bytes(VALID, "prod.yaml") is first
    assert load_spec_bytes(VALID + b"\n", "prod.yaml") == first
    assert load_spec_bytes(VALID, "other.yaml").source_file == "other.yaml"
