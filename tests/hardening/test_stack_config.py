"""Hostile Pulumi.<stack>.yaml files: one line `FILE:LINE: key: reason`, exit 1, never a hang,
a traceback or "internal error" (the spec's guarantees, through the same reader)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hardening_support import assert_one_line, fluxform_here, stand_in_project

from fluxform.errors import ConfigError
from fluxform.project import load_stack

PROGRAM = "import pulumi_kubernetes as k8s\nk8s.core.v1.Namespace('ns', metadata={'name': 'a'})\n"
BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))

# name -> (Pulumi.dev.yaml bytes, what the one line says)
CORPUS: dict[str, tuple[bytes, str]] = {
    "alias-bomb": (b"config:\n  a: &l0 [x]\n" + BOMB.encode(),
                   "Pulumi.dev.yaml:2: YAML anchors and aliases are not allowed"),
    "anchor": (b"config:\n  standin:a: &x 1\n  standin:b: *x\n",
               "Pulumi.dev.yaml:2: YAML anchors and aliases are not allowed"),
    "merge-key": (b"config:\n  <<: {a: 1}\n", "merge keys ('<<') are not allowed"),
    "deep-nesting": (b"config:\n  standin:deep: " + b"[" * 200 + b"]" * 200 + b"\n",
                     "nesting deeper than 32 levels"),
    "deep-block-nesting": (b"config:\n" + b"".join(b"  " * (i + 1) + b"k:\n" for i in range(60)),
                           "nesting deeper than 32 levels"),
    "binary": (b"config:\n  standin:blob: !!binary aGVsbG8=\n",
               "Pulumi.dev.yaml:2: config[\"standin:blob\"]: YAML tag '!!binary' is not allowed"),
    "python-object": (b"config:\n  standin:x: !!python/object/apply:os.system ['true']\n",
                      "is not allowed"),
    "set": (b"config:\n  standin:x: !!set {a, b}\n", "YAML tag '!!set' is not allowed"),
    "octal": (b"config:\n  standin:mode: 017\n",
              "Pulumi.dev.yaml:2: config[\"standin:mode\"]: '017' is a YAML 1.1 number form"),
    "sexagesimal": (b"config:\n  standin:t: 1:30\n", "'1:30' is a YAML 1.1 number form"),
    "hex-underscore": (b"config:\n  standin:n: 0x_1\n", "'0x_1' is a YAML 1.1 number form"),
    "infinity": (b"config:\n  standin:n: [1, .inf]\n", "Pulumi.dev.yaml:2: standin:n: not a finite number"),
    "empty-int-tag": (b"config:\n  standin:n: !!int ''\n", "not a valid '!!int' value"),
    "too-large": (b"config:\n  standin:a: '" + b"x" * (1024 * 1024) + b"'\n",
                  "larger than 1048576 bytes"),
    "not-utf8": (b"config:\n  standin:a: caf\xe9\n", "Pulumi.dev.yaml:2: invalid UTF-8"),
    "control-character": (b"config:\n  standin:a: \"x\"\x1b[2J\n", "control character U+001B"),
    "tab-indent": (b"config:\n\tstandin:a: b\n", "Pulumi.dev.yaml:2: tab in indentation"),
    "duplicate-key": (b"config:\n  standin:a: 1\n  standin:a: 2\n", "Pulumi.dev.yaml:3: config[\"standin:a\"]: duplicate key"),
    "non-string-key": (b"config:\n  1: b\n", "a key must be a string"),
    "two-documents": (b"config: {}\n---\nconfig: {}\n", "more than one YAML document"),
    "top-list": (b"- a\n- b\n", "Pulumi.dev.yaml:1: expected a mapping at the top"),
    "config-list": (b"config: [1, 2]\n", "Pulumi.dev.yaml:1: config: must be a mapping"),
    "bad-key": (b"config:\n  a:b:c: x\n", "Pulumi.dev.yaml:2: config key 'a:b:c' is not"),
    "long-line": (b"config:\n  standin:a: " + b"[" + b"x, " * 50_000 + b"\n", "Pulumi.dev.yaml:"),
}


def write(tmp_path: Path, raw: bytes) -> Path:
    root = stand_in_project(tmp_path / "p", PROGRAM)
    (root / "Pulumi.dev.yaml").write_bytes(raw)
    return root


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_stack_config_is_one_config_error(tmp_path: Path, case: str) -> None:
    raw, needle = CORPUS[case]
    root = write(tmp_path, raw)
    with pytest.raises(ConfigError) as info:
        load_stack(root, "dev")
    line = info.value.one_line()
    assert line.startswith("Pulumi.dev.yaml") and needle in line, line
    assert len(line) <= 300 and "\n" not in line and "\x1b" not in line


@pytest.mark.parametrize("command", [["plan", "--stack", "dev", "--detailed-exitcode"],
                                     ["plan", "--all"], ["check", "--stack", "dev"],
                                     ["render", "--stack", "dev", "--out", "OUT"]])
@pytest.mark.parametrize("case", ["alias-bomb", "binary", "octal", "not-utf8", "deep-nesting"])
def test_every_command_reports_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              case: str, command: list[str]) -> None:
    raw, needle = CORPUS[case]
    root = write(tmp_path, raw)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    run = fluxform_here(capsys, *args, "--project", str(root))
    assert_one_line(run, needle)
    assert run.out == "" and not (tmp_path / "out").exists()


def test_dates_stay_the_text_that_was_written(tmp_path: Path) -> None:
    root = write(tmp_path, b"config:\n  standin:day: 2024-01-02\n  standin:n: 10\n  standin:f: 1.5\n")
    config = load_stack(root, "dev").config
    assert config["standin:day"] == "2024-01-02"  # not a datetime, which JSON cannot hold
    assert config["standin:n"] == "10" and config["standin:f"] == "1.5"
