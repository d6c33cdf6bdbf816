"""The fleet as an OCI artifact (`fleet.type: oci`): the OCIRepository flux-system and the root
sync on it, no deploy key and no Git credentials, misuse as one line, the production rule
(FF026), and what a plan shows when the fleet moves from Git to OCI."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assert_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from components import FluxBootstrap, FluxObjects
from fluxform import manifests
from fluxform.capture import capture
from fluxform.crds import check_spec, validate_object
from fluxform.diff import compute_plan
from fluxform.errors import SpecError
from fluxform.graph import Graph
from fluxform.policy import check_spec as policy_check
from fluxform.render import render_tree
from fluxform.report import render
from fluxform.spec import load_spec_text
from fluxform.spec.model import Spec

GOLDEN = Path(__file__).with_name("oci_golden")
IDENTITY = ("      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n"
            "        subject: ^https://github\\.com/acme/fleet/\\.github/workflows/push\\.yaml@refs/heads/main$\n")
HEAD = """version: 1
cluster:
  name: air
  environment: prod
  context: kind-air
flux:
  chart_version: "2.17.2"
"""
OCI_FLEET = HEAD + """fleet:
  type: oci
  oci:
    url: oci://registry.internal/acme/fleet
    tag: "2026.01.1"
    verify_signatures: true
    verify_identities:
""" + IDENTITY + """  path: ./clusters/air
  interval: 2m
layers:
  - name: infra
    path: ./infra
tenants:
  - name: team-a
    source:
      type: oci
      url: oci://registry.internal/acme/team-a
      digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
notifications:
  providers:
    - name: slack
      type: slack
      secret_config: slackWebhookUrl
  alerts:
    - name: fleet
      provider: slack
      sources:
        - kind: OCIRepository
          name: flux-system
"""
GIT_FLEET = HEAD + """fleet:
  owner: acme
  repository: fleet
  path: ./clusters/air
  interval: 2m
  verify_signatures: true
  verify_secret: fleet-keys
layers:
  - name: infra
    path: ./infra
"""


def load(text: str) -> Spec:
    return load_spec_text(text, "s.yaml")


def dump(objs: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(objs, sort_keys=True)


def test_root_objects_are_the_oci_repository_and_the_sync_on_it() -> None:
    spec = load(OCI_FLEET)
    root = manifests.bootstrap_objects(spec)
    assert [o["kind"] for o in root] == ["OCIRepository", "Kustomization"]
    assert root[1]["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system"}
    (layer,) = [o for o in manifests.layer_objects(spec) if o["metadata"]["name"] == "infra"]
    assert layer["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system"}
    assert "secretRef" not in root[0]["spec"]  # anonymous pull: no credentials at all
    for obj in root + manifests.gitops_objects(spec):
        assert validate_object(obj) == [], obj["metadata"]["name"]
    assert check_spec(spec)  # the runtime CRD check passes
    assert_golden(GOLDEN / "oci-fleet-objects.yaml", dump(root + manifests.gitops_objects(spec)))


def _boot_and_objects(spec: Spec) -> None:
    """FluxBootstrap and the platform's FluxObjects as the program builds them."""
    boot = FluxBootstrap("flux", {
        "cluster_name": spec.cluster.name, "chart_version": spec.flux.chart_version,
        "chart_repository": spec.flux.chart_repository, "image_automation": False,
        "network_policy": True, "multitenant_lockdown": True,
        "fleet_repository": spec.fleet.repository, "fleet_path": spec.fleet.path,
        "fleet_writable": spec.fleet.image_automation,
        "deploy_key_algorithm": spec.fleet.deploy_key.algorithm,
        "deploy_key_rotation": spec.fleet.deploy_key.rotation,
        "root_objects": manifests.bootstrap_objects(spec)})
    import pulumi

    FluxObjects("platform", manifests.layer_objects(spec) + manifests.helm_objects(spec),
                opts=pulumi.ResourceOptions(depends_on=[boot]))


