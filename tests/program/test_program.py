"""The Pulumi program and its components under the recording mock engine."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from conftest import ROOT, assert_golden

from components import Tenant
from components.bootstrap import flux_chart_values
from fluxform.capture import capture
from fluxform.crds import validate_object
from fluxform.errors import ConfigError
from fluxform.graph import Graph, Resource, is_secret, is_unknown
from fluxform.manifests import bootstrap_objects, gitops_objects
from fluxform.program import StackSettings, build
from fluxform.spec import load_spec
from fluxform.spec.model import Spec
from fluxform.stackrun import capture_stack

GOLDEN = Path(__file__).parent / "golden"
SECRET_CFG = {"fluxform:slackWebhookUrl": "placeholder", "fluxform:sopsAgeKey": "placeholder-age", "fluxform:teamASopsKey": "placeholder-age-a"}
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
FLUX_GROUPS = ("source.toolkit", "kustomize.toolkit", "helm.toolkit", "notification.toolkit", "image.toolkit")


def spec_of(stack: str) -> Spec:
    return load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")


def run(spec: Spec, stack: str = "dev", settings: StackSettings | None = None) -> Graph:
    settings = settings or StackSettings(spec.cluster.context, None, "acme")
    return capture(lambda: build(spec, settings), project="fluxform", stack=stack,
                   config=SECRET_CFG, secret_keys=list(SECRET_CFG))


def listing(graph: Graph) -> str:
    def row(r: Resource) -> str:
        meta = r.inputs.get("metadata") if isinstance(r.inputs.get("metadata"), dict) else {}
        parent = (r.parent or "-").split("::")[-1]
        return f"{r.type} {r.name} ns={meta.get('namespace', '-')} parent={parent}"
    return "\n".join(sorted(row(r) for r in graph)) + "\n"


def flux_resources(graph: Graph) -> list[Resource]:
    return [r for r in graph if r.type.split(":")[1].startswith(FLUX_GROUPS)]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_resources_registered_match_golden(stack: str) -> None:
    graph = capture_stack(ROOT, stack)  # via stacks/__main__.py and Pulumi.<stack>.yaml
    assert_golden(GOLDEN / f"{stack}.txt", listing(graph))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_kubernetes_resource_uses_the_cluster_provider(stack: str) -> None:
    spec = spec_of(stack)
    graph = run(spec, stack)
    k8s_custom = [r for r in graph if r.custom and r.type.startswith("kubernetes:")]
    assert k8s_custom
    for r in k8s_custom:
        assert r.provider and r.provider.endswith(f"pulumi:providers:kubernetes::{spec.cluster.name}"), r.urn
    (provider,) = graph.by_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == spec.cluster.context and "kubeconfig" not in provider.inputs


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_flux_object_validates_against_the_crds(stack: str) -> None:
    graph = run(spec_of(stack), stack)
    objects = [dict(r.inputs) for r in flux_resources(graph)]
    assert len(objects) == len(gitops_objects(spec_of(stack))) + 2
    for obj in objects + gitops_objects(spec_of(stack)) + bootstrap_objects(spec_of(stack)):
        assert validate_object(obj) == [], obj["metadata"]


def test_crd_validation_catches_mistakes() -> None:
    obj = bootstrap_objects(spec_of("dev"))[1]
    broken = {**obj, "spec": {**obj["spec"], "pruen": True}}
    assert validate_object(broken)
    old = {**obj, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2"}
    assert validate_object(old) == ["apiVersion: kustomize.toolkit.fluxcd.io/v1beta2 is deprecated in Flux 2.7.5 (hint: use kustomize.toolkit.fluxcd.io/v1)"]
    older = {**obj, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta1"}
    assert validate_object(older) == ["apiVersion: kustomize.toolkit.fluxcd.io/v1beta1 is not a Kustomization API version Flux 2.7.5 serves"]


def by_component(graph: Graph, type_: str) -> dict[str, Resource]:
    """The resources of a type keyed by their DeployKey component's name (one per component:
    a key resource's own name carries its generation, `<component>-key-<generation>`)."""
    out: dict[str, Resource] = {}
    for r in graph.by_type(type_):
        component = (r.parent or "").rsplit("::", 1)[-1]
        assert component not in out, r.urn
        out[component] = r
    return out


def test_deploy_keys_are_read_only_unless_image_automation_writes() -> None:
    dev = {k: r.inputs for k, r in by_component(run(spec_of("dev")), DEPLOY_KEY).items()}
    assert dev["flux-fleet-key"]["readOnly"] is False  # dev fleet has image automation
    assert dev["tenant-team-a-key"]["readOnly"] is True
    prod = run(spec_of("prod"), "prod").by_type("github:index/repositoryDeployKey:RepositoryDeployKey")
    assert prod and all(r.inputs["readOnly"] is True for r in prod)
    titles = [r.inputs["title"] for r in prod]
    assert len(set(titles)) == len(titles) and all("prod-eu-1" in t for t in titles)


def test_deploy_key_algorithms() -> None:
    keys = by_component(run(spec_of("prod"), "prod"), PRIVATE_KEY)
    assert keys["flux-fleet-key"].inputs == {"algorithm": "ECDSA", "ecdsaCurve": "P384"}
    dev = by_component(run(spec_of("dev")), PRIVATE_KEY)
    assert dev["flux-fleet-key"].inputs == {"algorithm": "ED25519"}


