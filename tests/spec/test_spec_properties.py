"""Random mutations of a valid spec either load or raise SpecError, never anything else.

Two families: byte-level damage to the file (truncate, flip, insert garbage) and structural
edits to the data before it is written back as YAML (delete, retype, rename, duplicate,
insert). For structural edits the loader and the JSON Schema must also agree in one
direction: whatever the loader accepts, the schema accepts.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxform.errors import SpecError
from fluxform.spec import load_spec_bytes, load_spec_text
from fluxform.spec.schema import json_schema

ROOT = Path(__file__).parents[2]
VALID = (ROOT / "stacks" / "prod.yaml").read_bytes()
DATA = yaml.safe_load(VALID)
VALIDATOR = jsonschema.Draft202012Validator(json_schema())
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["", "2.17", "yes", "off", "~", "a: b", "*", "-1"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def check_error(exc: SpecError, name: str, text_lines: int) -> None:
    message = str(exc)
    assert "\n" not in message and message.startswith(name), message
    assert exc.line is None or 1 <= exc.line <= text_lines + 1, message


def load_or_spec_error(raw: bytes) -> bool:
    try:
        first = load_spec_bytes(raw, "prod.yaml")
    except SpecError as exc:
        check_error(exc, "prod.yaml", raw.count(b"\n") + 1)
        return False
    assert load_spec_bytes(raw, "prod.yaml") == first
    return True


byte_edits = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, len(VALID))),
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID)),
              st.one_of(st.binary(min_size=1, max_size=8),
                        st.sampled_from([b"\t", b"&a ", b"*a", b"!!python/name:os.system ", b"\n---\n",
                                         b": ", b"- ", b"[", b"{", b"\xff", b"\x00", b"'", b'"', b"#"]))),
)


def damage(raw: bytes, edits: list[tuple[Any, ...]]) -> bytes:
    """`raw` after the byte edits drawn from `byte_edits`, in order."""
    for edit in edits:
        at = min(edit[1], len(raw))
        if edit[0] == "truncate":
            raw = raw[:at]
        elif edit[0] == "flip":
            raw = raw[:at] + bytes([edit[2]]) + raw[at + 1:]
        else:
            raw = raw[:at] + edit[2] + raw[at:]
    return raw


@SETTINGS
@given(st.lists(byte_edits, min_size=1, max_size=3))
def test_damaged_bytes_load_or_raise_spec_error(edits: list[tuple[Any, ...]]) -> None:
    load_or_spec_error(damage(VALID, edits))


def nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in the data tree, in a fixed order."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += nodes(item, (*path, i))
    return out


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for seg in path[:-1]:
        data = data[seg]
    return data


@st.composite
def structural(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(DATA)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in nodes(data) if p]
        path = draw(st.sampled_from(paths))
        parent, last = parent_of(data, path), path[-1]
        op = draw(st.sampled_from(["delete", "retype", "rename", "duplicate", "insert"]))
        if op == "delete":
            del parent[last]
        elif op == "retype":
            parent[last] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(st.text(max_size=10), st.just(str(last)[:-1]), st.just(str(last) + "s")))
            parent[new] = parent.pop(last)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(values)
        else:
            parent.insert(last, draw(values))
    return data


@SETTINGS
@given(structural())
def test_structural_edits_load_or_raise_spec_error(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        load_spec_text(text, "prod.yaml")
    except SpecError as exc:
        check_error(exc, "prod.yaml", text.count("\n") + 1)
        return
    errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(text))]
    assert not errors, f"the loader accepted what the schema rejects: {errors}"


# Mutations of the example specs' text: every scalar can be swapped for another type, a YAML
# tag, a YAML 1.1 number form or unicode; lines can be deleted; depends_on can be made to
# form cycles. Whatever comes out loads, or fails with one SpecError line under 300 characters.
EXAMPLES = [(ROOT / "stacks" / name).read_text() for name in ("dev.yaml", "prod.yaml")]
SCALAR_LINE = __import__("re").compile(r"^(\s*(?:- )?[A-Za-z_][\w-]*: )(\S.*)$")
TAGGED = ["!!int ''", "!!float ''", "!!bool ''", "!!null x", "!!int x", "!!str 1", "!!binary aGk=",
          "!!timestamp 2024-01-01", "!!set {a}", "!!omap [a: 1]", "!custom x", "! 017",
          "!!python/name:os.system", "!!int 0x_1", "!!float 1_0.5"]
NUMBER_FORMS = ["017", "0o17", "1:30", "1:30.5", "0b101", "0x_1", "0x1F", "1_000", "+1_0", "-0b1",
                ".inf", "-.Inf", ".NaN", "1e3", "1.5e+3", "2.17", "190:20:30", "0.", "007"]
OTHER = ["yes", "off", "~", "null", "[]", "{}", "''", '"\\u202e"', "\u00e9t\u00e9", "\U0001f600",
         "a" * 600, "[" + "x, " * 200 + "x]", "'\u2028'", "&a x", "*a", "<<: {}"]


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(EXAMPLES)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["swap", "swap", "delete", "cycle", "unicode-key"]))
        at = draw(st.integers(0, len(lines) - 1))
        match = SCALAR_LINE.match(lines[at])
        if op == "swap" and match:
            value = draw(st.one_of(st.sampled_from(TAGGED + NUMBER_FORMS + OTHER),
                                   st.text(min_size=1, max_size=20).map(lambda t: json_quote(t))))
            lines[at] = match.group(1) + value
        elif op == "delete":
            del lines[at]
        elif op == "cycle":
            names = [m.group(2) for m in map(SCALAR_LINE.match, lines) if m and m.group(1).strip() in ("- name:", "name:")]
            deps = [i for i, line in enumerate(lines) if "depends_on:" in line]
            if names and deps:
                i = draw(st.sampled_from(deps))
                lines[i] = lines[i].split("depends_on:")[0] + f"depends_on: [{draw(st.sampled_from(names))}]"
        elif op == "unicode-key" and match:
            lines[at] = match.group(1).replace(":", draw(st.sampled_from(["\u00e9:", "\u0130:", "_\u200b:"]))) + match.group(2)
        if not lines:
            break
    return "\n".join(lines) + "\n"


def json_quote(text: str) -> str:
    import json

    return json.dumps(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_text())
def test_mutated_example_specs_load_or_fail_in_one_short_line(text: str) -> None:
    try:
        load_spec_text(text, "stacks/prod.yaml")
    except SpecError as exc:
        message = exc.one_line()
        assert "\n" not in message and message.startswith("stacks/prod.yaml"), message
        assert len(message) <= 300, (len(message), message)


@pytest.mark.parametrize("value, reason", [
    ("017", "'017' is a YAML 1.1 number form"), ("1:30", "'1:30' is a YAML 1.1 number form"),
    ("0b101", "'0b101' is a YAML 1.1 number form"), ("0x_1", "'0x_1' is a YAML 1.1 number form"),
    ("1_000", "'1_000' is a YAML 1.1 number form"), ("!!int ''", "not a valid '!!int' value"),
    ("!!float ''", "not a valid '!!float' value"), ("!!int 0x1F", "'0x1F' is a YAML 1.1 number form"),
])
def test_number_forms_whose_digits_change_meaning_are_refused(value: str, reason: str) -> None:
    text = EXAMPLES[0].replace("replicaCount: 1", f"replicaCount: {value}", 1)
    assert text != EXAMPLES[0]
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "dev.yaml")
    assert reason in str(info.value) and "replicaCount" in str(info.value)
    if "number form" in reason:
        assert "(hint: quote it" in str(info.value)


def test_plain_numbers_still_load() -> None:
    for value in ("0", "3", "-2", "+4", "1.5", "1e3"):
        load_spec_text(EXAMPLES[0].replace("replicaCount: 1", f"replicaCount: {value}", 1), "dev.yaml")
