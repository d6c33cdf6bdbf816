"""Golden plans (text, markdown, JSON) for real scenario pairs built from the example stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_golden
from scenarios import SCENARIOS, scenario

from fluxform.diff import compute_plan
from fluxform.plan import Op
from fluxform.policy import evaluate, objects_from_graph
from fluxform.policy.model import Context
from fluxform.report import render

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_golden(name: str, fmt: str) -> None:
    before, after = scenario(name)
    plan = compute_plan(before, after, baseline="scenario")
    first = render(plan, fmt)
    assert first == render(compute_plan(before, after, baseline="scenario"), fmt)  # deterministic
    assert_golden(GOLDEN / f"{name}.{SUFFIX[fmt]}", first)


def ops(name: str) -> dict[str, str]:
    before, after = scenario(name)
    return {c.name: c.op.value for c in compute_plan(before, after).changes if c.op is not Op.NOOP}


def codes(name: str) -> set[str]:
    before, after = scenario(name)
    return {r.code for _, r in compute_plan(before, after).risks}


def test_add_tenant_creates_only_the_tenant() -> None:
    changed = ops("add-tenant")
    assert changed and set(changed.values()) == {"create"}
    assert all(n.startswith("tenant-team-c") for n in changed)


def test_remove_tenant_deletes_it_with_namespace_and_key_risks() -> None:
    changed = ops("remove-tenant")
    assert set(changed.values()) == {"delete"} and "tenant-team-b-namespace" in changed
    assert {"R-DELETE-NAMESPACE", "R-DEPLOY-KEY"} <= codes("remove-tenant")


def test_bump_chart_is_one_field_update() -> None:
    before, after = scenario("bump-chart-version")
    plan = compute_plan(before, after)
    (change,) = [c for c in plan.changes if c.op is not Op.NOOP]
    assert change.op is Op.UPDATE and change.name == "platform-helmrelease-podinfo"
    assert [(f.path_text, f.before, f.after) for f in change.fields] == [
        ("spec.chart.spec.version", "6.7.1", "6.8.0")]


def test_rotation_registers_the_new_key_switches_the_secret_and_removes_the_old_key_last() -> None:
    """The sequence `pulumi up` performs, read from the plan's order (dependency order, then
    deletions): nothing is replaced, so nothing is deleted before its successor exists."""
    before, after = scenario("rotate-deploy-key")
    plan = compute_plan(before, after)
    steps = [(c.op.value, c.type.rsplit(":", 1)[-1]) for c in plan.changes if c.op is not Op.NOOP]
    assert steps == [("create", "PrivateKey"), ("create", "RepositoryDeployKey"),
                     ("update", "Secret"), ("delete", "RepositoryDeployKey"),
                     ("delete", "PrivateKey")]
    secret = next(c for c in plan.changes if c.type.endswith(":Secret") and c.op is Op.UPDATE)
    # The new key reaches the Secret as changed stringData, known only after apply.
    assert [(f.path_text, f.secret, f.unknown) for f in secret.fields] == [("stringData", True, True)]
    assert "R-ALREADY-EXISTS" not in codes("rotate-deploy-key")


def test_reordering_lists_is_no_change() -> None:
    assert ops("reorder-lists") == {}


def test_changed_secret_shows_changed_without_value() -> None:
    before, after = scenario("change-secret")
    plan = compute_plan(before, after)
    (change,) = [c for c in plan.changes if c.op is not Op.NOOP]
    # The program's provider sets enableSecretMutable, so pulumi-kubernetes updates the Secret
    # in place (diff.go, forceNewProperties).
    assert change.name == "notifications-slack-address" and change.op is Op.UPDATE
    assert all(f.secret and not f.forces_replacement for f in change.fields)
    for fmt in SUFFIX:
        out = render(plan, fmt)
        assert "ciphertext" not in out and "placeholder" not in out


def test_rename_tenant_deletes_and_creates() -> None:
    values = set(ops("rename-tenant").values())
    assert values == {"create", "delete"}


def test_suspension_is_flagged_and_annotated_suspension_passes_policy() -> None:
    assert "R-SUSPEND" in codes("suspend-layer")
    _, after = scenario("suspend-layer")
    assert not [f for f in evaluate(objects_from_graph(after), Context(production=True))
                if f.rule_id == "FF016"]


def test_json_plan_is_valid_and_counts_match() -> None:
    before, after = scenario("remove-tenant")
    doc = json.loads(render(compute_plan(before, after), "json"))
    assert doc["format"] == "fluxform.plan/v1"
    assert doc["summary"]["destroy"] == sum(c["op"] == "delete" for c in doc["changes"])