def test_tenants_are_least_privilege() -> None:
    graph = run(spec_of("prod"), "prod")
    assert not graph.by_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    bindings = {r.inputs["metadata"]["namespace"]: r.inputs
                for r in graph.by_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")}
    assert bindings["team-a"]["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                             "kind": "ClusterRole", "name": "admin"}
    assert bindings["team-b"]["roleRef"]["name"] == "edit"
    assert bindings["team-a"]["subjects"] == [{"kind": "ServiceAccount", "name": "flux-reconciler",
                                               "namespace": "team-a"}]
    tenant_kust = [r.inputs for r in graph.by_type("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization")
                   if r.inputs["metadata"]["namespace"] != "flux-system"]
    assert len(tenant_kust) == 2
    for k in tenant_kust:
        ns = k["metadata"]["namespace"]
        assert k["spec"]["serviceAccountName"] == "flux-reconciler"
        assert k["spec"]["targetNamespace"] == ns and k["spec"]["prune"] is True
        assert k["spec"]["dependsOn"] == [{"name": "infra-configs", "namespace": "flux-system"}]
    namespaces = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]
                  for r in graph.by_type("kubernetes:core/v1:Namespace")}
    assert namespaces["team-a"]["toolkit.fluxcd.io/tenant"] == "team-a"
    assert namespaces["flux-system"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_flux_install_is_pinned_with_lockdown_flags() -> None:
    (release,) = run(spec_of("prod"), "prod").by_type("kubernetes:helm.sh/v3:Release")
    assert release.inputs["chart"] == "flux2" and release.inputs["version"] == "2.17.2"
    values = release.inputs["values"]
    assert values["kustomizeController"]["container"]["additionalArgs"] == [
        "--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=default"]
    assert "--default-service-account=default" in values["helmController"]["container"]["additionalArgs"]
    assert values["imageAutomationController"] == {"create": False}


def test_lockdown_off_and_image_automation_on() -> None:
    values = flux_chart_values(image_automation=True, network_policy=False, lockdown=False)
    assert "container" not in values.get("kustomizeController", {})
    assert values["imageAutomationController"] == {"create": True}
    assert values["policies"] == {"create": False}
    locked = flux_chart_values(image_automation=True, network_policy=True, lockdown=True)
    assert locked["imageAutomationController"]["container"]["additionalArgs"] == ["--no-cross-namespace-refs=true"]


def test_secrets_are_secret_and_tokens_are_32_bytes() -> None:
    graph = run(spec_of("dev"))
    for secret in graph.by_type("kubernetes:core/v1:Secret"):
        data = secret.inputs["stringData"]
        assert is_secret(data) or all(is_secret(v) for v in data.values()), secret.name
    (token,) = graph.by_type("random:index/randomBytes:RandomBytes")
    assert token.inputs["length"] >= 32
    assert "placeholder" not in graph.to_json()
    (receiver,) = [r for r in flux_resources(graph) if r.inputs["kind"] == "Receiver"]
    assert receiver.inputs["spec"]["secretRef"] == {"name": "fleet-push-token"}


def test_public_key_is_known_only_after_apply() -> None:
    graph = run(spec_of("dev"))
    key = by_component(graph, DEPLOY_KEY)["flux-fleet-key"]
    assert is_unknown(key.inputs["key"])


def test_git_delivery_registers_no_gitops_objects() -> None:
    spec = spec_of("prod")
    git = dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery="git"))
    objects = [r.inputs for r in flux_resources(run(git, "prod"))]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects) == [
        ("GitRepository", "flux-system"), ("Kustomization", "flux-system")]


@pytest.mark.parametrize("settings, message", [
    (StackSettings("kind-other", None, "acme"), "cluster.context is 'prod-eu-1-admin' but the stack's fluxform:kubeContext is 'kind-other'"),
    (StackSettings(None, None, "acme"), "set exactly one of fluxform:kubeContext or fluxform:kubeconfig"),
    (StackSettings("prod-eu-1-admin", None, "other-org"), "repository owner 'acme' differs"),
], ids=["wrong-context", "no-context", "foreign-owner"])
def test_interlock_refuses_a_stack_meant_for_another_cluster(settings: StackSettings, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(spec_of("prod"), "prod", settings)


def test_tenant_component_is_usable_on_its_own() -> None:
    def program() -> None:
        provider = k8s.Provider("team-cluster", context="team")
        Tenant("payments", {
            "namespace": "payments", "cluster_name": "c1", "repository": "payments-apps",
            "path": "./deploy", "cluster_role": "edit", "service_account": "reconciler",
            "secret_name": "git", "deploy_key_algorithm": "ed25519", "deploy_key_rotation": "1",
            "writable": False, "quota": {"pods": "10"},
        }, opts=pulumi.ResourceOptions(providers=[provider]))

    graph = capture(program, project="p", stack="s")
    children: dict[str, Any] = {r.name: r for r in graph}
    tenant_urn = children["payments"].urn
    assert children["payments-namespace"].parent == tenant_urn
    assert children["payments-key"].parent == tenant_urn
    assert children["payments-quota"].inputs["spec"] == {"hard": {"pods": "10"}}
    assert not flux_resources(graph)  # no Flux objects unless given


def test_cluster_admin_is_refused() -> None:
    def program() -> None:
        Tenant("t", {"namespace": "t", "cluster_name": "c", "repository": "r", "path": ".",
                     "cluster_role": "cluster-admin", "service_account": "s", "secret_name": "g",
                     "deploy_key_algorithm": "ed25519", "deploy_key_rotation": "1", "writable": False})

    with pytest.raises(Exception, match="cluster-admin"):
        capture(program, project="p", stack="s")
