"""Names, references and cycles at sizes no example reaches: long chains must not hit the
recursion limit, long cycles must still make a short message, and the iterative cycle finder
gives the same answer as the shared recursive one (fluxform.cycles) wherever that one works."""

from __future__ import annotations

import pytest
from conftest import calls
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import cycles
from fluxform.errors import SpecError
from fluxform.spec import load_spec_text
from fluxform.spec.semantics import find_cycle

HEAD = ("version: 1\ncluster: {name: c, environment: dev, context: x}\nflux: {chart_version: '1.0.0'}\n"
        "fleet: {owner: o, repository: r}\nlayers:\n")


def chain(n: int, close: bool) -> str:
    body = "".join(f"  - {{name: l{i}, path: ./x, depends_on: [l{i + 1}]}}\n" for i in range(n))
    return HEAD + body + f"  - {{name: l{n}, path: ./x{', depends_on: [l0]' if close else ''}}}\n"


def test_a_chain_of_2000_layers_loads_in_linear_work() -> None:
    spec = load_spec_text(chain(2000, close=False), "big.yaml")
    assert len(spec.layers) == 2001 and spec.layers[0].depends_on == ("l1",)
    # Twice the layers, at most a little over twice the work (a quadratic step would be 4x).
    small = calls(lambda: load_spec_text(chain(1000, close=False), "small.yaml"))
    large = calls(lambda: load_spec_text(chain(2000, close=False), "large.yaml"))
    assert large < 2.5 * small, (small, large)


def test_a_cycle_of_2000_layers_is_named_briefly() -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(chain(2000, close=True), "big.yaml")
    assert str(info.value) == ("big.yaml:6: layers[0].depends_on[0]: depends_on cycle of 2001 layers: "
                               "l0 -> l1 -> l2 -> ... -> l1999 -> l2000 -> l0 "
                               "(hint: remove one of these dependencies)")


graphs = st.dictionaries(st.sampled_from("abcdefgh"), st.lists(st.sampled_from("abcdefghij"), max_size=4),
                         max_size=8)


@settings(max_examples=200, deadline=None)
@given(graphs)
def test_iterative_cycle_finder_matches_the_shared_one(edges: dict[str, list[str]]) -> None:
    assert find_cycle(edges) == cycles.find_cycle(edges)
