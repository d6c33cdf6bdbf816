"""The bad-input corpus: each tests/spec/cases/<id>/spec.yaml fails with the one line in
expected.txt (FLUXFORM_UPDATE_GOLDEN=1 rewrites them; review the diff). Hostile inputs too
large to commit are generated here, and each must fail fast: fast is measured as work, not
time (the YAML nodes the loader builds before it refuses), so load on the machine cannot make
these tests flaky."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_golden

from fluxform.errors import SpecError
from fluxform.spec import load_spec, load_spec_bytes, loader
from fluxform.spec.loader import MAX_BYTES, MAX_DEPTH, MAX_NODES

CASES = Path(__file__).parent / "cases"
IDS = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def error_line(path: Path, display: str = "spec.yaml") -> str:
    with pytest.raises(SpecError) as info:
        load_spec(path, display=display)
    return str(info.value)


def test_the_corpus_is_large_enough() -> None:
    assert len(IDS) >= 35


@pytest.mark.parametrize("case", IDS)
def test_bad_spec_fails_with_one_exact_line(case: str) -> None:
    message = error_line(CASES / case / "spec.yaml")
    assert "\n" not in message and len(message) < 300
    assert message.startswith("spec.yaml")
    assert_golden(CASES / case / "expected.txt", message + "\n")


def test_secret_looking_values_are_never_echoed() -> None:
    message = error_line(CASES / "secret-value-not-echoed" / "spec.yaml")
    assert "SECRET" not in message and "hooks.slack.com" not in message


def fails_fast(raw: bytes, max_nodes: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SpecError for `raw`, raised after the loader built at most `max_nodes` YAML nodes
    (over both of its passes: libyaml first, then the pure-Python reader that words errors)."""
    built = [0]
    node = loader._Builder.node

    def counting(self: loader._Builder, event: object, line: int) -> None:
        built[0] += 1
        node(self, event, line)

    monkeypatch.setattr(loader._Builder, "node", counting)
    with pytest.raises(SpecError) as info:
        load_spec_bytes(raw, "spec.yaml")
    assert built[0] <= max_nodes, f"built {built[0]} nodes before refusing"
    return str(info.value)


NESTING_WORK = 2 * 2 * (MAX_DEPTH + 1)
"""Nodes built before refusing nesting: at most two per level (a key and its collection) up to
one level past the limit, on each of the two passes; independent of the input's size."""


def test_a_2_mib_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "spec.yaml"
    huge.write_bytes(b"version: 1\n" + b"# padding\n" * (2 * MAX_BYTES // 10))
    assert huge.stat().st_size > 2 * 1024 * 1024 - 100
    assert error_line(huge) == (
        "spec.yaml: the file is larger than 1048576 bytes (hint: a spec is a small hand-written file; "
        "keep it under 1 MiB)")


def test_a_file_just_over_the_limit_is_refused_and_one_at_it_is_parsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert "larger than" in fails_fast(b"#" * (MAX_BYTES + 1), 0, monkeypatch)  # never parsed
    assert fails_fast(b"#" * MAX_BYTES, 0, monkeypatch) == (
        "spec.yaml:1: the file is empty (hint: start from stacks/dev.yaml)")


@pytest.mark.parametrize("raw", [
    b"a: " + b"[" * 400_000,                         # unclosed flow nesting, the scanner's worst case
    b"a: " + b"{a: " * 200_000,
    b"- " * 400_000 + b"x\n",                        # compact block nesting on one line
    b"".join(b" " * i + b"k:\n" for i in range(1200)),  # indentation staircase, just under 1 MiB
    b"a: &a [x, x]\n" + b"b: [*a, *a]\n" * 80_000,  # alias bomb that would be large if expanded
], ids=["flow-seq", "flow-map", "compact-seq", "block-staircase", "many-aliases"])
def test_hostile_nesting_fails_fast(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(raw) <= MAX_BYTES
    message = fails_fast(raw, NESTING_WORK, monkeypatch)
    assert "nesting deeper than 32 levels" in message or "anchors and aliases" in message


def test_too_many_values_are_refused_as_they_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"version: 1\nlayers: [" + b"x," * 200_000 + b"x]\n"
    assert fails_fast(raw, 2 * (MAX_NODES + 1), monkeypatch) == ("spec.yaml:2: more than 100000 keys and values "
                               "(hint: a spec is a small hand-written file)")


def test_a_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    assert error_line(tmp_path / "nope.yaml", display="nope.yaml") == (
        "nope.yaml: no such file (hint: check the path (fluxform:spec in the stack config))")


def test_a_directory_is_a_spec_error(tmp_path: Path) -> None:
    assert error_line(tmp_path, display="dir").startswith("dir: cannot read the file")