def graph_of(spec: Spec) -> Graph:
    return capture(lambda: _boot_and_objects(spec), project="fluxform", stack="prod")


def test_pulumi_owned_oci_fleet_has_no_deploy_key_and_no_git_secret() -> None:
    graph = graph_of(load(OCI_FLEET))
    types = {r.type for r in graph}
    assert not {t for t in types if t.startswith(("github:", "tls:"))}
    assert "kubernetes:core/v1:Secret" not in types
    assert "fluxform:index:DeployKey" not in types
    (source,) = [r for r in graph if r.type.endswith(":OCIRepository")]
    assert source.name == "flux-ocirepository-flux-system"
    assert source.inputs["spec"]["verify"]["provider"] == "cosign"
    git = graph_of(load(GIT_FLEET))  # the same builder still gives a Git fleet its key
    assert "fluxform:index:DeployKey" in {r.type for r in git}


def test_moving_the_fleet_from_git_to_oci_shows_in_the_plan() -> None:
    unverified = OCI_FLEET.replace("    verify_signatures: true\n    verify_identities:\n" + IDENTITY, "")
    plan = compute_plan(graph_of(load(GIT_FLEET)), graph_of(load(unverified)))
    codes = {r.code for _, r in plan.risks}
    assert {"R-SOURCE-KIND", "R-DEPLOY-KEY", "R-OCI-VERIFY-OFF"} <= codes
    assert_golden(GOLDEN / "git-to-oci.txt", render(plan, "text"))


def test_rendered_tree_for_git_delivery() -> None:
    spec = load(OCI_FLEET.replace("  chart_version: \"2.17.2\"\n", "  chart_version: \"2.17.2\"\n  delivery: git\n"))
    tree = render_tree(spec, "stacks/air.yaml")
    text = "".join(f"=== {path}\n{body.decode()}" for path, body in tree.items())
    # The root sync and the fleet's source stay Pulumi's: no rendered object has their identity.
    docs = [d for body in tree.values() for d in yaml.safe_load_all(body) if isinstance(d, dict)]
    identities = {(d.get("kind"), d.get("metadata", {}).get("namespace"), d.get("metadata", {}).get("name"))
                  for d in docs}
    assert not identities & {("Kustomization", "flux-system", "flux-system"),
                             ("OCIRepository", "flux-system", "flux-system")}
    assert len(docs) > 3
    assert_golden(GOLDEN / "oci-fleet-tree.txt", text)


def test_production_oci_fleet_must_verify() -> None:
    unverified = load(OCI_FLEET.replace("    verify_signatures: true\n    verify_identities:\n" + IDENTITY, ""))
    findings = policy_check(unverified, graph_of(unverified))
    assert [f.rule_id for f in findings if "OCIRepository flux-system/flux-system" in f.message] == ["FF026"]
    verified = load(OCI_FLEET)
    assert not [f for f in policy_check(verified, graph_of(verified))
                if "flux-system/flux-system" in f.message and f.rule_id == "FF026"]


