"""The capture's fast path for a registration's inputs (fluxform.capture._plain_struct) gives
exactly what the reference path gives, `_plain(MessageToDict(struct))`: same values, same key
order, same errors, whatever the struct holds (secrets, resource references, unknowns, URL
passwords, numbers). It exists for the benchmark's sake (bench/RESULTS.md), so it is tested
against the path it replaced."""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import capture

SIGS = st.sampled_from([capture.SECRET_SIG, capture.RESOURCE_SIG, "some-other-sig"])
texts = st.one_of(st.text(max_size=10), st.sampled_from([
    capture.UNKNOWN_VALUE, "https://user:hunter2@example.com/x", "ssh://git@host/r",
    "urn:pulumi:dev::p::t::n"]))
leaves = st.none() | st.booleans() | texts | st.integers(-(2 ** 53), 2 ** 53) | st.floats(
    allow_nan=False, allow_infinity=False)


def _with_sig(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict carrying the SDK's signature key (a secret, a resource reference, another
    special value, or a null signature), with or without its `value` / `urn`."""
    return st.fixed_dictionaries({capture.SIG_KEY: SIGS | st.none() | st.integers(0, 3)},
                                 optional={"value": inner, "urn": texts, "other": inner})


values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4)
                      | _with_sig(inner), max_leaves=25)


def _struct(doc: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(doc)
    return struct


def _reference(struct: struct_pb2.Struct) -> Any:
    return capture._plain(MessageToDict(struct, preserving_proto_field_name=True))


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=6), values, max_size=6) | _with_sig(values))
def test_fast_path_is_the_reference_path(doc: dict[str, Any]) -> None:
    struct = _struct(doc)
    expected = _reference(struct)
    got = capture._plain_struct(struct)
    assert got == expected
    assert repr(got) == repr(expected)  # key order and int/float kinds too
    assert struct == _struct(doc)  # reading never adds a key


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_numbers_json_cannot_hold_fail_the_same_way(bad: float) -> None:
    struct = _struct({"a": [1, {"b": bad}]})
    with pytest.raises(ValueError) as reference:
        _reference(struct)
    with pytest.raises(ValueError) as fast:
        capture._plain_struct(struct)
    assert str(fast.value) == str(reference.value)
