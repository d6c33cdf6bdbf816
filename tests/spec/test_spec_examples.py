"""The example stacks load into the Spec the rest of fluxform expects, the same every time,
and the field table agrees with the model's dataclasses (names and defaults)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from fluxform.spec import load_spec, load_spec_text, model
from fluxform.spec.fields import (
    LAYER,
    NETWORK_POLICY,
    PROVIDER,
    RELEASE,
    REPOSITORY,
    SOURCE,
    SPEC,
    SYNC,
    TENANT,
    TENANT_RELEASE,
    TENANT_REPOSITORY,
    TENANT_SOURCE,
)
from fluxform.spec.kinds import Obj

ROOT = Path(__file__).parents[2]
STACKS = {name: ROOT / "stacks" / f"{name}.yaml" for name in ("dev", "prod")}


@pytest.fixture(scope="module")
def dev() -> model.Spec:
    return load_spec(STACKS["dev"], display="stacks/dev.yaml")


@pytest.fixture(scope="module")
def prod() -> model.Spec:
    return load_spec(STACKS["prod"], display="stacks/prod.yaml")


def test_dev_stack(dev: model.Spec) -> None:
    assert dev.source_file == "stacks/dev.yaml"
    assert dev.cluster == model.Cluster(name="dev-kind", environment="dev", context="kind-fluxform-dev")
    assert not dev.is_production
    assert dev.fleet.deploy_key == model.DeployKey(algorithm="ed25519", rotation="2026-11")
    assert dev.fleet.image_automation and dev.fleet.image_automation_branch == "image-updates"
    assert [(layer.name, layer.depends_on) for layer in dev.layers] == [
        ("infra-controllers", ()), ("infra-configs", ("infra-controllers",)),
        ("platform-policies", ("infra-controllers",))]
    assert [(t.name, t.depends_on) for t in dev.tenants] == [
        ("team-a", ("infra-configs",)), ("team-b", ("infra-configs",))]
    configs, policies = dev.layers[1:]
    assert configs.cluster_vars and configs.substitute == (("LOG_LEVEL", "debug"),)
    assert configs.decryption == model.Decryption()
    assert policies.source is not None and policies.source.semver == ">=1.0.0 <2.0.0"
    assert policies.source.verify_signatures and len(policies.source.verify_identities) == 1
    assert policies.health_checks == (model.HealthCheck(kind="Deployment", name="policy-reporter",
                                                        namespace="policy-reporter"),)
    assert dev.cluster_vars == model.ClusterVars(region="local", domain="dev.example.internal",
                                                 ingress_class="nginx")
    assert dev.sops is not None and dev.sops.age_key_config == "sopsAgeKey"
    team_a, team_b = dev.tenants
    assert team_a.decryption == model.Decryption(age_key_config="teamASopsKey")
    assert team_a.patches[0].target == model.PatchTarget(kind="Deployment", name=".*")
    assert team_a.quota == model.Quota(hard=(("pods", "20"), ("requests.cpu", "2"), ("requests.memory", "4Gi")))
    assert team_b.quota is None and team_b.cluster_role == "admin"
    assert team_b.source.branch == "main" and team_b.source.interval == "5m"  # defaults filled in
    (release,) = dev.helm_releases
    assert release.values == {"ingress": {"enabled": False}, "replicaCount": 1}
    assert release.values_json == '{"ingress":{"enabled":false},"replicaCount":1}'
    assert dev.helm_repositories[0].is_oci
    assert dev.notifications.providers == (model.NotificationProvider(
        name="slack", type="slack", channel="#flux-dev", secret_config="slackWebhookUrl"),)
    assert dev.notifications.alerts[0].sources == (
        model.EventSource(kind="Kustomization", name="*"), model.EventSource(kind="HelmRelease", name="*"))
    assert dev.notifications.receivers[0].events == ("ping", "push")
    assert dev.policy.severities == ()


def test_prod_stack(prod: model.Spec) -> None:
    assert prod.is_production and prod.flux.chart_version == "2.17.2"
    assert prod.fleet.verify_signatures and prod.fleet.verify_secret == "fleet-signing-keys"
    ingress, podinfo = prod.helm_releases
    assert ingress.retries == 5 and podinfo.retries == 3
    assert ingress.values == {"controller": {"metrics": {"enabled": True}, "replicaCount": 3}}
    assert podinfo.depends_on == ("ingress-nginx",)
    assert [t.cluster_role for t in prod.tenants] == ["admin", "edit"]
    assert prod.tenants[1].quota == model.Quota(hard=(("pods", "50"),))
    assert prod.policy.severities == (("FF010", "error"),)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_loading_is_deterministic(name: str) -> None:
    first, second = load_spec(STACKS[name]), load_spec(STACKS[name])
    assert first == second and hash(first) == hash(second)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_layout_and_key_order_do_not_matter(name: str) -> None:
    """The same data written differently (flow style, reversed keys) gives an equal Spec."""
    data = yaml.safe_load(STACKS[name].read_text())
    def reverse(value: object) -> object:
        if isinstance(value, dict):
            return {k: reverse(v) for k, v in reversed(value.items())}
        return [reverse(v) for v in value] if isinstance(value, list) else value
    rewritten = yaml.safe_dump(reverse(data), default_flow_style=True, sort_keys=False, width=60)
    assert load_spec_text(rewritten, str(STACKS[name])) == load_spec(STACKS[name])


def test_a_minimal_spec_gets_every_default() -> None:
    spec = load_spec_text("version: 1\ncluster: {name: c, environment: dev, kubeconfig: ./kc}\n"
                          "flux: {chart_version: 2.17.2}\nfleet: {owner: o, repository: r}\n")
    assert spec.fleet == model.GitSource(owner="o", repository="r")
    assert spec.flux == model.Flux(chart_version="2.17.2")
    assert not spec.layers and not spec.tenants and not spec.helm_releases
    assert spec.notifications == model.Notifications() and spec.policy == model.PolicySettings()


def test_yaml_quirks_are_read_as_meant() -> None:
    spec = load_spec_text(
        "version: 1\ncluster: {name: c, environment: dev, context: x}\nflux: {chart_version: '1.0.0'}\n"
        "fleet: {owner: o, repository: r, deploy_key: {rotation: 2026-01-31}}\n"
        "tenants: [{name: t, source: {owner: o, repository: r}, quota: {pods: 10}}]\n"
        "policy: {severities: {FF001: off}}\n")
    assert spec.fleet.deploy_key.rotation == "2026-01-31"   # a date stays its text
    assert spec.tenants[0].quota == model.Quota(hard=(("pods", "10"),))  # an int quantity keeps its digits
    assert spec.policy.severities == (("FF001", "off"),)    # YAML 1.1 reads off as false


# The table's objects and the dataclasses they become: same keys, same defaults.
PAIRS = [(SPEC.fields["cluster"].kind, model.Cluster), (SPEC.fields["flux"].kind, model.Flux),
         (SOURCE, model.GitSource), (LAYER, model.Layer), (REPOSITORY, model.HelmRepository),
         (RELEASE, model.HelmRelease), (TENANT, model.Tenant), (PROVIDER, model.NotificationProvider),
         (TENANT_SOURCE, model.TenantSource), (TENANT_RELEASE, model.TenantHelmRelease),
         (TENANT_REPOSITORY, model.TenantHelmRepository), (NETWORK_POLICY, model.NetworkPolicy),
         (SYNC, model.Sync)]
RENAMED = {"values": "values_json"}
# Filled in by the loader when left out (tier from environment, namespace from the name), and a
# tenant's `helm:` mapping that becomes two fields.
DERIVED = {"tier", "namespace", "owner", "repository"}
SPLIT = {"helm": ("helm_repositories", "helm_releases")}


@pytest.mark.parametrize("table, cls", PAIRS, ids=[cls.__name__ for _, cls in PAIRS])
def test_table_matches_model(table: Obj, cls: type) -> None:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    names = {RENAMED.get(k, k) for k in table.fields if k not in SPLIT}
    names |= {n for k in table.fields if k in SPLIT for n in SPLIT[k]}
    assert names == set(fields)
    for key, spec in table.fields.items():
        if key in SPLIT or (key in DERIVED and spec.default is None):
            continue
        f = fields[RENAMED.get(key, key)]
        if spec.required:
            assert f.default is dataclasses.MISSING, key
        elif f.default is not dataclasses.MISSING and not isinstance(spec.kind, Obj):
            default = spec.default
            if isinstance(default, list | dict):
                default = tuple(default) if f.name != "values_json" else "{}"
            assert default == f.default, key
