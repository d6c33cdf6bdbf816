"""Image automation objects: ImageRepository, ImagePolicy and the fleet's ImageUpdateAutomation.

The vendored CRD sets (fluxform/data/crds) do not include the image automation CRDs yet, so
these objects are checked field by field here against the v1 API of image-reflector-controller
and image-automation-controller (required fields, enums), and `fluxform plan` refuses a spec
using them until those CRDs are vendored (the CRD check knows no image.toolkit.fluxcd.io kind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fluxform import manifests
from fluxform.crds import validate_object
from fluxform.diff import compute_plan
from fluxform.errors import SpecError
from fluxform.graph import Graph, Resource
from fluxform.render import render_tree
from fluxform.spec import load_spec_text

ROOT = Path(__file__).resolve().parents[2]
IMAGES = """
image_automation:
  repositories:
    - name: podinfo
      image: ghcr.io/stefanprodan/podinfo
    - name: web
      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web
      provider: aws
      interval: 10m
  policies:
    - name: podinfo
      repository: podinfo
      semver: ">=6.0.0 <7.0.0"
    - name: web-main
      repository: web
      numerical: asc
      filter_pattern: ^main-[a-f0-9]+-(?P<ts>[0-9]+)
      filter_extract: $ts
    - name: web-alpha
      repository: web
      alphabetical: desc
  update:
    signing_key_secret: bot-signing-key
    signing_key_type: ssh
"""


def dev_text() -> str:
    return (ROOT / "stacks" / "dev.yaml").read_text()


def objs() -> list[dict[str, Any]]:
    return manifests.image_objects(load_spec_text(dev_text() + IMAGES, "stacks/dev.yaml"))


def by(kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in objs() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert obj["apiVersion"] == "image.toolkit.fluxcd.io/v1" and obj["metadata"]["namespace"] == "flux-system"
    return obj


def test_image_repositories() -> None:
    assert by("ImageRepository", "podinfo")["spec"] == {"image": "ghcr.io/stefanprodan/podinfo", "interval": "5m"}
    assert by("ImageRepository", "web")["spec"]["provider"] == "aws"


def test_image_policies_semver_numerical_alphabetical_with_filter_tags() -> None:
    assert by("ImagePolicy", "podinfo")["spec"] == {
        "imageRepositoryRef": {"name": "podinfo"}, "policy": {"semver": {"range": ">=6.0.0 <7.0.0"}}}
    assert by("ImagePolicy", "web-main")["spec"] == {
        "imageRepositoryRef": {"name": "web"}, "policy": {"numerical": {"order": "asc"}},
        "filterTags": {"pattern": "^main-[a-f0-9]+-(?P<ts>[0-9]+)", "extract": "$ts"}}
    assert by("ImagePolicy", "web-alpha")["spec"]["policy"] == {"alphabetical": {"order": "desc"}}


def test_update_automation_checks_out_the_synced_branch_and_pushes_to_the_automation_branch() -> None:
    spec = by("ImageUpdateAutomation", "flux-system")["spec"]
    assert spec == {
        "interval": "30m", "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        "git": {"checkout": {"ref": {"branch": "main"}},
                "commit": {"author": {"name": "fluxcdbot", "email": "fluxcdbot@users.noreply.github.com"},
                           "signingKey": {"secretRef": {"name": "bot-signing-key"}, "type": "ssh"}},
                "push": {"branch": "image-updates"}},
        "update": {"path": "./clusters/dev", "strategy": "Setters"}}
    # v1 requires interval and sourceRef; git.commit.author.email; checkout.ref.
    assert spec["git"]["commit"]["author"]["email"] and spec["git"]["checkout"]["ref"]


def test_render_places_them_under_images() -> None:
    text = dev_text().replace("  delivery: pulumi", "  delivery: git") + IMAGES
    files = render_tree(load_spec_text(text, "stacks/dev.yaml"), "stacks/dev.yaml")
    assert "clusters/dev/images/imageupdateautomation-flux-system.yaml" in files
    assert "images" in files["clusters/dev/kustomization.yaml"].decode()


def test_the_pinned_crd_set_does_not_serve_them_yet() -> None:
    problems = validate_object(by("ImagePolicy", "podinfo"))
    assert problems and "is not a ImagePolicy API version" in problems[0]


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("  image_automation: true\n  network_policy", "  image_automation: false\n  network_policy"),
     "image_automation: needs 'flux.image_automation: true' too"),
    (lambda t: t.replace("  image_automation: true\n  image_automation_branch: image-updates\n", ""),
     "image_automation: needs 'fleet.image_automation: true' too"),
    (lambda t: t.replace("      numerical: asc\n", "      numerical: asc\n      semver: '>=1'\n"),
     "image_automation.policies[1].numerical: set exactly one of semver, alphabetical or numerical"),
    (lambda t: t.replace("      alphabetical: desc\n", ""),
     "image_automation.policies[2]: set exactly one of semver, alphabetical or numerical"),
    (lambda t: t.replace("      repository: web\n      alphabetical", "      repository: webb\n      alphabetical"),
     "image_automation.policies[2].repository: unknown image repository 'webb'"),
    (lambda t: t.replace("      filter_pattern: ^main-[a-f0-9]+-(?P<ts>[0-9]+)\n", ""),
     "image_automation.policies[1].filter_extract: needs 'filter_pattern' too"),
])
def test_misuse_is_one_line(edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as info:
        load_spec_text(edit(dev_text() + IMAGES), "stacks/dev.yaml")
    message = str(info.value)
    assert message.startswith("stacks/dev.yaml:") and expected in message and "\n" not in message


def _resource(type_: str, name: str, inputs: dict[str, Any]) -> Resource:
    return Resource(urn=f"urn:pulumi:prod::fluxform::{type_}::{name}", type=type_, name=name, inputs=inputs)


def test_turning_image_automation_on_is_flagged() -> None:
    release = "kubernetes:helm.sh/v3:Release"
    off = _resource(release, "flux-flux", {"values": {"imageAutomationController": {"create": False}}})
    on = _resource(release, "flux-flux", {"values": {"imageAutomationController": {"create": True}}})
    auto = _resource("kubernetes:image.toolkit.fluxcd.io/v1:ImageUpdateAutomation", "a", {
        "apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
        "metadata": {"name": "flux-system", "namespace": "flux-system"}})

    def codes(before: list[Resource], after: list[Resource]) -> list[str]:
        plan = compute_plan(Graph("fluxform", "prod", {r.urn: r for r in before}),
                            Graph("fluxform", "prod", {r.urn: r for r in after}))
        return [r.code for _, r in plan.risks]

    assert codes([off], [on]) == ["R-IMAGE-AUTOMATION-ON"]
    assert codes([on], [on]) == [] and codes([on], [off]) == []
    assert codes([off], [off, auto]) == ["R-IMAGE-AUTOMATION-ON"]
