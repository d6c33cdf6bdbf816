"""Each risk flag and each operation, on small hand-made resource pairs."""

from __future__ import annotations

from typing import Any

import pytest

from fluxform.diff import compute_plan
from fluxform.graph import Graph, Resource
from fluxform.plan import Op
from fluxform.report import render

KUST = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"


def res(type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> Resource:
    return Resource(urn=f"urn:pulumi:s::p::{type_}::{name}", type=type_, name=name, inputs=inputs, **extra)


def kust(ns: str = "team-a", api: str = "kustomize.toolkit.fluxcd.io/v1", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "Kustomization", "metadata": {"name": "k", "namespace": ns},
            "spec": {"interval": "5m", **spec}}


def plan_of(before: Resource | None, after: Resource | None) -> Any:
    def g(r: Resource | None) -> Graph:
        return Graph("p", "s", {r.urn: r} if r else {})
    return compute_plan(g(before) if before else None, g(after))


CASES = {
    "R-PRUNE-ON": (res(KUST, "k", kust(prune=False)), res(KUST, "k", kust(prune=True))),
    "R-SUSPEND": (res(KUST, "k", kust()), res(KUST, "k", kust(suspend=True))),
    "R-TENANT-SA": (res(KUST, "k", kust(serviceAccountName="r")), res(KUST, "k", kust())),
    "R-ROLEREF": (res("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "b", {"roleRef": {"name": "view"}}),
                  res("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "b", {"roleRef": {"name": "admin"}})),
    "R-API-DOWNGRADE": (res(KUST, "k", kust()), res(KUST, "k", kust(api="kustomize.toolkit.fluxcd.io/v1beta2"))),
    "R-DELETE-NAMESPACE": (res("kubernetes:core/v1:Namespace", "n", {"metadata": {"name": "a"}}), None),
    "R-DEPLOY-KEY": (res("github:index/repositoryDeployKey:RepositoryDeployKey", "d", {"title": "a", "readOnly": True}),
                     res("github:index/repositoryDeployKey:RepositoryDeployKey", "d", {"title": "a", "readOnly": False})),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_risk_fires(code: str) -> None:
    before, after = CASES[code]
    plan = plan_of(before, after)
    assert code in {r.code for _, r in plan.risks}
    assert f"[{code}]" in render(plan, "text")


@pytest.mark.parametrize("code", ["R-PRUNE-ON", "R-SUSPEND", "R-TENANT-SA", "R-ROLEREF", "R-API-DOWNGRADE"])
def test_risk_does_not_fire_without_the_change(code: str) -> None:
    before, _ = CASES[code]
    assert plan_of(before, before).risks == []


def test_tenant_sa_risk_ignores_flux_system() -> None:
    before = res(KUST, "k", kust(ns="flux-system", serviceAccountName="kustomize-controller"))
    after = res(KUST, "k", kust(ns="flux-system"))
    assert "R-TENANT-SA" not in {r.code for _, r in plan_of(before, after).risks}


def test_namespace_change_forces_replacement() -> None:
    plan = plan_of(res(KUST, "k", kust(ns="a")), res(KUST, "k", kust(ns="b")))
    (change,) = plan.changes
    assert change.op is Op.REPLACE
    assert change.replace_reasons == ("metadata.namespace forces replacement",)
    assert "-/+" in render(plan, "text") and "# forces replacement" in render(plan, "text")


def test_replace_on_changes_and_create_delete_summary() -> None:
    before = res("kubernetes:core/v1:ConfigMap", "c", {"data": {"a": "1"}})
    after = res("kubernetes:core/v1:ConfigMap", "c", {"data": {"a": "2"}}, replace_on_changes=("data",))
    assert plan_of(before, after).changes[0].op is Op.REPLACE
    assert plan_of(None, after).summary.terraform_line() == "Plan: 1 to add, 0 to change, 0 to destroy."
    assert plan_of(before, None).summary.terraform_line() == "Plan: 0 to add, 0 to change, 1 to destroy."
    both = plan_of(before, after).summary
    assert (both.to_add, both.to_destroy, both.replace) == (1, 1, 1)


def test_colour_only_when_asked() -> None:
    plan = plan_of(None, res(KUST, "k", kust()))
    assert "\x1b[" in render(plan, "text", color=True)
    assert "\x1b[" not in render(plan, "text")


def test_a_secret_without_a_parent_is_judged_by_its_keys() -> None:
    plain = res("kubernetes:core/v1:Secret", "s", {"stringData": {"token": "x"}})
    creds = res("kubernetes:core/v1:Secret", "c", {"stringData": {"identity": "x"}})
    assert "R-DEPLOY-KEY" not in {r.code for _, r in plan_of(plain, None).risks}
    assert "R-DEPLOY-KEY" in {r.code for _, r in plan_of(creds, None).risks}
