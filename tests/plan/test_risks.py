"""Each risk flag fires on its change, and not without it, on hand-made resource pairs."""

from __future__ import annotations

from typing import Any

import pytest
from synthetic import (
    CRB,
    DEPLOY_KEY,
    HR,
    HR_BETA,
    KUST,
    KUST_BETA,
    NS,
    RB,
    RELEASE,
    SECRET,
    TLS_KEY,
    k8s,
    obj,
    one,
    plan_of,
    res,
)

from fluxform.graph import Resource, secret_marker
from fluxform.plan import Op, Plan
from fluxform.report import render
from fluxform.risk import CODES


def kust(spec: dict[str, Any] | None = None, ns: str = "team-a", type_: str = KUST) -> Resource:
    return res(type_, "k", k8s(type_, "apps", ns, spec={"interval": "5m", **(spec or {})}))


def binding(type_: str, role: str) -> Resource:
    return res(type_, "b", k8s(type_, "b", "team-a", roleRef={"kind": "ClusterRole", "name": role},
                              subjects=[{"kind": "ServiceAccount", "name": "r", "namespace": "team-a"}]))


def codes(plan: Plan) -> list[str]:
    return [r.code for _, r in plan.risks]


DEPLOY_KEY_OWNER = "fluxform:index:Tenant$fluxform:index:DeployKey"
OCI = "kubernetes:source.toolkit.fluxcd.io/v1beta2:OCIRepository"

