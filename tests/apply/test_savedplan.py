"""The pure parts of apply: digests, operation comparison, the post-apply check, the engine's
error lines and event parsing (no CLI, no capture)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fluxform import applycheck
from fluxform.applycheck import compare_ops, engine_plan_ops, event_ops, residual
from fluxform.engine import Event, _event, classify, parse_version
from fluxform.graph import Graph, Resource, secret_marker, walk
from fluxform.plan import Op
from fluxform.savedplan import Reviewed, graph_digest, strip_fingerprints

URN = "urn:pulumi:dev::p::pulumi:pulumi:Stack$test:index:Thing::"
STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
DEFAULT_PROVIDER = "urn:pulumi:dev::p::pulumi:providers:tls::default_5_0_0"

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
values = st.recursive(
    st.one_of(scalars, st.builds(secret_marker, scalars)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text("abcxyz", min_size=1, max_size=4), inner, max_size=3)),
    max_leaves=12)
inputs = st.dictionaries(st.text("abcdef", min_size=1, max_size=5), values, max_size=4)


def graph(**resources: dict[str, Any]) -> Graph:
    return Graph("p", "dev", {URN + n: Resource(URN + n, "test:index:Thing", n, inputs=i)
                              for n, i in resources.items()})


def reviewed(**ops: str) -> Reviewed:
    changes = [{"urn": URN + n, "op": op, "fields": []} for n, op in ops.items()]
    return Reviewed("r.json", {"plan": {"changes": changes, "findings": []}})


@given(inputs)
def test_stripped_values_hold_no_fingerprint(value: dict[str, Any]) -> None:
    stripped = strip_fingerprints(value)
    assert all(not (isinstance(leaf, dict) and "fingerprint" in leaf) for _, leaf in walk(stripped))
    assert strip_fingerprints(stripped) == stripped


@given(inputs, st.text(max_size=5))
def test_digest_ignores_fingerprints_but_not_values(value: dict[str, Any], other: str) -> None:
    refingerprinted = {k: secret_marker(["another", other]) if isinstance(v, dict) and "fingerprint" in v
                       else v for k, v in value.items()}
    assert graph_digest(graph(a=value)) == graph_digest(graph(a=refingerprinted))
    changed = {**value, "zzz": other}
    assert graph_digest(graph(a=value)) != graph_digest(graph(a=changed))


ops = st.sampled_from(list(Op))
op_maps = st.dictionaries(st.sampled_from([URN + n for n in "abcd"]), ops, max_size=4)


@given(op_maps, op_maps)
def test_compare_ops_is_empty_exactly_when_the_operations_agree(a: dict[str, Op], b: dict[str, Op]) -> None:
    def norm(m: dict[str, Op]) -> dict[str, Op]:
        return {k: v for k, v in m.items() if v != Op.NOOP}

    assert (compare_ops(a, b, what="x") == []) == (norm(a) == norm(b))


def test_a_secret_only_update_may_be_done_or_not() -> None:
    planned = {URN + "a": Op.UPDATE}
    for got in ({URN + "a": Op.UPDATE}, {}, {URN + "a": Op.NOOP}):
        assert compare_ops(planned, got, what="x", secret_only=frozenset({URN + "a"})) == []
    assert compare_ops(planned, {URN + "a": Op.REPLACE}, what="x", secret_only=frozenset({URN + "a"}))
    assert compare_ops(planned, {}, what="x") == ["test:index:Thing a: reviewed update, x no-op"]
    doc = {"plan": {"changes": [
        {"urn": URN + "a", "op": "update", "fields": [{"path": "t", "secret": True}]},
        {"urn": URN + "b", "op": "update", "fields": [{"path": "t", "secret": True}, {"path": "u"}]}]}}
    assert Reviewed("r", doc).secret_only == {URN + "a"}


def test_engine_plan_operations() -> None:
    plan = {"resourcePlans": {
        STACK: {"goal": {"type": "pulumi:pulumi:Stack"}, "steps": ["same"]},
        DEFAULT_PROVIDER: {"steps": ["create"]},
        URN + "a": {"goal": {"type": "test:index:Thing"}, "steps": ["create-replacement", "replace",
                                                                    "delete-replaced"]},
        URN + "b": {"steps": ["same"]}, URN + "c": {"steps": ["update"]}, URN + "d": {"steps": ["delete"]},
        URN + "e": {"steps": ["import"]}, URN + "f": {}}}
    got = engine_plan_ops(plan)
    assert {k.rpartition("::")[2]: str(getattr(v, "value", v)) for k, v in got.items()} == {
        "a": "replace", "b": "no-op", "c": "update", "d": "delete", "e": "import", "f": "no-op"}


def test_event_operations() -> None:
    def out(op: str, name: str) -> Event:
        return Event("outputs", op=op, urn=URN + name, type="test:index:Thing")

    events = [out("create-replacement", "a"), out("delete-replaced", "a"), out("same", "b"),
              out("update", "c"), Event("pre", op="delete", urn=URN + "d"), out("read", "e"),
              Event("outputs", op="create", urn=STACK, type="pulumi:pulumi:Stack")]
    got = {k.rpartition("::")[2]: str(getattr(v, "value", v)) for k, v in event_ops(events).items()}
    assert got == {"a": "replace", "c": "update", "e": "read"}


def test_residual_skips_only_what_cannot_be_compared() -> None:
    desired = graph(a={"x": 1, "s": secret_marker("new"), "u": {"$fluxform": "unknown"}}, b={"y": 2})
    same = graph(a={"x": 1, "s": secret_marker("old"), "u": "real"}, b={"y": 2})
    assert residual(same, desired) == []
    wrong = graph(a={"x": 9, "s": secret_marker("old"), "u": "real"}, c={})
    assert residual(wrong, desired) == [
        "test:index:Thing a: differs from the plan at x",
        "test:index:Thing b: planned, but not in the state",
        "test:index:Thing c: in the state, but not in the plan"]


def test_untouched_resources_must_stay_as_they_were() -> None:
    before = graph(a={"x": 1, "s": secret_marker("c1")}, b={"y": 1})
    after = graph(a={"x": 1, "s": secret_marker("c2")}, b={"y": 3})  # a: only re-encrypted
    r = reviewed(a="no-op", b="no-op")
    assert applycheck.untouched(r, before, after) == ["test:index:Thing b: changed, but the plan left it unchanged"]
    assert applycheck.untouched(reviewed(b="update"), before, after) == []


def test_post_apply_check_passes_a_faithful_apply() -> None:
    before, desired = graph(a={"x": 1}, b={"y": 1}), graph(a={"x": 2}, b={"y": 1})
    events = [Event("outputs", op="update", urn=URN + "a", type="test:index:Thing")]
    check = applycheck.post_apply_check(reviewed(a="update", b="no-op"), events, before, desired, desired)
    assert check.as_planned
    check = applycheck.post_apply_check(reviewed(a="update", b="no-op"), [], before, before, desired)
    assert check.operations == ["test:index:Thing a: reviewed update, applied no-op"]
    assert check.state == ["test:index:Thing a: differs from the plan at x"]


def test_engine_error_lines() -> None:
    assert classify("dev", "up", 1, "error: the stack is currently locked by 1 lock(s). Either") == (
        "stack dev is locked by another update (hint: wait for it to finish, or run `pulumi cancel` "
        "if it died; fluxform changed nothing)")
    assert classify("dev", "whoami", 3, "").startswith("not logged in to a Pulumi backend")
    assert classify("dev", "stack export", 6, "").startswith("stack dev does not exist in the backend")
    assert classify("dev", "preview", 1, "warning: x\nerror: boom\nmore") == (
        "`pulumi preview` failed for stack dev (exit 1): boom")
    assert classify("dev", "up", 255, "") == "`pulumi up` failed for stack dev (exit 255): no message"


def test_engine_events() -> None:
    meta = {"op": "update", "urn": URN + "a", "type": "test:index:Thing"}
    assert _event({"resourcePreEvent": {"metadata": meta}}) == Event("pre", "update", URN + "a", "test:index:Thing")
    assert _event({"resourcePreEvent": {"metadata": meta, "planning": True}}) is None
    assert _event({"resOpFailedEvent": {"metadata": meta, "status": 1}}).kind == "failed"  # type: ignore[union-attr]
    assert _event({"diagnosticEvent": {"severity": "error", "message": "a\nb"}}) == Event(
        "diagnostic", severity="error", message="a")
    assert _event({"summaryEvent": {"result": "succeeded"}}) == Event("summary", result="succeeded")
    assert _event({"preludeEvent": {}}) is None and _event({"cancelEvent": {}}) == Event("cancel")
    assert parse_version("v3.259.0\n") == (3, 259, 0) and parse_version("dev") is None
