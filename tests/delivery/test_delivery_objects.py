"""The Flux objects the delivery features become, in both delivery modes, checked against the
CRDs of the pinned Flux (fluxform.crds.validate_object)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import manifests
from fluxform.crds import validate_object
from fluxform.render import render_tree
from fluxform.spec import load_spec, load_spec_text
from fluxform.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).with_name("test_delivery_spec.py")


def example(stack: str, delivery: str = "pulumi") -> Spec:
    spec = load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")
    return dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery=delivery))  # type: ignore[arg-type]


def good() -> Spec:
    from test_delivery_spec import GOOD  # the spec using every feature

    return load_spec_text(GOOD, "s.yaml")


def by_name(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    return obj


def test_layer_kustomization_carries_every_feature() -> None:
    spec = good()
    objs = manifests.gitops_objects(spec)
    infra = by_name(objs, "Kustomization", "infra")["spec"]
    assert infra["healthChecks"] == [
        {"kind": "Deployment", "name": "web", "namespace": "apps"},
        {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "db"}]
    assert infra["patches"][1] == {"patch": '[{"op": "replace", "path": "/spec/replicas", "value": 3}]',
                                   "target": {"kind": "Deployment", "labelSelector": "app=web"}}
    assert "target" not in infra["patches"][0]
    assert infra["components"] == ["./components/monitoring"]
    assert infra["postBuild"] == {"substitute": {"LOG_LEVEL": "info"},
                                  "substituteFrom": [{"kind": "ConfigMap", "name": "cluster-vars"}]}
    assert infra["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
    assert infra["wait"] is False


def test_an_oci_layer_gets_its_own_verified_source() -> None:
    objs = manifests.gitops_objects(good())
    source = by_name(objs, "OCIRepository", "policies")
    assert source["metadata"]["namespace"] == "flux-system"
    assert source["spec"]["ref"] == {"digest": "sha256:" + "a" * 64}
    assert source["spec"]["verify"] == {"provider": "cosign", "secretRef": {"name": "cosign-keys"}}
    layer = by_name(objs, "Kustomization", "policies")["spec"]
    assert layer["sourceRef"] == {"kind": "OCIRepository", "name": "policies"}
    assert "postBuild" not in layer and "decryption" not in layer


def test_tenant_references_stay_in_its_namespace() -> None:
    spec = good()
    (tenant,) = spec.tenants
    kust = by_name(manifests.tenant_objects(spec, tenant), "Kustomization", "team-a")
    assert kust["metadata"]["namespace"] == "team-a"
    # The ConfigMap and the key are copies in the tenant's namespace: no namespace in either ref.
    assert kust["spec"]["postBuild"] == {"substituteFrom": [{"kind": "ConfigMap", "name": "cluster-vars"}]}
    assert kust["spec"]["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}


def test_kms_decryption_references_no_secret() -> None:
    text = (ROOT / "stacks" / "prod.yaml").read_text()
    text = text.replace("  age_key_config: sopsAgeKey\n",
                        "  kms_annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::1:role/flux-sops\n")
    spec = load_spec_text(text, "stacks/prod.yaml")
    layer = by_name(manifests.gitops_objects(spec), "Kustomization", "infra-configs")
    assert layer["spec"]["decryption"] == {"provider": "sops"}
    assert manifests.cluster_key_secret(spec) is None


def test_cluster_vars_are_the_builtins_plus_the_specs_literals() -> None:
    spec = good()
    assert manifests.cluster_vars(spec) == {
        "CLUSTER_DOMAIN": "example.com", "CLUSTER_ENVIRONMENT": "dev", "CLUSTER_NAME": "c1",
        "CLUSTER_REGION": "eu-west-1", "CLUSTER_TIER": "dev", "TEAM_COUNT": "1"}
    assert manifests.cluster_vars_config(spec) == {"DNS_ZONE": "dnsZone"}
    assert manifests.uses_cluster_vars(spec)


def test_every_object_of_every_example_validates_against_the_crds() -> None:
    for spec in (good(), example("dev"), example("prod")):
        for obj in manifests.bootstrap_objects(spec) + manifests.gitops_objects(spec):
            assert validate_object(obj) == [], (obj["kind"], obj["metadata"]["name"])


def test_render_writes_the_public_recipients_to_sops_yaml_and_the_objects_to_git() -> None:
    for stack in ("dev", "prod"):
        spec = example(stack, "git")
        files = render_tree(spec, f"stacks/{stack}.yaml")
        sops = yaml.safe_load(files[f"clusters/{stack}/.sops.yaml"])
        assert sops == {"creation_rules": [{"path_regex": r"\.ya?ml$", "encrypted_regex": "^(data|stringData)$",
                                            "age": ",".join(spec.sops.age_recipients)}]}  # type: ignore[union-attr]
        assert f"clusters/{stack}/layers/ocirepository-platform-policies.yaml" in files
        assert not any("Secret" in yaml.safe_load(c).get("kind", "") for p, c in files.items()
                       if not p.endswith(".sops.yaml"))
        # Pulumi delivery: still the recipients (sops users need them), no objects.
        pulumi_files = render_tree(example(stack), f"stacks/{stack}.yaml")
        assert sorted(pulumi_files) == [f"clusters/{stack}/.sops.yaml", f"clusters/{stack}/kustomization.yaml"]


def test_no_sops_section_no_sops_yaml() -> None:
    spec = load_spec_text("version: 1\ncluster: {name: c, environment: dev, context: x}\n"
                          "flux: {chart_version: '2.17.2'}\nfleet: {owner: o, repository: r, path: ./c}\n", "s.yaml")
    assert "c/.sops.yaml" not in render_tree(spec, "s.yaml")


_NAME = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
_VAR = st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True)
_CHECK = st.fixed_dictionaries({"kind": st.sampled_from(["Deployment", "HelmRelease", "StatefulSet"]),
                                "name": _NAME}, optional={"namespace": _NAME})
_OP = st.fixed_dictionaries({"op": st.sampled_from(["add", "replace", "remove"]),
                             "path": st.from_regex(r"/spec/[a-z]{1,6}", fullmatch=True)})


@settings(max_examples=40, deadline=None)
@given(checks=st.lists(_CHECK, max_size=3), ops=st.lists(_OP, min_size=1, max_size=3),
       substitute=st.dictionaries(_VAR, st.text(min_size=1, max_size=8).filter(str.isprintable), max_size=3),
       cluster_vars=st.booleans(), decryption=st.booleans(), components=st.lists(_NAME, max_size=2, unique=True))
def test_any_layer_options_give_a_kustomization_flux_accepts(
        checks: list[dict[str, str]], ops: list[dict[str, str]], substitute: dict[str, str],
        cluster_vars: bool, decryption: bool, components: list[str]) -> None:
    layer: dict[str, Any] = {"name": "l", "path": "./l", "wait": not checks, "health_checks": checks,
                             "patches": [{"patch": yaml.safe_dump(ops), "target": {"kind": "Deployment"}}],
                             "components": [f"./{c}" for c in components], "cluster_vars": cluster_vars,
                             "substitute": substitute}
    if decryption:
        layer["decryption"] = {"provider": "sops", "secret_ref": "keys"}
    doc = {"version": 1, "cluster": {"name": "c", "environment": "dev", "context": "x"},
           "flux": {"chart_version": "2.17.2"}, "fleet": {"owner": "o", "repository": "r"},
           "layers": [layer]}
    spec = load_spec_text(yaml.safe_dump(doc), "p.yaml")
    (kust,) = manifests.layer_objects(spec)
    assert validate_object(kust) == []
    assert len(kust["spec"].get("healthChecks", [])) == len(checks)
    assert kust["spec"].get("postBuild", {}).get("substitute", {}) == substitute
    assert ("decryption" in kust["spec"]) == decryption