# code -> (before resources, after resources)
CASES: dict[str, tuple[list[Resource], list[Resource]]] = {
    "R-REPLACE": ([obj(NS, "n")], [obj(NS, "n", obj_name="n2")]),
    "R-DEPLOY-KEY": ([res(DEPLOY_KEY, "d", {"title": "a", "readOnly": True})],
                     [res(DEPLOY_KEY, "d", {"title": "a", "readOnly": False})]),
    "R-DELETE-NAMESPACE": ([obj(NS, "n")], []),
    "R-PRUNE-ON": ([kust({"prune": False})], [kust({"prune": True})]),
    "R-SUSPEND": ([kust()], [kust({"suspend": True})]),
    "R-TENANT-SA": ([kust({"serviceAccountName": "reconciler"})], [kust()]),
    "R-ROLEREF": ([binding(RB, "view")], [binding(RB, "admin")]),
    "R-API-DOWNGRADE": ([kust(type_=KUST)], [res(KUST, "k", {**kust().inputs, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2"})]),
    "R-URN-MOVE": ([kust(type_=HR)], [kust(type_=HR_BETA)]),
    "R-ALREADY-EXISTS": ([obj(SECRET, "s", replacement_trigger="1")],
                         [obj(SECRET, "s", replacement_trigger="2")]),
    "R-PRUNE-CASCADE": ([kust({"prune": True})], []),
    "R-DECRYPTION-KEY": ([res(SECRET, "sops", {
        "apiVersion": "v1", "kind": "Secret", "stringData": secret_marker("age-1"),
        "metadata": {"name": "sops-age", "namespace": "flux-system",
                     "labels": {"fluxform.io/purpose": "sops-decryption"}}})], []),
    "R-OCI-VERIFY-OFF": ([res(OCI, "o", k8s(OCI, "o", "flux-system", spec={"verify": {"provider": "cosign"}}))],
                         [res(OCI, "o", k8s(OCI, "o", "flux-system", spec={}))]),
    "R-SOURCE-KIND": ([kust({"sourceRef": {"kind": "GitRepository", "name": "flux-system"}})],
                      [kust({"sourceRef": {"kind": "OCIRepository", "name": "flux-system"}})]),
    "R-IMAGE-AUTOMATION-ON": (
        [res(RELEASE, "flux", {"values": {"imageAutomationController": {"create": False}}})],
        [res(RELEASE, "flux", {"values": {"imageAutomationController": {"create": True}}})]),
    "R-PROVIDER-TARGET": (
        [res("pulumi:providers:github", "gh", {"owner": "acme"}),
         res(DEPLOY_KEY, "d", {"title": "a"}, provider="urn:pulumi:prod::fluxform::pulumi:providers:github::gh")],
        [res("pulumi:providers:github", "gh", {"owner": "other"}),
         res(DEPLOY_KEY, "d", {"title": "a"}, provider="urn:pulumi:prod::fluxform::pulumi:providers:github::gh")]),
}


def test_every_code_has_a_case_and_a_description() -> None:
    assert sorted(CASES) == sorted(CODES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_risk_fires_and_is_reported(code: str) -> None:
    before, after = CASES[code]
    plan = plan_of(before, after)
    assert code in codes(plan)
    for change, risk in plan.risks:
        assert change.name in risk.message and risk.code in CODES
    assert f"[{code}]" in render(plan, "text")
    assert f"**{code}**" in render(plan, "markdown") or code == "R-REPLACE"
    assert f'"code": "{code}"' in render(plan, "json")


@pytest.mark.parametrize("code", sorted(set(CASES) - {"R-DELETE-NAMESPACE"}))
def test_risk_does_not_fire_without_the_change(code: str) -> None:
    before, _ = CASES[code]
    assert codes(plan_of(before, before)) == []
    assert code not in codes(plan_of(None, before))


def test_replace_says_which_goes_first() -> None:
    same_name = one(obj(SECRET, "s", stringData=secret_marker("a")), obj(SECRET, "s", stringData=secret_marker("b")))
    assert "deleted first" in same_name.risks[0][1].message
    renamed = one(obj(NS, "n"), obj(NS, "n", obj_name="n2"))
    assert "created before the old one is deleted" in renamed.risks[0][1].message
    dbr = one(res(TLS_KEY, "t", {"algorithm": "RSA"}), res(TLS_KEY, "t", {"algorithm": "ED25519"}, delete_before_replace=True))
    assert "deleted first" in dbr.risks[0][1].message


def test_deploy_key_risk_for_keys_and_credential_secrets() -> None:
    key = one(res(TLS_KEY, "t", {"algorithm": "RSA"}), None)
    assert "R-DEPLOY-KEY" in codes(key)
    owned = one(obj(SECRET, "s", parents=DEPLOY_KEY_OWNER), None)
    identity = one(obj(SECRET, "s", stringData={"identity": secret_marker("k"), "known_hosts": "x"}), None)
    plain = one(obj(SECRET, "s", stringData={"token": secret_marker("k")}), None)
    orphan = one(Resource(urn="s", type=SECRET, name="s", inputs={"data": {"a": "b"}}), None)  # no parent, odd URN
    assert "R-DEPLOY-KEY" in codes(owned) and "R-DEPLOY-KEY" in codes(identity)
    assert "R-DEPLOY-KEY" not in codes(plain) and codes(orphan) == []
    updated = one(res(DEPLOY_KEY, "d", {"title": "a", "x": 1}), res(DEPLOY_KEY, "d", {"title": "a", "x": 2}))
    assert updated.changes[0].op is Op.UPDATE and codes(updated) == []


def test_suspend_prune_and_tenant_edges() -> None:
    assert codes(one(kust({"prune": True}), kust({"prune": True}))) == []
    assert codes(one(kust({"suspend": True}), kust({"suspend": False}))) == []
    hr = res(HR, "h", k8s(HR, "h", "team-a", spec={"serviceAccountName": "r"}))
    assert codes(one(hr, res(HR, "h", k8s(HR, "h", "team-a", spec={"suspend": True})))) == ["R-SUSPEND", "R-TENANT-SA"]
    control = kust({"serviceAccountName": "kustomize-controller"}, ns="flux-system")
    assert codes(one(control, kust(ns="flux-system"))) == []


def test_cluster_role_binding_roleref_is_a_replacement_too() -> None:
    plan = one(binding(CRB, "view"), binding(CRB, "cluster-admin"))
    assert plan.changes[0].op is Op.REPLACE
    assert codes(plan) == ["R-REPLACE", "R-ROLEREF"]
    assert "ClusterRole/view to ClusterRole/cluster-admin" in plan.risks[1][1].message


def test_api_version_change_across_urns_is_a_move_and_maybe_a_downgrade() -> None:
    down = plan_of([kust(type_=KUST)], [kust(type_=KUST_BETA)])
    assert sorted(codes(down)) == ["R-API-DOWNGRADE", "R-URN-MOVE"]
    up = plan_of([kust(type_=KUST_BETA)], [kust(type_=KUST)])
    assert codes(up) == ["R-URN-MOVE"]
    other_object = plan_of([kust(type_=KUST)], [res(KUST_BETA, "k", k8s(KUST_BETA, "other", "team-a"))])
    assert codes(other_object) == []


COMPONENT = "fluxform:index:DeployKey"
FLEET_KEY = f"urn:pulumi:prod::fluxform::{COMPONENT}::fleet-key"
TENANT_KEY = f"urn:pulumi:prod::fluxform::fluxform:index:Tenant${COMPONENT}::tenant-a-key"
ALARM = "Flux can no longer fetch with it"


def generation(gen: str, *, owner: str = FLEET_KEY, name: str | None = None) -> list[Resource]:
    """The key pair of one generation of a DeployKey component (components/deploy_key.py)."""
    base = name or owner.rsplit("::", 1)[-1]
    return [res(TLS_KEY, f"{base}-key-{gen}", {"algorithm": "ED25519"}, parents=COMPONENT, parent=owner),
            res(DEPLOY_KEY, f"{base}-github-{gen}", {"title": "t", "repository": "fleet", "readOnly": True},
                parents=COMPONENT, parent=owner)]


def deploy_key_messages(plan: Plan) -> dict[str, str]:
    return {change.name: risk.message for change, risk in plan.risks if risk.code == "R-DEPLOY-KEY"}


def test_a_rotation_flags_the_retired_generation_with_the_milder_text() -> None:
    plan = plan_of(generation("2026-11-45f4e1f0"), generation("2027-01-7ebcfdae"))
    assert deploy_key_messages(plan) == {
        "fleet-key-key-2026-11-45f4e1f0":
            f"{TLS_KEY} fleet-key-key-2026-11-45f4e1f0: Git credentials deleted; the old key "
            "generation, retired after the new one (fleet-key-key-2027-01-7ebcfdae) took over",
        "fleet-key-github-2026-11-45f4e1f0":
            f"{DEPLOY_KEY} fleet-key-github-2026-11-45f4e1f0: Git credentials deleted; the old key "
            "generation, retired after the new one (fleet-key-github-2027-01-7ebcfdae) took over",
    }
    assert ALARM not in render(plan, "text") and "[R-DEPLOY-KEY]" in render(plan, "text")


@pytest.mark.parametrize("after", [
    [],
    generation("2027-01-7ebcfdae", owner=TENANT_KEY, name="fleet-key"),
    generation("2027-01-7ebcfdae", name="other"),
    [res("kubernetes:core/v1:ConfigMap", "fleet-key-github-2027-01", {"a": "b"}, parents=COMPONENT, parent=FLEET_KEY)],
], ids=["deleted-no-new-generation", "new-generation-of-another-component", "not-a-generation-name",
        "other-type-under-the-component"])
def test_a_deletion_without_a_new_generation_keeps_the_alarming_text(after: list[Resource]) -> None:
    messages = deploy_key_messages(plan_of(generation("2026-11-45f4e1f0"), after))
    assert sorted(messages) == ["fleet-key-github-2026-11-45f4e1f0", "fleet-key-key-2026-11-45f4e1f0"]
    assert all(m.endswith("Git credentials deleted; " + ALARM) for m in messages.values()), messages


def test_only_the_type_with_a_new_generation_is_retired() -> None:
    new_tls, _ = generation("2027-01-7ebcfdae")
    messages = deploy_key_messages(plan_of(generation("2026-11-45f4e1f0"), [new_tls]))
    assert "retired after the new one (fleet-key-key-2027-01-7ebcfdae)" in messages["fleet-key-key-2026-11-45f4e1f0"]
    assert messages["fleet-key-github-2026-11-45f4e1f0"].endswith(ALARM)


def test_a_tenant_rotation_is_a_retirement_too() -> None:
    tenant = "tenant-a-key"
    plan = plan_of(generation("r-00000000", owner=TENANT_KEY, name=tenant),
                   generation("r-11111111", owner=TENANT_KEY, name=tenant))
    assert all("retired after the new one" in m for m in deploy_key_messages(plan).values())
    assert len(deploy_key_messages(plan)) == 2
