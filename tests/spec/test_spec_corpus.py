"""The bad-input corpus: each tests/spec/cases/<id>/spec.yaml fails with the one line in
expected.txt (FLUXFORM_UPDATE_GOLDEN=1 rewrites them; review the diff). Hostile inputs too
large to commit are generated here, and each must fail fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import assert_golden

from fluxform.errors import SpecError
from fluxform.spec import load_spec, load_spec_bytes
from fluxform.spec.loader import MAX_BYTES

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


def fails_fast(raw: bytes, limit: float = 5.0) -> str:
    """The SpecError for `raw`, raised within `limit` seconds (generous: CI machines are busy)."""
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_spec_bytes(raw, "spec.yaml")
    assert time.perf_counter() - start < limit
    return str(info.value)


def test_a_2_mib_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "spec.yaml"
    huge.write_bytes(b"version: 1\n" + b"# padding\n" * (2 * MAX_BYTES // 10))
    assert huge.stat().st_size > 2 * 1024 * 1024 - 100
    assert error_line(huge) == (
        "spec.yaml: the file is larger than 1048576 bytes (hint: a spec is a small hand-written file; "
        "keep it under 1 MiB)")


def test_a_file_just_over_the_limit_is_refused_and_one_at_it_is_parsed() -> None:
    assert "larger than" in fails_fast(b"#" * (MAX_BYTES + 1))
    assert fails_fast(b"#" * MAX_BYTES, limit=20) == (
        "spec.yaml:1: the file is empty (hint: start from stacks/dev.yaml)")


@pytest.mark.parametrize("raw", [
    b"a: " + b"[" * 400_000,                         # unclosed flow nesting, the scanner's worst case
    b"a: " + b"{a: " * 200_000,
    b"- " * 400_000 + b"x\n",                        # compact block nesting on one line
    b"".join(b" " * i + b"k:\n" for i in range(1200)),  # indentation staircase, just under 1 MiB
    b"a: &a [x, x]\n" + b"b: [*a, *a]\n" * 80_000,  # alias bomb that would be large if expanded
], ids=["flow-seq", "flow-map", "compact-seq", "block-staircase", "many-aliases"])
def test_hostile_nesting_fails_fast(raw: bytes) -> None:
    assert len(raw) <= MAX_BYTES
    message = fails_fast(raw)
    assert "nesting deeper than 32 levels" in message or "anchors and aliases" in message


def test_too_many_values_are_refused_as_they_are_read() -> None:
    raw = b"version: 1\nlayers: [" + b"x," * 200_000 + b"x]\n"
    assert fails_fast(raw) == ("spec.yaml:2: more than 100000 keys and values "
                               "(hint: a spec is a small hand-written file)")


def test_a_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    assert error_line(tmp_path / "nope.yaml", display="nope.yaml") == (
        "nope.yaml: no such file (hint: check the path (fluxform:spec in the stack config))")


def test_a_directory_is_a_spec_error(tmp_path: Path) -> None:
    assert error_line(tmp_path, display="dir").startswith("dir: cannot read the file")
