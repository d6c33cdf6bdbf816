"""Operations, field paths, list keys and replacement rules, on hand-made resource pairs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from synthetic import (
    CM,
    CRB,
    CRD,
    DEPLOY,
    DEPLOY_KEY,
    GITREPO,
    HR,
    K8S_PROVIDER,
    KUST,
    NS,
    RANDOM_BYTES,
    RB,
    RECEIVER,
    RELEASE,
    ROLE,
    SA,
    SECRET,
    TLS_KEY,
    obj,
    one,
    plan_of,
    res,
)

from fluxform.diff import LIST_KEYS, SET_LISTS, diff_values
from fluxform.graph import UNKNOWN, Resource, format_path, secret_marker
from fluxform.plan import Op
from fluxform.replacement import FORCES_REPLACEMENT, parse_path


def ops(plan: Any) -> dict[str, Op]:
    return {c.name: c.op for c in plan.changes}


def paths(before: Any, after: Any) -> list[str]:
    return [format_path(f.path) for f in diff_values(before, after)]


# --- operations -------------------------------------------------------------------------

def test_each_operation_and_the_summary() -> None:
    before = [obj(NS, "same"), obj(CM, "edit", data={"a": "1"}), obj(CM, "gone"),
              obj(NS, "renamed")]
    after = [obj(NS, "same"), obj(CM, "edit", data={"a": "2"}), obj(CM, "new"),
             obj(NS, "renamed", obj_name="renamed-2")]
    plan = plan_of(before, after)
    assert ops(plan) == {"same": Op.NOOP, "edit": Op.REPLACE, "gone": Op.DELETE,
                         "new": Op.CREATE, "renamed": Op.REPLACE}
    s = plan.summary
    assert (s.create, s.update, s.delete, s.replace, s.noop) == (1, 0, 1, 2, 1)
    assert (s.to_add, s.to_change, s.to_destroy) == (3, 0, 3)
    assert s.terraform_line() == "Plan: 3 to add, 0 to change, 3 to destroy."
    assert s.counts_line() == "1 to create, 0 to update, 2 to replace, 1 to delete, 1 unchanged."


def test_update_in_place() -> None:
    change = one(obj(KUST, "k", spec={"interval": "5m"}), obj(KUST, "k", spec={"interval": "1m"})).changes[0]
    assert change.op is Op.UPDATE and change.replace_reasons == ()
    (f,) = change.fields
    assert (f.path_text, f.kind, f.before, f.after, f.forces_replacement) == (
        "spec.interval", "changed", "5m", "1m", False)


@pytest.mark.parametrize("inputs", [{}, {"spec": {}}])
def test_created_and_deleted_resources_list_their_leaves_never_an_empty_root(
        inputs: dict[str, Any]) -> None:
    component = res("fluxform:index:Tenant", "t", inputs)
    for before, after, op in ((None, component, Op.CREATE), (component, None, Op.DELETE)):
        (change,) = one(before, after).changes
        assert change.op is op
        # A component has no inputs: no field at all (it used to be one field with path "").
        assert [(f.path_text, f.before, f.after) for f in change.fields] == (
            [] if not inputs else [("spec", {}, None) if op is Op.DELETE else ("spec", None, {})])


def test_no_changes_line() -> None:
    plan = one(obj(NS, "a"), obj(NS, "a"))
    assert plan.changes[0].op is Op.NOOP and not plan.summary.has_changes
    assert plan.summary.terraform_line() == "No changes. Your infrastructure matches the configuration."


def test_create_and_delete_list_every_leaf() -> None:
    r = obj(CM, "c", data={"a": "1", "b": [1, 2]}, binaryData={})
    created, deleted = one(None, r).changes[0], one(r, None).changes[0]
    want = ["apiVersion", "binaryData", "data.a", "data.b[0]", "data.b[1]", "kind",
            "metadata.name", "metadata.namespace"]
    assert [f.path_text for f in created.fields] == want
    assert {f.kind for f in created.fields} == {"added"} and {f.kind for f in deleted.fields} == {"removed"}
    assert [f.path_text for f in deleted.fields] == want


def test_null_and_absent_are_the_same() -> None:
    assert diff_values({"a": None, "b": 1}, {"b": 1}) == []


def test_field_kinds_and_paths() -> None:
    changes = diff_values({"a": 1, "b": {"c": [1, 2]}, "d": "x"}, {"a": 2, "b": {"c": [1]}, "e": True})
    assert [(f.path_text, f.kind) for f in changes] == [
        ("a", "changed"), ("b.c[1]", "removed"), ("d", "removed"), ("e", "added")]
    assert paths({"hard": {"requests.cpu": "1"}}, {"hard": {"requests.cpu": "2"}}) == ['hard["requests.cpu"]']


def test_type_change_is_one_changed_field() -> None:
    (f,) = diff_values({"a": {"b": 1}}, {"a": "flat"})
    assert (f.path_text, f.kind, f.before, f.after) == ("a", "changed", {"b": 1}, "flat")


# --- lists of named things --------------------------------------------------------------

def keyed_items(field: str) -> list[dict[str, Any]]:
    keys = LIST_KEYS[field][0]
    return [{**{k: f"{k}-{i}" for k in keys}, "value": i} for i in range(3)]


@pytest.mark.parametrize("field", sorted(LIST_KEYS))
def test_keyed_list_reorder_is_no_change_and_edits_name_the_item(field: str) -> None:
    items = keyed_items(field)
    assert diff_values({field: items}, {field: items[::-1]}) == []
    edited = copy.deepcopy(items[::-1])
    edited[0]["value"] = 99
    (f,) = diff_values({field: items}, {field: edited})
    selector = ",".join(f"{k}={k}-2" for k in LIST_KEYS[field][0])
    assert f.path_text == f"{field}[{selector}].value" and (f.before, f.after) == (2, 99)


@pytest.mark.parametrize("field", sorted(SET_LISTS))
def test_set_lists_compare_as_multisets(field: str) -> None:
    items: list[Any] = [{"verbs": ["get"]}, {"verbs": ["list"]}, "x", "x"]
    assert diff_values({field: items}, {field: items[::-1]}) == []
    changes = diff_values({field: items}, {field: ["x", {"verbs": ["list"]}, {"verbs": ["watch"]}]})
    assert [(f.path_text, f.kind) for f in changes] == [
        (f"{field}[0]", "removed"), (f"{field}[2]", "removed"), (f"{field}[2]", "added")]


def test_nested_keyed_lists_in_a_deployment() -> None:
    def deploy(env: list[dict[str, str]], order: int = 1) -> dict[str, Any]:
        containers = [{"name": "app", "image": "app:1", "env": env},
                      {"name": "proxy", "image": "envoy:1", "ports": [{"containerPort": 80}]}]
        return {"spec": {"template": {"spec": {"containers": containers[::order]}}}}

    env = [{"name": "A", "value": "1"}, {"name": "LOG", "value": "info"}]
    assert diff_values(deploy(env), deploy(env[::-1], -1)) == []
    changed = [{"name": "LOG", "value": "debug"}, {"name": "A", "value": "1"}]
    assert paths(deploy(env), deploy(changed, -1)) == [
        "spec.template.spec.containers[name=app].env[name=LOG].value"]


def test_dependson_without_namespace_and_subjects_by_identity() -> None:
    deps = [{"name": "infra"}, {"name": "crds", "namespace": "flux-system"}]
    assert diff_values({"dependsOn": deps}, {"dependsOn": deps[::-1]}) == []
    assert paths({"dependsOn": deps}, {"dependsOn": deps[1:]}) == ["dependsOn[name=infra].name"]
    subjects = [{"kind": "ServiceAccount", "name": "a", "namespace": "x"}, {"kind": "Group", "name": "ops"}]
    assert diff_values({"subjects": subjects}, {"subjects": subjects[::-1]}) == []


def test_unnamed_ports_fall_back_to_container_port_then_position() -> None:
    ports = [{"containerPort": 80}, {"containerPort": 443, "protocol": "TCP"}]
    assert diff_values({"ports": ports}, {"ports": ports[::-1]}) == []
    assert paths({"ports": [{"x": 1}, {"x": 2}]}, {"ports": [{"x": 2}, {"x": 1}]}) == ["ports[0].x", "ports[1].x"]


def test_duplicate_keys_fall_back_to_position() -> None:
    dup = [{"name": "a", "v": 1}, {"name": "a", "v": 2}]
    assert paths({"env": dup}, {"env": dup[::-1]}) == ["env[0].v", "env[1].v"]


def test_kustomization_patches_matched_by_target() -> None:
    patches = [{"target": {"kind": "Deployment"}, "patch": "a"}, {"target": {"kind": "Service"}, "patch": "b"}]
    assert diff_values({"patches": patches}, {"patches": patches[::-1]}) == []
    edited = [patches[1], {**patches[0], "patch": "c"}]
    assert paths({"patches": patches}, {"patches": edited}) == ['patches[target={"kind":"Deployment"}].patch']


# --- replacement ---------------------------------------------------------------------------

def forcing_cases() -> list[tuple[str, str]]:
    return [(type_, path) for type_, rules in sorted(FORCES_REPLACEMENT.items())
            for rule in rules for path in rule.paths]


@pytest.mark.parametrize(("type_", "path"), forcing_cases())
def test_every_row_of_the_replacement_table_forces(type_: str, path: str) -> None:
    token = {"kubernetes:*": KUST}.get(type_, type_)
    segments = parse_path(path)
    before: dict[str, Any] = {"metadata": {"name": "n", "namespace": "ns"}, "other": 1}
    after = copy.deepcopy(before)
    target = after
    for seg in segments[:-1]:
        target = target.setdefault(seg, {})  # type: ignore[arg-type]
    target[segments[-1]] = "changed-value"  # type: ignore[index]
    change = one(res(token, "r", before), res(token, "r", after)).changes[0]
    assert change.op is Op.REPLACE, (type_, path)
    assert change.replace_reasons == (f"{path} forces replacement",)
    untouched = one(res(token, "r", before), res(token, "r", {**before, "other": 2})).changes[0]
    assert untouched.op is Op.UPDATE


def test_component_resources_are_never_replaced_by_the_table() -> None:
    before = res("kubernetes:yaml/v2:ConfigFile", "c", {"metadata": {"name": "a"}}, custom=False)
    after = res("kubernetes:yaml/v2:ConfigFile", "c", {"metadata": {"name": "b"}}, custom=False)
    assert one(before, after).changes[0].op is Op.UPDATE


def test_mutable_secret_provider_flag_and_immutable_objects() -> None:
    provider = res(K8S_PROVIDER, "k", {"enableSecretMutable": "true"})
    def secret(value: str, **top: Any) -> Resource:
        return obj(SECRET, "s", stringData=secret_marker(value), provider=provider.urn, **top)
    mutable = plan_of([provider, secret("a")], [provider, secret("b")])
    assert ops(mutable)["s"] is Op.UPDATE
    immutable = plan_of([provider, secret("a", immutable=True)], [provider, secret("b", immutable=True)])
    assert ops(immutable)["s"] is Op.REPLACE
    assert ops(plan_of([secret("a")], [secret("b")]))["s"] is Op.REPLACE  # default provider
    kind_change = plan_of([provider, secret("a", type="Opaque")], [provider, secret("a", type="x")])
    assert ops(kind_change)["s"] is Op.REPLACE


def test_replace_on_changes_patterns() -> None:
    def cm(data: dict[str, str], labels: dict[str, str], *roc: str) -> Resource:
        return obj(CM, "c", data=data, metadata={"name": "c", "labels": labels}, replace_on_changes=roc)
    assert one(cm({}, {"a": "1"}, "metadata.labels"), cm({}, {"a": "2"}, "metadata.labels")).changes[0].op is Op.REPLACE
    assert one(cm({}, {"a": "1"}, 'metadata.labels["b"]'), cm({}, {"a": "2"}, 'metadata.labels["b"]')).changes[0].op is Op.UPDATE
    assert one(cm({}, {"a": "1"}, "*"), cm({}, {"a": "2"}, "*")).changes[0].op is Op.REPLACE
    assert parse_path('spec.containers[*].env[0]["x.y"]') == ("spec", "containers", "*", "env", 0, "x.y")


def test_whole_subtree_added_forces_only_if_the_forcing_leaf_is_in_it() -> None:
    bare = res(KUST, "k", {"spec": {}})
    named = res(KUST, "k", {"spec": {}, "metadata": {"name": "x"}})
    labelled = res(KUST, "k", {"spec": {}, "metadata": {"labels": {"a": "b"}}})
    assert one(bare, named).changes[0].op is Op.REPLACE
    assert one(bare, labelled).changes[0].op is Op.UPDATE
    retyped = one(res(KUST, "k", {"metadata": "odd"}), named).changes[0]
    assert retyped.op is Op.REPLACE and retyped.replace_reasons == ("metadata forces replacement",)


def test_replacement_trigger_and_provider_change() -> None:
    trig = one(res(TLS_KEY, "k", replacement_trigger="2026-01"), res(TLS_KEY, "k", replacement_trigger="2027-01"))
    assert trig.changes[0].op is Op.REPLACE and trig.changes[0].replace_reasons == ("replacementTrigger changed",)
    p1, p2 = (f"urn:pulumi:prod::fluxform::pulumi:providers:kubernetes::{n}" for n in ("east", "west"))
    moved = one(obj(NS, "n", provider=p1), obj(NS, "n", provider=p2)).changes[0]
    assert moved.op is Op.REPLACE and moved.replace_reasons == ("provider changed",)
    default = "urn:pulumi:prod::fluxform::pulumi:providers:kubernetes::default_4_18_0"
    assert one(obj(NS, "n", provider=default), obj(NS, "n")).changes[0].op is Op.NOOP
    assert one(obj(NS, "n", provider=default), obj(NS, "n", provider=default + "_1")).changes[0].op is Op.NOOP


def test_unknown_after_is_changed_unknown_and_forces_only_on_a_forcing_path() -> None:
    before = res(DEPLOY_KEY, "d", {"key": "ssh-ed25519 AAA", "title": "t", "note": "x"})
    unknown_key = res(DEPLOY_KEY, "d", {"key": UNKNOWN, "title": "t", "note": "x"})
    unknown_note = res(DEPLOY_KEY, "d", {"key": "ssh-ed25519 AAA", "title": "t", "note": UNKNOWN})
    (f,) = one(before, unknown_key).changes[0].fields
    assert (f.kind, f.unknown, f.forces_replacement) == ("changed", True, True)
    change = one(before, unknown_note).changes[0]
    assert change.op is Op.UPDATE and change.fields[0].unknown and not change.fields[0].forces_replacement
    assert one(unknown_key, unknown_key).changes[0].op is Op.NOOP


def test_secrets_compare_by_fingerprint_and_carry_no_value() -> None:
    a, b = secret_marker("one"), secret_marker("two")
    assert diff_values({"s": a}, {"s": dict(a)}) == []
    (f,) = diff_values({"s": a}, {"s": b})
    assert (f.secret, f.before, f.after) == (True, None, None)
    (g,) = diff_values({"s": "plain"}, {"s": a})  # became secret: neither side is shown
    assert (g.secret, g.before, g.after) == (True, None, None)
    assert diff_values({"s": secret_marker(None)}, {"s": secret_marker(None)}) == []


# --- order ------------------------------------------------------------------------------

def test_plan_order_follows_the_kind_rank_then_urn() -> None:
    after = [obj(t, f"r{i}") for i, t in enumerate([
        "kubernetes:core/v1:Pod", HR, KUST, GITREPO, RB, ROLE, SECRET, SA, NS, CRD, CRB, RECEIVER])]
    after += [res(K8S_PROVIDER, "p"), res(TLS_KEY, "t"), res(RELEASE, "flux"), res(DEPLOY, "d"),
              res(RANDOM_BYTES, "b")]
    plan = plan_of(None, after)
    kinds = [c.type.rsplit(":", 1)[-1] for c in plan.changes]
    assert kinds == ["kubernetes", "CustomResourceDefinition", "Namespace", "Secret", "ServiceAccount",
                     "Role", "ClusterRoleBinding", "RoleBinding", "GitRepository", "Kustomization",
                     "HelmRelease", "Receiver", "Deployment", "Pod", "Release", "RandomBytes",
                     "PrivateKey"]
