"""Tenant identity, sources, own Helm, timing, hardening, tiers and overlays: the loader, the
objects they produce, the component API under the mock engine, and the hardening rules."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from conftest import ROOT

from components import Tenant
from fluxform import manifests
from fluxform.capture import capture
from fluxform.errors import SpecError
from fluxform.policy.convert import objects_from_graph
from fluxform.policy.model import Context
from fluxform.policy.tenancy import container_defaults, network_isolation, pod_security, pod_security_level
from fluxform.spec import load_spec, load_spec_text

HEAD = """\
version: 1
cluster: {name: c1, environment: ENV, context: ctx}
flux: {chart_version: "2.17.2"}
fleet: {owner: acme, repository: fleet, path: ./clusters/c1}
layers: [{name: infra, path: ./infra}]
"""


def spec_with(tenant: str, env: str = "dev", extra: str = "") -> Any:
    return load_spec_text(HEAD.replace("ENV", env) + extra + "tenants:\n" + textwrap.indent(
        textwrap.dedent(tenant), "  "), "s.yaml")


def error_of(tenant: str, env: str = "dev", extra: str = "") -> str:
    with pytest.raises(SpecError) as info:
        spec_with(tenant, env, extra)
    return str(info.value)


def by_kind(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objs}


# --- identity, sources, Helm, timing ----------------------------------------------------------

def test_identity_is_name_namespace_and_service_account_separately() -> None:
    spec = spec_with("""\
        - name: dev-team
          namespace: apps
          service_account: dev-team
          source: {type: git, url: "https://github.com/fluxcd/flux2-multi-tenancy", branch: dev-team}
        """)
    objs = by_kind(manifests.tenant_objects(spec, spec.tenants[0]))
    k = objs["Kustomization"]
    assert (k["metadata"]["name"], k["metadata"]["namespace"]) == ("dev-team", "apps")
    assert (k["spec"]["serviceAccountName"], k["spec"]["targetNamespace"]) == ("dev-team", "apps")
    repo = objs["GitRepository"]["spec"]
    assert "secretRef" not in repo and repo["url"] == "https://github.com/fluxcd/flux2-multi-tenancy"


def test_timing_is_separate_with_the_seeds_defaults() -> None:
    spec = spec_with("- {name: t, source: {owner: acme, repository: apps, interval: 2m}}\n")
    objs = by_kind(manifests.tenant_objects(spec, spec.tenants[0]))
    assert objs["GitRepository"]["spec"]["interval"] == "2m"
    k = objs["Kustomization"]["spec"]
    assert (k["interval"], k["retryInterval"], k["timeout"], k["wait"]) == ("5m", "1m", "3m", True)
    spec = spec_with("- {name: t, source: {owner: acme, repository: apps}, interval: 30m, retry_interval: 2m,"
                     " timeout: 10m, wait: false}\n",
                     extra="sync: {interval: 1h, retry_interval: 5m, timeout: 20m, wait: false}\n")
    k = by_kind(manifests.tenant_objects(spec, spec.tenants[0]))["Kustomization"]["spec"]
    assert (k["interval"], k["retryInterval"], k["timeout"], k["wait"]) == ("30m", "2m", "10m", False)
    root = by_kind(manifests.bootstrap_objects(spec))["Kustomization"]["spec"]
    assert (root["interval"], root["retryInterval"], root["timeout"], root["wait"]) == ("1h", "5m", "20m", False)


def test_other_git_host_over_ssh_pins_its_host_keys_and_oci_verifies_with_cosign() -> None:
    spec = spec_with("""\
        - name: a
          source: {type: git, url: "ssh://git@git.example.com/team/apps", known_hosts: "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}
        - name: b
          source:
            type: oci
            url: oci://ghcr.io/acme/manifests
            tag: v1.2.3
            verify_signatures: true
            verify_identities: [{issuer: "^https://token.actions.githubusercontent.com$", subject: "^https://github.com/acme/.*$"}]
        - name: c
          source: {type: git, url: "https://gitlab.example.com/team/apps", secret_ref: team-git-auth}
        """)
    a, b, c = spec.tenants
    assert a.source.generates_key and not a.source.registers_deploy_key
    assert by_kind(manifests.tenant_objects(spec, a))["GitRepository"]["spec"]["secretRef"] == {
        "name": "flux-git-credentials"}
    oci = by_kind(manifests.tenant_objects(spec, b))
    assert oci["OCIRepository"]["spec"]["ref"] == {"tag": "v1.2.3"}
    assert oci["OCIRepository"]["spec"]["verify"]["provider"] == "cosign"
    assert oci["OCIRepository"]["spec"]["verify"]["matchOIDCIdentity"][0]["subject"] == "^https://github.com/acme/.*$"
    assert oci["Kustomization"]["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "b"}
    assert not c.source.generates_key
    assert by_kind(manifests.tenant_objects(spec, c))["GitRepository"]["spec"]["secretRef"] == {"name": "team-git-auth"}


def test_tenant_helm_runs_in_the_tenant_namespace_as_its_account() -> None:
    spec = spec_with("""\
        - name: t
          namespace: apps
          service_account: t-sa
          source: {owner: acme, repository: apps}
          helm:
            repositories: [{name: charts, url: "oci://ghcr.io/acme/charts"}]
            releases: [{name: web, repository: charts, chart: web, version: "1.2.3"}]
        """)
    objs = by_kind(manifests.tenant_objects(spec, spec.tenants[0]))
    release = objs["HelmRelease"]
    assert release["metadata"]["namespace"] == objs["HelmRepository"]["metadata"]["namespace"] == "apps"
    assert release["spec"]["serviceAccountName"] == "t-sa"
    assert "targetNamespace" not in release["spec"]


@pytest.mark.parametrize(("tenant", "message"), [
    ("- {name: t, source: {type: git, url: 'ssh://git@git.example.com/x'}}\n",
     "s.yaml:7: tenants[0].source: an ssh:// source needs 'known_hosts' (or secret_ref)"),
    ("- {name: t, source: {type: oci, url: 'oci://ghcr.io/x', tag: a, digest: b}}\n",
     "s.yaml:7: tenants[0].source.digest"),
    ("- {name: t, source: {type: oci, url: 'oci://ghcr.io/x', branch: main}}\n",
     "s.yaml:7: tenants[0].source.branch: does not apply to type oci"),
    ("- {name: t, source: {type: oci, url: 'oci://ghcr.io/x', tag: a, verify_secret: keys}}\n",
     "s.yaml:7: tenants[0].source.verify_secret: needs 'verify_signatures: true' too"),
    ("- {name: t, source: {type: oci, url: 'oci://ghcr.io/x', tag: a, verify_signatures: true, verify_provider: "
     "notation, verify_secret: k, verify_identities: [{issuer: '^a$', subject: '^b$'}]}}\n",
     "s.yaml:7: tenants[0].source.verify_identities: does not apply to notation"),
    ("- {name: t, source: {owner: acme, repository: a}, helm: {repositories: [{name: p, url: 'oci://r.example.com/c', "
     "chart_ref: true, provider: aws}]}}\n",
     "s.yaml:7: tenants[0].helm.repositories[0].provider: a tenant's registry takes provider generic only"),
    ("- {name: t, source: {owner: acme, repository: a}, helm: {repositories: [{name: p, url: 'oci://r.example.com/c', "
     "chart_ref: true}], releases: [{name: w, repository: p, chart: w, version: '6.7.1+build.1'}]}}\n",
     "s.yaml:7: tenants[0].helm.releases[0].version: build metadata ('+') cannot be an OCI tag"),
    ("- {name: t, source: {type: git}}\n", "s.yaml:7: tenants[0].source: type git needs 'url'"),
    ("- {name: t, source: {owner: acme}}\n", "s.yaml:7: tenants[0].source: type github needs 'repository'"),
    ("- {name: t, cluster_role: cluster-admin, source: {owner: acme, repository: a}}\n",
     "s.yaml:7: tenants[0].cluster_role: 'cluster-admin' is not allowed here"),
    ("- {name: t, source: {owner: acme, repository: a}, helm: {releases: [{name: r, repository: nope, chart: c, version: '1.0.0'}]}}\n",
     "s.yaml:7: tenants[0].helm.releases[0].repository: unknown repository 'nope'"),
    ("- {name: a, namespace: apps, source: {owner: acme, repository: a}}\n- {name: b, namespace: apps, source: {owner: acme, repository: b}}\n",
     "s.yaml:8: tenants[1].namespace: namespace 'apps' already belongs to tenant 'a'"),
    ("- {name: t, pod_security: privilegd, source: {owner: acme, repository: a}}\n",
     "did you mean 'privileged'?"),
])
def test_tenant_errors_are_one_line_with_the_line(tenant: str, message: str) -> None:
    text = error_of(tenant)
    assert message in text and "\n" not in text


# --- tiers ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "tier"), [("prod", "production"), ("production", "production"),
                                           ("staging", "staging"), ("dev", "dev"), ("qa", "dev")])
def test_environment_names_its_tier(env: str, tier: str) -> None:
    assert spec_with("- {name: t, source: {owner: acme, repository: a}}\n", env).cluster.tier == tier


def test_a_misspelt_production_is_an_error_not_dev() -> None:
    assert "cluster.environment: 'prodution' looks like 'production'" in error_of(
        "- {name: t, source: {owner: acme, repository: a}}\n", "prodution")
    with pytest.raises(SpecError, match="did you mean 'production'"):
        load_spec_text(HEAD.replace("environment: ENV", "environment: eu-1, tier: producton"), "s.yaml")
    with pytest.raises(SpecError, match="contradicts environment 'prod'"):
        load_spec_text(HEAD.replace("environment: ENV", "environment: prod, tier: dev"), "s.yaml")


# --- overlays ---------------------------------------------------------------------------------

def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text))
    return path


BASE = HEAD.replace("ENV", "dev") + """\
tenants:
  - {name: a, source: {owner: acme, repository: a}}
  - {name: b, source: {owner: acme, repository: b}, quota: {pods: "5"}}
"""


def test_overlay_merges_by_name_removes_and_adds(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    over = write(tmp_path, "env.yaml", """\
        extends: base.yaml
        cluster: {name: c2}
        tenants:
          - {name: a, $remove: true}
          - name: b
            source: {path: ./b}
          - {name: c, source: {owner: acme, repository: c}}
        """)
    spec = load_spec(over)
    assert spec.cluster.name == "c2" and spec.cluster.context == "ctx"
    assert [t.name for t in spec.tenants] == ["b", "c"]
    assert spec.tenants[0].source.path == "./b" and spec.tenants[0].source.repository == "b"
    assert spec.tenants[0].quota is not None


def test_overlay_errors_name_the_file_the_value_came_from(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE.replace("repository: b}", "repository: b, interval: 5}"))
    over = write(tmp_path, "env.yaml", "extends: base.yaml\ncluster: {name: c2}\nlayers:\n  - {name: infra, interval: 1}\n")
    with pytest.raises(SpecError) as info:
        load_spec(over, display="env.yaml")
    assert str(info.value).startswith("env.yaml:4: layers[0].interval: expected a duration")
    over.write_text("extends: base.yaml\ncluster: {name: c2}\n")
    with pytest.raises(SpecError) as info:
        load_spec(over, display="env.yaml")
    assert str(info.value).startswith("base.yaml:8: tenants[1].source.interval")


@pytest.mark.parametrize(("files", "message"), [
    ({"env.yaml": "extends: missing.yaml\n"}, "env.yaml:1: extends: no such base file 'missing.yaml'"),
    ({"env.yaml": "extends: a.yaml\n", "a.yaml": "extends: env.yaml\n"},
     "a.yaml:1: extends: extends cycle: env.yaml -> a.yaml -> env.yaml"),
    ({"env.yaml": "extends: a.yaml\ntenants: [{name: zz, $remove: true}]\n", "a.yaml": BASE},
     "env.yaml:2: tenants[0][\"$remove\"]: nothing to remove: the base has no entry 'zz'"),
])
def test_overlay_problems_are_one_line(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "env.yaml", display="env.yaml")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


# --- the component API under the mock engine --------------------------------------------------

def test_a_complete_tenant_from_components_in_a_few_lines() -> None:
    def program() -> None:
        k8s_provider = k8s.Provider("cluster", context="kind-dev")
        Tenant("dev-team", {
            "namespace": "apps", "service_account": "dev-team", "quota": {"requests.cpu": "4"},
            "sync": {"url": "https://github.com/fluxcd/flux2-multi-tenancy", "branch": "dev-team",
                     "path": "./staging"},
        }, opts=pulumi.ResourceOptions(providers=[k8s_provider]))

    graph = capture(program, project="p", stack="s")
    kinds = sorted(r.type.rsplit(":", 1)[-1] for r in graph if r.custom and "providers" not in r.type)
    assert kinds == ["GitRepository", "Kustomization", "LimitRange", "Namespace", "NetworkPolicy",
                     "ResourceQuota", "RoleBinding", "ServiceAccount"]  # no key, no Secret: public HTTPS
    by_name = {r.name: r for r in graph}
    ns = by_name["dev-team-namespace"].inputs["metadata"]
    assert ns["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert by_name["dev-team-kustomization-apps"].inputs["spec"]["serviceAccountName"] == "dev-team"
    objects = objects_from_graph(graph)
    ctx = Context()
    for rule in (pod_security, pod_security_level, network_isolation, container_defaults):
        assert list(rule(objects, ctx)) == [], rule.__doc__


def test_hardening_rules_fire_on_an_unhardened_tenant() -> None:
    def program() -> None:
        Tenant("t", {"namespace": "t", "pod_security": "baseline", "network_policy": None,
                     "limit_range": None, "quota": {"requests.memory": "1Gi", "limits.cpu": "2"}})

    objects = objects_from_graph(capture(program, project="p", stack="s"))
    ctx = Context()
    assert [m for _, m in pod_security_level(objects, ctx)] == [
        "tenant namespace t enforces Pod Security 'baseline', not 'restricted'"]
    assert len(list(network_isolation(objects, ctx))) == 1
    assert [m for _, m in container_defaults(objects, ctx)] == [
        "ResourceQuota t/tenant-quota constrains limits and requests but no LimitRange gives containers "
        "defaults (pods without them fail admission)"]
    unlabelled = [o for o in objects if o.kind != "Namespace"]
    assert list(pod_security(objects, ctx)) == [] and list(pod_security(unlabelled, ctx)) == []


def test_the_example_stacks_stay_hardened() -> None:
    for env in ("dev", "prod"):
        spec = load_spec(ROOT / "stacks" / f"{env}.yaml")
        for tenant in spec.tenants:
            hardening = manifests.tenant_hardening(tenant)
            assert hardening["pod_security"] == "restricted" and hardening["network_policy"] is not None
            assert (hardening["limit_range"] is not None) == (tenant.quota is not None and any(
                r.startswith(("requests.", "limits.")) for r, _ in tenant.quota.hard))
