"""Pulumi-owned delivery: the cluster-vars ConfigMaps, the decryption Secrets, KMS through the
controller's ServiceAccount, and the tenant ssh-key generations, as the program registers them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from components.bootstrap import flux_chart_values
from fluxform.capture import capture
from fluxform.errors import ConfigError
from fluxform.graph import Graph, Resource, is_secret
from fluxform.program import StackSettings, build
from fluxform.spec import load_spec, load_spec_text
from fluxform.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"fluxform:slackWebhookUrl": "placeholder", "fluxform:sopsAgeKey": "placeholder-age",
           "fluxform:teamASopsKey": "placeholder-age-a"}
CM = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"


def example(stack: str) -> Spec:
    return load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")


def run(spec: Spec, config: dict[str, str] | None = None, secret_keys: list[str] | None = None) -> Graph:
    settings = StackSettings(spec.cluster.context, None, "acme")
    cfg = {**SECRETS, **(config or {})}

    def program() -> None:
        build(spec, settings)

    return capture(program, project="fluxform", stack="dev", config=cfg,
                   secret_keys=secret_keys if secret_keys is not None else list(SECRETS))


def named(graph: Graph, type_: str, name: str) -> Resource:
    (res,) = [r for r in graph if r.type == type_ and r.name == name]
    return res


def test_cluster_vars_configmaps_in_flux_system_and_in_the_tenant_namespace() -> None:
    graph = run(example("dev"))
    flux = named(graph, CM, "flux-cluster-vars")
    team = named(graph, CM, "tenant-team-a-cluster-vars")
    assert flux.inputs["metadata"]["namespace"] == "flux-system"
    assert team.inputs["metadata"]["namespace"] == "team-a"
    assert flux.inputs["data"] == team.inputs["data"] == {
        "CLUSTER_DOMAIN": "dev.example.internal", "CLUSTER_ENVIRONMENT": "dev", "CLUSTER_NAME": "dev-kind",
        "CLUSTER_REGION": "local", "CLUSTER_TIER": "dev", "INGRESS_CLASS": "nginx"}
    assert flux.delete_before_replace and team.delete_before_replace  # same-named: never AlreadyExists
    assert not [r for r in graph if r.type == CM and "team-b" in r.name]  # team-b does not substitute


def test_no_layer_substitutes_no_configmap() -> None:
    spec = example("dev")
    spec = dataclasses.replace(spec, layers=tuple(dataclasses.replace(layer, cluster_vars=False) for layer in spec.layers),
                               tenants=tuple(dataclasses.replace(t, cluster_vars=False) for t in spec.tenants))
    assert not [r for r in run(spec) if r.type == CM]


def _from_config_spec() -> Spec:
    text = (ROOT / "stacks" / "dev.yaml").read_text().replace(
        "  ingress_class: nginx\n", "  ingress_class: nginx\n  from_config:\n    DNS_ZONE_ID: dnsZoneId\n")
    return load_spec_text(text, "stacks/dev.yaml")


def test_from_config_reads_a_plain_value_and_refuses_a_secret_one() -> None:
    graph = run(_from_config_spec(), {"fluxform:dnsZoneId": "Z123"})
    assert named(graph, CM, "flux-cluster-vars").inputs["data"]["DNS_ZONE_ID"] == "Z123"
    with pytest.raises(ConfigError) as info:
        run(_from_config_spec(), {"fluxform:dnsZoneId": "Z123"}, [*SECRETS, "fluxform:dnsZoneId"])
    message = str(info.value)
    assert "cluster_vars.from_config.DNS_ZONE_ID: fluxform:dnsZoneId is a secret" in message
    assert "Z123" not in message


def test_decryption_secrets_hold_the_key_as_a_secret_and_are_labelled() -> None:
    graph = run(example("dev"))
    for name, namespace in (("flux-sops-age", "flux-system"), ("tenant-team-a-sops-age", "team-a")):
        secret = named(graph, SECRET, name)
        meta = secret.inputs["metadata"]
        assert (meta["name"], meta["namespace"]) == ("sops-age", namespace)
        assert meta["labels"]["fluxform.io/purpose"] == "sops-decryption"
        assert is_secret(secret.inputs["stringData"])
        assert secret.delete_before_replace and secret.replacement_trigger is None
    assert not [r for r in graph if r.type == SECRET and "team-b" in r.name and "sops" in r.name]


def test_kms_annotates_the_controller_service_account_and_creates_no_secret() -> None:
    text = (ROOT / "stacks" / "prod.yaml").read_text().replace(
        "  age_key_config: sopsAgeKey\n",
        "  kms_annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::1:role/flux-sops\n")
    graph = run(load_spec_text(text, "stacks/prod.yaml"))
    assert not [r for r in graph if r.type == SECRET and "sops" in r.name]
    release = named(graph, "kubernetes:helm.sh/v3:Release", "flux-flux")
    assert release.inputs["values"]["kustomizeController"]["serviceAccount"] == {
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/flux-sops"}}
    # the lockdown flags survive beside the annotation
    assert "--no-cross-namespace-refs=true" in (
        release.inputs["values"]["kustomizeController"]["container"]["additionalArgs"])
    plain = flux_chart_values(image_automation=False, network_policy=True, lockdown=True)
    assert "serviceAccount" not in plain["kustomizeController"]


SSH_TENANT = """
  - name: team-c
    source:
      type: git
      url: ssh://git@git.example.com/team-c/apps
      known_hosts: "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
      deploy_key:
        rotation: "{rotation}"
"""


def _ssh_graph(rotation: str) -> Graph:
    text = (ROOT / "stacks" / "dev.yaml").read_text().replace(
        "\ncluster_vars:", SSH_TENANT.format(rotation=rotation) + "\ncluster_vars:")
    return run(load_spec_text(text, "stacks/dev.yaml"))


def test_tenant_ssh_key_generations_follow_the_deploy_key_design() -> None:
    before, after = _ssh_graph("1"), _ssh_graph("2")

    def key_and_secret(graph: Graph) -> tuple[Resource, Resource]:
        (key,) = [r for r in graph if r.type == "tls:index/privateKey:PrivateKey" and "team-c" in r.name]
        return key, named(graph, SECRET, "tenant-team-c-key-secret")

    old_key, old_secret = key_and_secret(before)
    new_key, new_secret = key_and_secret(after)
    # A new generation is a new resource (created first, the old one deleted after the update) ...
    assert old_key.name.startswith("tenant-team-c-key-1-") and new_key.name.startswith("tenant-team-c-key-2-")
    assert old_key.urn != new_key.urn
    assert any(alias.endswith("::tenant-team-c-key") for alias in new_key.aliases)
    # ... and the Secret keeps its URN and name, with no trigger, replaced delete-before-replace only.
    assert old_secret.urn == new_secret.urn
    assert new_secret.replacement_trigger is None and new_secret.delete_before_replace
    assert new_key.urn in new_secret.dependencies or new_key.urn in {
        u for deps in new_secret.property_dependencies.values() for u in deps}
