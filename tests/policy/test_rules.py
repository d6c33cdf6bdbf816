"""Every rule: one passing and one failing case; severities per stack; both runners."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import ROOT

from fluxform.policy import RULES, check_stack, evaluate, objects_from_rendered
from fluxform.policy.model import Context, ImageAutomation, PolicyObject
from fluxform.spec import load_spec
from fluxform.stackrun import capture_stack

G_SRC = "source.toolkit.fluxcd.io/v1"


def k8s(kind: str, api: str, ns: str, name: str, spec: dict[str, Any] | None = None,
        origin: str = "pulumi", **extra: Any) -> PolicyObject:
    props = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns}, **extra}
    if spec is not None:
        props["spec"] = spec
    return PolicyObject(f"kubernetes:{api}:{kind}", f"{kind}/{ns}/{name}", props, origin)  # type: ignore[arg-type]


def kust(ns: str = "team-a", name: str = "apps", **spec: Any) -> PolicyObject:
    base = {"interval": "5m", "timeout": "2m", "retryInterval": "1m", "prune": True,
            "path": "./", "sourceRef": {"kind": "GitRepository", "name": name},
            "serviceAccountName": "flux-reconciler"}
    base.update(spec)
    return k8s("Kustomization", "kustomize.toolkit.fluxcd.io/v1", ns, name, {k: v for k, v in base.items() if v is not None})


def release(version: str = "1.2.3", **spec: Any) -> PolicyObject:
    base = {"interval": "10m", "timeout": "5m", "serviceAccountName": "helm-controller",
            "chart": {"spec": {"chart": "c", "version": version,
                               "sourceRef": {"kind": "HelmRepository", "name": "r"}}}}
    base.update(spec)
    return k8s("HelmRelease", "helm.toolkit.fluxcd.io/v2", "flux-system", "web", base)


def binding(kind: str, role: str, ns: str = "team-a") -> PolicyObject:
    return k8s(kind, "rbac.authorization.k8s.io/v1", ns if kind == "RoleBinding" else "", "b",
               roleRef={"kind": "ClusterRole", "name": role},
               subjects=[{"kind": "ServiceAccount", "name": "r", "namespace": "team-a"}])


def token(length: int) -> PolicyObject:
    return PolicyObject("random:index/randomBytes:RandomBytes", "urn::tok", {"length": length})


def deploy_key(read_only: bool, repo: str = "apps") -> PolicyObject:
    return PolicyObject("github:index/repositoryDeployKey:RepositoryDeployKey", "urn::key",
                        {"readOnly": read_only, "repository": repo})


PROD = Context(production=True)
DEV = Context()
CASES: dict[str, tuple[list[PolicyObject], list[PolicyObject], Context]] = {
    # rule: (passing objects, failing objects, context)
    "FF001": ([kust()], [kust(serviceAccountName=None)], DEV),
    "FF002": ([binding("RoleBinding", "admin")], [binding("ClusterRoleBinding", "view")], DEV),
    "FF003": ([binding("RoleBinding", "admin")], [binding("RoleBinding", "cluster-admin")], DEV),
    "FF004": ([kust(sourceRef={"kind": "GitRepository", "name": "a", "namespace": "team-a"})],
              [kust(sourceRef={"kind": "GitRepository", "name": "a", "namespace": "flux-system"})], DEV),
    "FF005": ([release("1.2.3")], [release(">=1.0.0")], DEV),
    "FF006": ([release("1.2.3")], [release("1.2")], PROD),
    "FF007": ([k8s("GitRepository", G_SRC, "flux-system", "s", {"interval": "1m"})],
              [k8s("GitRepository", G_SRC, "flux-system", "s", {"interval": "30s"})], DEV),
    "FF008": ([kust(interval="1m", timeout="1m")], [kust(interval="45s", timeout="30s")], DEV),
    "FF009": ([kust()], [kust(timeout="10m")], DEV),
    "FF010": ([kust(name="a"), kust(name="b", dependsOn=[{"name": "a"}])],
              [kust(name="a", dependsOn=[{"name": "b"}]), kust(name="b", dependsOn=[{"name": "a"}])], DEV),
    "FF011": ([k8s("Receiver", "notification.toolkit.fluxcd.io/v1", "flux-system", "r",
                   {"type": "github", "secretRef": {"name": "t"}})],
              [k8s("Receiver", "notification.toolkit.fluxcd.io/v1", "flux-system", "r",
                   {"type": "generic", "secretRef": {"name": "t"}})], DEV),
    "FF012": ([token(32)], [token(16)], DEV),
    "FF013": ([deploy_key(True), deploy_key(False, "fleet")], [deploy_key(False, "apps")],
              Context(writable_repositories=frozenset({"fleet"}))),
    "FF014": ([], [], PROD),  # context-only rule: see the dedicated test below
    "FF015": ([kust(ns="flux-system", name="x")],
              [kust(ns="flux-system", name="x"),
               *objects_from_rendered([dict(kust(ns="flux-system", name="x").props)])], DEV),
    "FF016": ([PolicyObject("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "k", {
        "metadata": {"name": "k", "namespace": "flux-system", "annotations": {
            "fluxform.io/suspended-by": "ops", "fluxform.io/suspend-reason": "incident"}},
        "spec": {"suspend": True}})],
              [kust(ns="flux-system", suspend=True)], DEV),
    "FF017": ([k8s("GitRepository", G_SRC, "flux-system", "s", {"interval": "5m", "verify": {"mode": "HEAD"}})],
              [k8s("GitRepository", G_SRC, "flux-system", "s", {"interval": "5m"})], PROD),
    "FF018": ([k8s("HelmRepository", G_SRC, "flux-system", "h", {"interval": "1h", "type": "oci"})],
              [k8s("HelmRepository", G_SRC, "flux-system", "h", {"interval": "1h", "url": "https://x"})], PROD),
    "FF019": ([kust()], [k8s("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2", "team-a", "k", {})], DEV),
}


def ids(findings: list[Any], rule: str) -> list[Any]:
    return [f for f in findings if f.rule_id == rule]


@pytest.mark.parametrize("rule", sorted(r.id for r in RULES if r.id != "FF014"))
@pytest.mark.parametrize("outcome", ["pass", "fail"])
def test_rule(rule: str, outcome: str) -> None:
    good, bad, ctx = CASES[rule]
    found = ids(evaluate(copy.deepcopy(good if outcome == "pass" else bad), ctx), rule)
    if outcome == "pass":
        assert found == []
    else:
        assert found, f"{rule} did not fire"
        assert all(f.message and f.hint and f.subject for f in found)


@pytest.mark.parametrize("push_branch, production, fires", [
    ("image-updates", True, False), (None, True, True), ("main", True, True), (None, False, False),
], ids=["separate-branch", "prod-default-branch", "prod-same-branch", "dev"])
def test_image_automation_branch_FF014(push_branch: str | None, production: bool, fires: bool) -> None:
    ctx = Context(production=production, image_automation=(ImageAutomation("fleet", "main", push_branch),))
    assert bool(ids(evaluate([], ctx), "FF014")) is fires


def test_every_rule_has_a_case() -> None:
    assert {r.id for r in RULES} == set(CASES)
    assert len({r.id for r in RULES}) == len(RULES)


def test_severities_are_per_stack() -> None:
    bad = [release("1.2")]
    assert ids(evaluate(bad, DEV), "FF006")[0].severity == "warning"
    assert ids(evaluate(bad, PROD), "FF006")[0].severity == "error"
    assert ids(evaluate(bad, Context(production=True, severities={"FF006": "off"})), "FF006") == []
    assert ids(evaluate(bad, Context(severities={"FF006": "error"})), "FF006")[0].severity == "error"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_example_stacks_pass_cleanly(stack: str) -> None:
    spec = load_spec(ROOT / "stacks" / f"{stack}.yaml")
    assert check_stack(spec, capture_stack(ROOT, stack)) == []
