"""Property tests: reorders of keyed lists are no-ops, self-diffs are empty, operations follow
the URN sets, and the PR comment stays within its budget, for generated graphs."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import graph, res

from fluxform.diff import LIST_KEYS, SET_LISTS, compute_plan, diff_values
from fluxform.graph import UNKNOWN, Graph, Resource, secret_marker
from fluxform.plan import Op
from fluxform.report import render

# Plain keys never collide with a LIST_KEYS or SET_LISTS field name.
plain_keys = st.text(alphabet="abcqxz", min_size=1, max_size=3)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(alphabet="ab-_*<`\n", max_size=4),
                    st.sampled_from([UNKNOWN, secret_marker("s1"), secret_marker("s2")]))
plain = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(plain_keys, inner, max_size=3), max_leaves=8)


@st.composite
def keyed_list(draw: st.DrawFn, field: str, depth: int) -> list[dict[str, Any]]:
    keys = LIST_KEYS[field][0]
    ids = draw(st.lists(st.tuples(*[st.sampled_from("abc") for _ in keys]), unique=True, max_size=4))
    items = []
    for ident in ids:
        item: dict[str, Any] = dict(zip(keys, ident, strict=True))
        item.update(draw(st.dictionaries(plain_keys, plain, max_size=2)))
        if depth:
            item.update(draw(documents(depth - 1)))
        items.append(item)
    return items


@st.composite
def documents(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """A JSON-like document with plain values, keyed lists and set lists, nested."""
    doc: dict[str, Any] = draw(st.dictionaries(plain_keys, plain, max_size=3))
    for field in draw(st.lists(st.sampled_from(sorted(LIST_KEYS)), max_size=2, unique=True)):
        doc[field] = draw(keyed_list(field, depth))
    for field in draw(st.lists(st.sampled_from(sorted(SET_LISTS)), max_size=1)):
        doc[field] = draw(st.lists(plain, max_size=4))
    if depth and draw(st.booleans()):
        doc["spec"] = draw(documents(depth - 1))
    return doc


def shuffled(value: Any, rnd: random.Random, field: str = "") -> Any:
    """`value` with every keyed or set list shuffled (and dict keys in another order)."""
    if isinstance(value, dict) and "$fluxform" not in value:
        keys = list(value)
        rnd.shuffle(keys)
        return {k: shuffled(value[k], rnd, k) for k in keys}
    if isinstance(value, list):
        items = [shuffled(v, rnd) for v in value]
        if field in LIST_KEYS or field in SET_LISTS:
            rnd.shuffle(items)
        return items
    return value


TYPES = ["kubernetes:core/v1:ConfigMap", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
         "tls:index/privateKey:PrivateKey", "fluxform:index:Tenant"]


@st.composite
def graphs(draw: st.DrawFn, names: st.SearchStrategy[str] | None = None) -> Graph:
    out = []
    for name in draw(st.lists(names if names is not None else st.sampled_from("abcdefgh"), unique=True, max_size=5)):
        type_ = draw(st.sampled_from(TYPES))
        out.append(res(type_, name, draw(documents(1)), custom=not type_.startswith("fluxform:")))
    return graph(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.randoms(use_true_random=False))
def test_shuffling_keyed_lists_is_never_a_change(doc: dict[str, Any], rnd: random.Random) -> None:
    assert diff_values(doc, shuffled(doc, rnd)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.randoms(use_true_random=False))
def test_shuffled_graph_plans_all_no_op(g: Graph, rnd: random.Random) -> None:
    again = Graph(g.project, g.stack, {u: Resource(urn=r.urn, type=r.type, name=r.name, custom=r.custom,
                                                   inputs=shuffled(dict(r.inputs), rnd)) for u, r in g.resources.items()})
    for before, after in ((g, g), (g, again), (again, g)):
        plan = compute_plan(before, after)
        assert {c.op for c in plan.changes} <= {Op.NOOP} and not plan.summary.has_changes
        assert plan.risks == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), graphs())
def test_operations_follow_urn_sets(before: Graph, after: Graph) -> None:
    plan = compute_plan(before, after)
    by_op: dict[Op, set[str]] = {op: set() for op in Op}
    for c in plan.changes:
        by_op[c.op].add(c.urn)
    old, new = set(before.resources), set(after.resources)
    assert by_op[Op.CREATE] == new - old and by_op[Op.DELETE] == old - new
    assert by_op[Op.UPDATE] | by_op[Op.REPLACE] | by_op[Op.NOOP] == old & new
    assert len(plan.changes) == len(old | new)
    for c in plan.changes:
        assert (c.op is Op.REPLACE) == bool(c.replace_reasons)
        if c.op is Op.NOOP:
            assert not c.fields
        if c.op is Op.UPDATE:
            assert c.fields and not any(f.forces_replacement for f in c.fields)
    s = plan.summary
    assert (s.create, s.delete, s.update + s.replace + s.noop) == (
        len(new - old), len(old - new), len(old & new))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(1), documents(1))
def test_diff_is_empty_exactly_when_values_are_equal_up_to_order(a: dict[str, Any], b: dict[str, Any]) -> None:
    changes = diff_values(a, b)
    assert (changes == []) == (diff_values(b, a) == [])
    if a == b:
        assert changes == []
    for f in changes:
        assert f.kind in ("added", "removed", "changed")
        assert not (f.secret and (f.before is not None or f.after is not None))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(st.text(alphabet="ab*_<>`|-", min_size=1, max_size=12)),
       graphs(st.text(alphabet="ab*_<>`|-", min_size=1, max_size=12)),
       st.integers(1024, 8000))
def test_markdown_stays_within_any_budget(before: Graph, after: Graph, limit: int) -> None:
    md = render(compute_plan(before, after), "markdown", max_chars=limit)
    assert len(md) <= limit
    assert md.startswith("<!-- fluxform-plan:fluxform/prod -->\n")
