"""Synthetic scenario pairs for the golden plans (tests/plan/golden/synthetic-*.{txt,md,json}).

Each case is (before resources, after resources, findings, markdown character limit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synthetic import (
    ALERT,
    CM,
    DEPLOY,
    DEPLOY_KEY,
    GITREPO,
    HR,
    HR_BETA,
    K8S_PROVIDER,
    KUST,
    NS,
    RB,
    ROLE,
    SA,
    SECRET,
    TLS_KEY,
    k8s,
    obj,
    res,
)

from fluxform.findings import Finding
from fluxform.graph import UNKNOWN, Resource, secret_marker
from fluxform.report.markdown import GITHUB_LIMIT

Case = tuple[list[Resource], list[Resource], list[Finding], int]
OWNER = "fluxform:index:Tenant$fluxform:index:DeployKey"


def operations() -> Case:
    before = [obj(NS, "team-a"), obj(KUST, "apps", "flux-system", spec={"interval": "10m", "path": "./apps"}),
              obj(CM, "legacy", data={"mode": "old"}), obj(NS, "team-b")]
    after = [obj(NS, "team-a"), obj(KUST, "apps", "flux-system", spec={"interval": "5m", "path": "./apps"}),
             obj(SA, "reconciler", "team-a"), obj(NS, "team-b", obj_name="team-blue")]
    findings = [Finding("FF011", "error", after[2].urn, "tenant reconciler has cluster-admin", "bind a namespaced Role"),
                Finding("FF020", "warning", after[1].urn, "interval shorter than 10m")]
    return before, after, findings, GITHUB_LIMIT


def _kust(name: str, ns: str = "team-a", type_: str = KUST, **spec: Any) -> Resource:
    return res(type_, name, k8s(type_, name, ns, spec={"interval": "5m", **spec}))


def _binding(role: str) -> Resource:
    return res(RB, "team-a-admin", k8s(RB, "team-a-admin", "team-a", roleRef={"kind": "ClusterRole", "name": role}))


def risks() -> Case:
    before = [res(DEPLOY_KEY, "fleet-key", {"title": "fleet", "readOnly": True, "key": "ssh-ed25519 AAAA1"}),
              res(TLS_KEY, "fleet-tls", {"algorithm": "ED25519"}, replacement_trigger="2026-01"),
              obj(SECRET, "team-a-creds", "team-a", parents=OWNER, stringData=secret_marker("k1")),
              obj(NS, "team-old"), _kust("prune-me", prune=False), _kust("pause-me"),
              _kust("tenant", serviceAccountName="reconciler"), _binding("view"),
              _kust("downgrade", type_=HR, chart={"spec": {"chart": "podinfo"}}),
              obj(SECRET, "hook-token", "apps", replacement_trigger="1"),
              _kust("pruned-away", prune=True), *_providers("acme"), _sops_key(),
              _kust("moves-to-oci", sourceRef={"kind": "GitRepository", "name": "fleet"}),
              res(OCI_REPO, "charts", k8s(OCI_REPO, "charts", "flux-system",
                                          spec={"verify": {"provider": "cosign"}}))]
    after = [res(DEPLOY_KEY, "fleet-key", {"title": "fleet", "readOnly": True, "key": UNKNOWN}),
             res(TLS_KEY, "fleet-tls", {"algorithm": "ED25519"}, replacement_trigger="2027-01"),
             obj(SECRET, "team-a-creds", "team-a", parents=OWNER, stringData=secret_marker("k2")),
             _kust("prune-me", prune=True), _kust("pause-me", suspend=True), _kust("tenant"),
             _binding("admin"), _kust("downgrade", type_=HR_BETA, chart={"spec": {"chart": "podinfo"}}),
             obj(SECRET, "hook-token", "apps", replacement_trigger="2"), *_providers("other"),
             res(OCI_REPO, "charts", k8s(OCI_REPO, "charts", "flux-system", spec={})),
             _kust("moves-to-oci", sourceRef={"kind": "OCIRepository", "name": "fleet"}),
             res(IMAGE_AUTOMATION, "flux-system", k8s(IMAGE_AUTOMATION, "flux-system", "flux-system"))]
    return before, after, [], GITHUB_LIMIT


OCI_REPO = "kubernetes:source.toolkit.fluxcd.io/v1beta2:OCIRepository"
IMAGE_AUTOMATION = "kubernetes:image.toolkit.fluxcd.io/v1:ImageUpdateAutomation"


def _sops_key() -> Resource:
    """A SOPS decryption key Secret (deleted in the risks case)."""
    return res(SECRET, "sops-age", {
        "apiVersion": "v1", "kind": "Secret", "stringData": secret_marker("age-1"),
        "metadata": {"name": "sops-age", "namespace": "flux-system",
                     "labels": {"fluxform.io/purpose": "sops-decryption"}}})


def _providers(owner: str) -> list[Resource]:
    """A GitHub provider whose owner changes and a deploy key that stays with it."""
    gh = res("pulumi:providers:github", "github", {"owner": owner})
    return [gh, res(DEPLOY_KEY, "tenant-key", {"title": "t", "readOnly": True, "key": "k"},
                    provider=gh.urn)]


def lists() -> Case:
    env = [{"name": "LOG", "value": "info"}, {"name": "MODE", "value": "a"}]
    containers: list[dict[str, Any]] = [{"name": "app", "image": "app:1", "env": env, "ports": [{"name": "http", "containerPort": 8080}]},
                  {"name": "sidecar", "image": "proxy:2"}]
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
             {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]}]
    deps = [{"name": "infra"}, {"name": "crds"}]
    checks = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "a", "namespace": "x"},
              {"apiVersion": "apps/v1", "kind": "Deployment", "name": "b", "namespace": "x"}]
    sources = [{"kind": "Kustomization", "name": "*"}, {"kind": "HelmRelease", "name": "*"}]

    def world(order: int, mode: str, extra_rule: bool) -> list[Resource]:
        cs = [{**c, "env": [{"name": "LOG", "value": "info"}, {"name": "MODE", "value": mode}][::order]}
              if c["name"] == "app" else c for c in containers][::order]
        return [obj(DEPLOY, "web", spec={"template": {"spec": {"containers": cs}}}),
                obj(ROLE, "reader", rules=(rules + ([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
                                                   if extra_rule else []))[::order]),
                obj(KUST, "apps", "flux-system", spec={"dependsOn": deps[::order], "healthChecks": checks[::order]}),
                obj(ALERT, "slack", "flux-system", spec={"eventSources": sources[::order], "eventSeverity": "info"})]
    return world(1, "a", False), world(-1, "b", True), [], GITHUB_LIMIT


def secrets() -> Case:
    provider = res(K8S_PROVIDER, "kind", {"context": "kind-dev", "enableSecretMutable": "true"})
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {n}\n"

    def world(token: str, n: int) -> list[Resource]:
        return [provider,
                obj(SECRET, "webhook", "flux-system", provider=provider.urn, stringData={"address": secret_marker(token)}),
                obj(SECRET, "steady", "flux-system", provider=provider.urn, stringData={"address": secret_marker("same")}),
                obj(KUST, "web", "flux-system", spec={"patches": [{"target": {"kind": "Deployment"}, "patch": patch.format(n=n)}],
                                                      "postBuild": {"substitute": {"token_ref": UNKNOWN if n == 3 else "v1"}}}),
                obj(GITREPO, "fleet", "flux-system", spec={"url": "ssh://git@github.com/acme/fleet", "ref": {"branch": "main"}})]
    created = obj(SECRET, "new-creds", "team-a", provider=provider.urn, stringData={"identity": secret_marker("pk")})
    return world("https://hooks.example/OLD", 2), [*world("https://hooks.example/NEW", 3), created], [], GITHUB_LIMIT


def no_changes() -> Case:
    world = [obj(NS, "team-a"), obj(HR, "podinfo", "team-a", spec={"chart": {"spec": {"version": "6.7.1"}}})]
    return world, world, [Finding("FF020", "warning", world[1].urn, "no remediation retries")], GITHUB_LIMIT


def escaping() -> Case:
    odd = "team_<b>*x*</b>|`y`"
    before = [obj(CM, odd, "apps", data={"script": "echo ```hi```", "x": "1"})]
    after = [obj(CM, odd, "apps", data={"script": "echo ````bye````\n# heading", "x": "1"}),
             obj(NS, "[link](http://example.com)")]
    return before, after, [Finding("FF001", "error", odd, "name has <html> & **markdown**", "rename `it`")], GITHUB_LIMIT


def budget() -> Case:
    before = [obj(CM, f"old-config-{i:03d}") for i in range(120)]
    before += [obj(NS, f"old-team-{i:02d}") for i in range(30)]
    before += [obj(KUST, f"layer-{i:02d}", "flux-system", spec={"interval": "5m", "prune": False}) for i in range(40)]
    after = [obj(KUST, f"layer-{i:02d}", "flux-system", spec={"interval": "1m", "prune": i % 4 == 0}) for i in range(40)]
    return before, after, [], 4000


CASES: dict[str, Callable[[], Case]] = {
    "synthetic-operations": operations,
    "synthetic-risks": risks,
    "synthetic-lists": lists,
    "synthetic-secrets": secrets,
    "synthetic-no-changes": no_changes,
    "synthetic-escaping": escaping,
    "synthetic-budget": budget,
}