MISUSES = [
    ("no-oci", lambda t: t.replace("  type: oci\n  oci:\n", "  type: oci\n  unused:\n"),
     "s.yaml:10: fleet.unused: unknown key"),
    ("owner-on-oci", lambda t: t.replace("  type: oci\n", "  type: oci\n  owner: acme\n", 1),
     "s.yaml:10: fleet.owner: does not apply to type oci"),
    ("automation-on-oci", lambda t: t.replace("  type: oci\n", "  type: oci\n  image_automation: true\n", 1),
     "s.yaml:10: fleet.image_automation: does not apply to type oci"),
    ("deploy-key-on-oci", lambda t: t.replace("  type: oci\n", "  type: oci\n  deploy_key: {rotation: '2'}\n", 1),
     "s.yaml:10: fleet.deploy_key: does not apply to type oci"),
    ("https-url", lambda t: t.replace("oci://registry.internal/acme/fleet", "https://registry.internal/f"),
     "s.yaml:11: fleet.oci.url: an oci fleet needs an oci:// url"),
    ("two-refs", lambda t: t.replace('    tag: "2026.01.1"\n', '    tag: "2026.01.1"\n    semver: ">=1.0.0"\n'),
     "s.yaml:13: fleet.oci.semver: set exactly one of tag, semver or digest"),
    ("no-ref", lambda t: t.replace('    tag: "2026.01.1"\n', ""),
     "s.yaml:10: fleet.oci: set exactly one of tag, semver or digest"),
    ("verify-nothing", lambda t: t.replace("    verify_identities:\n" + IDENTITY, ""),
     "s.yaml:13: fleet.oci.verify_signatures: needs 'verify_secret' or 'verify_identities'"),
    ("cloud-and-secret", lambda t: t.replace('    tag: "2026.01.1"\n',
                                             '    tag: "2026.01.1"\n    provider: aws\n    secret_ref: pull\n'),
     "s.yaml:14: fleet.oci.secret_ref: does not apply with provider aws"),
    ("alert-on-git-root", lambda t: t.replace("        - kind: OCIRepository\n", "        - kind: GitRepository\n"),
     "s.yaml:37: notifications.alerts[0].sources[0].kind: the fleet source flux-system is an OCIRepository"),
    ("github-without-owner", lambda t: t.replace("  type: oci\n  oci:\n", "  type: github\n  oci:\n"),
     "s.yaml:10: fleet.oci: does not apply to type github"),
]


@pytest.mark.parametrize("edit, expected", [(e, x) for _, e, x in MISUSES], ids=[i for i, _, _ in MISUSES])
def test_misuse_is_one_line_with_file_line_and_field(edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as info:
        load(edit(OCI_FLEET))
    message = str(info.value)
    assert message.startswith(expected + " (hint: ") or message == expected, message
    assert "\n" not in message


def test_image_automation_needs_a_git_fleet() -> None:
    text = OCI_FLEET.replace('  chart_version: "2.17.2"\n', '  chart_version: "2.17.2"\n  image_automation: true\n')
    text += "image_automation:\n  repositories:\n    - name: web\n      image: ghcr.io/acme/web\n"
    with pytest.raises(SpecError) as info:
        load(text)
    assert str(info.value).startswith("s.yaml:40: image_automation: needs a Git fleet repository to push to")


REFS = st.sampled_from([("tag", "v1.2.3"), ("semver", ">=1.0.0 <2.0.0"),
                        ("digest", "sha256:" + "ab" * 32)])


@settings(max_examples=40, deadline=None)
@given(ref=REFS, provider=st.sampled_from(["generic", "aws", "azure", "gcp"]),
       keyless=st.booleans(), verify=st.booleans(), interval=st.sampled_from(["1m", "5m", "1h"]))
def test_every_valid_oci_fleet_passes_the_crds_and_needs_no_credentials(
        ref: tuple[str, str], provider: str, keyless: bool, verify: bool, interval: str) -> None:
    lines = ["    url: oci://registry.internal/acme/fleet\n", f"    {ref[0]}: '{ref[1]}'\n",
             f"    provider: {provider}\n"]
    if verify:
        lines.append("    verify_signatures: true\n")
        lines.append("    verify_identities:\n" + IDENTITY if keyless else "    verify_secret: cosign-pub\n")
    text = HEAD + "fleet:\n  type: oci\n  oci:\n" + "".join(lines) + f"  interval: {interval}\n"
    spec = load(text)
    root, sync = manifests.bootstrap_objects(spec)
    assert validate_object(root) == [] and validate_object(sync) == []
    assert root["spec"]["ref"] == {ref[0]: ref[1]} and root["spec"]["interval"] == interval
    assert ("verify" in root["spec"]) == verify
    assert root["spec"].get("provider", "generic") == provider
    assert "secretRef" not in root["spec"]
    assert dataclasses.replace(spec.fleet).needs_deploy_key is False
