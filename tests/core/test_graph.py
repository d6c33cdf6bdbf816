"""Graph helpers: paths, markers, JSON format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxform.errors import PlanError
from fluxform.graph import (
    UNKNOWN,
    Graph,
    Resource,
    format_path,
    get_path,
    is_secret,
    secret_marker,
    walk,
)


def test_format_path_quotes_keys_that_are_not_identifiers() -> None:
    assert format_path(("spec", "hard", "requests.cpu")) == 'spec.hard["requests.cpu"]'
    assert format_path(("spec", "dependsOn", 0, "name")) == "spec.dependsOn[0].name"
    assert format_path(("metadata", "labels", "toolkit.fluxcd.io/tenant")) == (
        'metadata.labels["toolkit.fluxcd.io/tenant"]'
    )


def test_secret_marker_never_holds_the_value() -> None:
    marker = secret_marker("hunter2")
    assert is_secret(marker) and "hunter2" not in repr(marker)
    assert secret_marker(UNKNOWN)["fingerprint"] is None
    assert secret_marker(marker) == marker


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_walk_and_get_path_agree(value: object) -> None:
    for path, leaf in walk(value):
        assert get_path(value, path) == leaf


@given(st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=5))
def test_graph_json_round_trip(inputs: dict[str, object]) -> None:
    res = Resource(urn="urn:pulumi:s::p::t::n", type="t", name="n", inputs=inputs)
    graph = Graph(project="p", stack="s", resources={res.urn: res})
    assert Graph.from_json(graph.to_json()).to_json() == graph.to_json()


def test_resources_iterate_in_urn_order() -> None:
    urns = ["urn:b", "urn:a", "urn:c"]
    graph = Graph("p", "s", {u: Resource(urn=u, type="t", name=u) for u in urns})
    assert [r.urn for r in graph] == sorted(urns)


@pytest.mark.parametrize(
    "text",
    ['{"format": "something-else"}', "not json", "[]"],
    ids=["wrong-format", "invalid-json", "not-an-object"],
)
def test_from_json_rejects_foreign_files(text: str) -> None:
    with pytest.raises(PlanError, match="not a fluxform graph"):
        Graph.from_json(text, source="base.json")
