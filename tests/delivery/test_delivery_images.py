"""Image automation objects: ImageRepository, ImagePolicy and the fleet's ImageUpdateAutomation.

They are validated like every other Flux object, strictly (unknown fields are errors) and with
their CEL rules, against the image.toolkit.fluxcd.io CRDs the pinned chart installs (vendored
with the others in fluxform/data/crds, both sets). Every object `image_objects` can build is
checked against both sets (a property test over the spec's image options); the dev example
uses image automation, so its plan, check and render show the objects; the deploy-key and
production-branch rules (FF013, FF014) hold on the objects the builders make.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import manifests
from fluxform.capture import capture
from fluxform.crds import check_objects, check_spec, spec_objects, validate_object
from fluxform.diff import compute_plan
from fluxform.errors import SpecError
from fluxform.fluxversions import CHARTS
from fluxform.graph import Graph, Resource
from fluxform.policy import Context, check_stack, evaluate, objects_from_graph
from fluxform.policy import check_spec as policy_check
from fluxform.program import StackSettings, build
from fluxform.render import render_tree
from fluxform.spec import load_spec, load_spec_text
from fluxform.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
CRD_SETS = ("2.7.5", "2.8.5")
CHART_OF = {"2.7.5": "2.17.2", "2.8.5": "2.18.3"}
IMAGE_KINDS = ("ImagePolicy", "ImageRepository", "ImageUpdateAutomation")
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
SECRETS = {"fluxform:slackWebhookUrl": "placeholder", "fluxform:sopsAgeKey": "placeholder-age",
           "fluxform:teamASopsKey": "placeholder-age-a"}

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
"""

BASE = """version: 1
cluster: {{name: c, environment: {environment}, context: x}}
flux:
  chart_version: "{chart}"
  image_automation: true
fleet:
  owner: o
  repository: fleet
  branch: main
  path: ./clusters/c
  image_automation: true
{push}"""


def dev_text() -> str:
    return (ROOT / "stacks" / "dev.yaml").read_text()


def without_images(text: str) -> str:
    """The dev spec without its image_automation block (tests put their own in)."""
    head, rest = text.split("\nimage_automation:\n", 1)
    return head + "\n" + rest.split("\n\n", 1)[1]


def example(stack: str) -> Spec:
    return load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")


def objs() -> list[dict[str, Any]]:
    return manifests.image_objects(load_spec_text(without_images(dev_text()) + IMAGES, "stacks/dev.yaml"))


def by(kind: str, name: str, objects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    (obj,) = [o for o in (objs() if objects is None else objects)
              if o["kind"] == kind and o["metadata"]["name"] == name]
    assert obj["apiVersion"] == "image.toolkit.fluxcd.io/v1" and obj["metadata"]["namespace"] == "flux-system"
    return obj


# --- what the builders make ------------------------------------------------------------------

def test_image_repositories() -> None:
    assert by("ImageRepository", "podinfo")["spec"] == {"image": "ghcr.io/stefanprodan/podinfo", "interval": "5m"}
    assert by("ImageRepository", "web")["spec"] == {
        "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", "interval": "10m", "provider": "aws"}


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
                           "signingKey": {"secretRef": {"name": "bot-signing-key"}}},
                "push": {"branch": "image-updates"}},
        "update": {"path": "./clusters/dev", "strategy": "Setters"}}


def test_render_places_them_under_images() -> None:
    text = without_images(dev_text()).replace("  delivery: pulumi", "  delivery: git") + IMAGES
    files = render_tree(load_spec_text(text, "stacks/dev.yaml"), "stacks/dev.yaml")
    assert "clusters/dev/images/imageupdateautomation-flux-system.yaml" in files
    assert "images" in yaml.safe_load(files["clusters/dev/kustomization.yaml"])["resources"]
    listed = yaml.safe_load(files["clusters/dev/images/kustomization.yaml"])["resources"]
    assert len(listed) == len(objs())


# --- every object the builders can make passes the CRD check of both supported Flux versions --

NAMES = st.sampled_from(["podinfo", "web", "api", "worker-2"])
IMAGE_NAMES = st.sampled_from(["ghcr.io/stefanprodan/podinfo", "docker.io/library/nginx",
                               "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web",
                               "europe-docker.pkg.dev/acme/images/api", "acme.azurecr.io/worker"])
DURATIONS = st.sampled_from(["1m", "5m", "10m", "1h", "1h30m"])
ORDER = st.sampled_from(["asc", "desc"])
PATTERNS = st.sampled_from([r"^main-[a-f0-9]+-(?P<ts>[0-9]+)", r"^v(?P<version>.*)$", r"^[0-9]+$"])


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict holding any subset of `fields`."""
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def image_blocks(draw: st.DrawFn) -> dict[str, Any]:
    repo_names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    repositories = [{"name": n, "image": draw(IMAGE_NAMES), **draw(_optional(
        interval=DURATIONS, provider=st.sampled_from(["generic", "aws", "azure", "gcp"]),
        secret_ref=st.sampled_from(["registry-creds", "ghcr-auth"])))} for n in repo_names]
    policies = []
    for i in range(draw(st.integers(1, 4))):
        chooser = draw(st.sampled_from(["semver", "alphabetical", "numerical"]))
        choice = draw(st.sampled_from([">=1.0.0", ">=6.0.0 <7.0.0", "~1.2", "1.x"])) \
            if chooser == "semver" else draw(ORDER)
        policy: dict[str, Any] = {"name": f"p{i}", "repository": draw(st.sampled_from(repo_names)),
                                  chooser: choice}
        if draw(st.booleans()):
            policy["filter_pattern"] = draw(PATTERNS)
            if draw(st.booleans()):
                policy["filter_extract"] = draw(st.sampled_from(["$ts", "$version", "$0"]))
        policies.append(policy)
    update = draw(_optional(
        interval=DURATIONS, path=st.sampled_from(["./clusters/c", "./apps", "./clusters/c/apps"]),
        strategy=st.just("Setters"), author_name=st.sampled_from(["fluxcdbot", "Image Bot"]),
        author_email=st.sampled_from(["bot@example.com", "fluxcdbot@users.noreply.github.com"]),
        message_template=st.sampled_from(["Update images", "{{range .Changed.Changes}}{{.NewValue}} {{end}}"]),
        signing_key_secret=st.sampled_from(["bot-signing-key"]), signing_key_type=st.just("gpg")))
    return {"repositories": repositories, "policies": policies, "update": update}


def spec_with(block: dict[str, Any], chart: str = "2.17.2", push: str | None = "image-updates",
              environment: str = "dev") -> Spec:
    push_line = f"  image_automation_branch: {push}\n" if push else ""
    text = BASE.format(chart=chart, push=push_line, environment=environment)
    return load_spec_text(text + yaml.safe_dump({"image_automation": block}, sort_keys=False), "s.yaml")


def _leaves(value: Any, path: str = "") -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v, f"{path}.{k}" if path else k) for k, v in value.items()))
    return {path}


@settings(max_examples=40, deadline=None)
@given(block=image_blocks(), push=st.sampled_from([None, "image-updates"]))
def test_every_object_image_objects_can_build_passes_both_crd_sets(block: dict[str, Any],
                                                                  push: str | None) -> None:
    for crd_set in CRD_SETS:
        spec = spec_with(block, CHART_OF[crd_set], push)
        objects = manifests.image_objects(spec)
        assert check_objects(objects, crd_set) == []
        assert check_spec(spec) == crd_set  # the runtime check, through the pinned chart
    assert sorted(o["kind"] for o in objects) == sorted(
        ["ImageRepository"] * len(block["repositories"]) + ["ImagePolicy"] * len(block["policies"])
        + ["ImageUpdateAutomation"])
    # Every option reached the object (nothing is dropped on the way to the CRD check).
    for repo in block["repositories"]:
        spec_ = by("ImageRepository", repo["name"], objects)["spec"]
        assert ("secretRef" in spec_) == ("secret_ref" in repo)
        assert spec_.get("provider", "generic") == repo.get("provider", "generic")
    for policy in block["policies"]:
        spec_ = by("ImagePolicy", policy["name"], objects)["spec"]
        assert ("filterTags" in spec_) == ("filter_pattern" in policy)
        assert ("extract" in spec_.get("filterTags", {})) == ("filter_extract" in policy)
    automation = by("ImageUpdateAutomation", "flux-system", objects)["spec"]
    update = block["update"]
    assert automation["git"].get("push") == ({"branch": push} if push else None)
    assert ("signingKey" in automation["git"]["commit"]) == ("signing_key_secret" in update)
    assert ("messageTemplate" in automation["git"]["commit"]) == ("message_template" in update)
    assert automation["update"]["path"] == update.get("path", "./clusters/c")


FULL: dict[str, Any] = {
    "repositories": [{"name": "web", "image": "ghcr.io/acme/web", "interval": "10m", "provider": "aws",
                      "secret_ref": "registry-creds"}],
    "policies": [
        {"name": "semver", "repository": "web", "semver": ">=1.0.0"},
        {"name": "alpha", "repository": "web", "alphabetical": "desc"},
        {"name": "num", "repository": "web", "numerical": "asc", "filter_pattern": "^main-(?P<ts>[0-9]+)$",
         "filter_extract": "$ts"}],
    "update": {"interval": "1h", "path": "./apps", "strategy": "Setters", "author_name": "Bot",
               "author_email": "bot@example.com", "message_template": "Update images",
               "signing_key_secret": "bot-signing-key", "signing_key_type": "gpg"},
}


@pytest.mark.parametrize("crd_set", CRD_SETS)
def test_every_field_the_builders_emit_is_in_the_crds(crd_set: str) -> None:
    """Each option set at once: the union of fields fluxform emits for the image kinds, each
    accepted by the strict check (an unknown or mistyped field would be a problem line)."""
    objects = manifests.image_objects(spec_with(FULL, CHART_OF[crd_set]))
    assert check_objects(objects, crd_set) == []
    emitted = {f"{o['kind']}:{leaf}" for o in objects for leaf in _leaves(o["spec"])}
    assert emitted == {
        "ImageRepository:image", "ImageRepository:interval", "ImageRepository:provider",
        "ImageRepository:secretRef.name",
        "ImagePolicy:imageRepositoryRef.name", "ImagePolicy:policy.semver.range",
        "ImagePolicy:policy.alphabetical.order", "ImagePolicy:policy.numerical.order",
        "ImagePolicy:filterTags.pattern", "ImagePolicy:filterTags.extract",
        "ImageUpdateAutomation:interval", "ImageUpdateAutomation:sourceRef.kind",
        "ImageUpdateAutomation:sourceRef.name", "ImageUpdateAutomation:git.checkout.ref.branch",
        "ImageUpdateAutomation:git.commit.author.name", "ImageUpdateAutomation:git.commit.author.email",
        "ImageUpdateAutomation:git.commit.messageTemplate",
        "ImageUpdateAutomation:git.commit.signingKey.secretRef.name",
        "ImageUpdateAutomation:git.push.branch", "ImageUpdateAutomation:update.path",
        "ImageUpdateAutomation:update.strategy"}


def test_ssh_signing_is_refused_at_its_line_for_the_pinned_flux() -> None:
    """The controllers the supported charts install sign with OpenPGP keys only: their CRDs
    have no signingKey.type, so `ssh` is a spec error (and the field a CRD error)."""
    block = {**FULL, "update": {**FULL["update"], "signing_key_type": "ssh"}}
    for chart in ("2.17.2", "2.18.3"):
        with pytest.raises(SpecError) as info:
            spec_with(block, chart)
        message = str(info.value)
        assert message.startswith("s.yaml:") and "\n" not in message
        assert "image_automation.update.signing_key_type: the Flux of chart " + chart in message
    gpg = manifests.image_objects(spec_with(FULL))
    automation = by("ImageUpdateAutomation", "flux-system", gpg)
    automation["spec"]["git"]["commit"]["signingKey"]["type"] = "ssh"
    for crd_set in CRD_SETS:
        assert validate_object(automation, crd_set) == [
            "spec.git.commit.signingKey.type: unknown field"]


# --- the dev example uses it ------------------------------------------------------------------

def test_the_dev_example_passes_the_crd_check_with_its_image_objects() -> None:
    spec = example("dev")
    images = manifests.image_objects(spec)
    assert sorted(o["kind"] for o in images) == sorted(IMAGE_KINDS)
    assert [o for o in spec_objects(spec) if o["kind"] in IMAGE_KINDS] == images
    assert check_spec(spec) == "2.7.5"
    for crd_set in CRD_SETS:
        assert check_objects(images, crd_set) == []
    automation = by("ImageUpdateAutomation", "flux-system", images)["spec"]
    assert automation["git"]["push"]["branch"] == spec.fleet.image_automation_branch != spec.fleet.branch


def run_dev() -> Graph:
    spec = example("dev")

    def program() -> None:
        build(spec, StackSettings(spec.cluster.context, None, "acme"))

    return capture(program, project="fluxform", stack="dev", config=SECRETS, secret_keys=list(SECRETS))


@pytest.fixture(scope="module")
def dev_graph() -> Graph:
    return run_dev()


def test_the_dev_plan_creates_them_and_flags_image_automation(dev_graph: Graph) -> None:
    kinds = {r.type.rsplit(":", 1)[1]: r for r in dev_graph if r.type.startswith("kubernetes:image.toolkit")}
    assert sorted(kinds) == sorted(IMAGE_KINDS)
    assert kinds["ImageUpdateAutomation"].inputs["spec"]["git"]["push"] == {"branch": "image-updates"}
    plan = compute_plan(Graph("fluxform", "dev", {}), dev_graph)
    assert "R-IMAGE-AUTOMATION-ON" in {r.code for _, r in plan.risks}


def test_only_the_fleet_deploy_key_is_read_write_and_the_rules_pass(dev_graph: Graph) -> None:
    keys = {str(r.inputs["repository"]): r.inputs.get("readOnly") for r in dev_graph if r.type == DEPLOY_KEY}
    assert keys == {"fleet": False, "team-a-apps": True, "team-b-apps": True}
    findings = check_stack(example("dev"), dev_graph)
    assert not [f for f in findings if f.rule_id in ("FF013", "FF014")]


def test_ff013_ties_the_writable_key_to_the_automation_object(dev_graph: Graph) -> None:
    """With no spec context, only the ImageUpdateAutomation (through its sourceRef, the fleet
    GitRepository's URL) justifies the read-write fleet key; without it FF013 fires."""
    objects = objects_from_graph(dev_graph)
    ff013 = [f.message for f in evaluate(objects, Context()) if f.rule_id == "FF013"]
    assert ff013 == []
    rest = [o for o in objects if o.kind != "ImageUpdateAutomation"]
    ff013 = [f.message for f in evaluate(rest, Context()) if f.rule_id == "FF013"]
    assert len(ff013) == 1 and "on fleet is read-write but nothing pushes to it" in ff013[0]


@pytest.mark.parametrize("push, expected", [
    (None, [("FF014", "error"), ("FF014", "error")]),  # the spec's fleet and the object, both on main
    ("image-updates", []),
])
def test_ff014_production_image_automation_never_pushes_to_the_synced_branch(
        push: str | None, expected: list[tuple[str, str]]) -> None:
    spec = spec_with(FULL, push=push, environment="prod")
    spec = dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery="git"))
    assert spec.is_production
    findings = policy_check(spec, Graph("fluxform", "prod", {}), manifests.gitops_objects(spec))
    assert [(f.rule_id, f.severity) for f in findings if f.rule_id == "FF014"] == expected
    dev = spec_with(FULL, push=push)  # not production: the rule does not apply
    dev = dataclasses.replace(dev, flux=dataclasses.replace(dev.flux, delivery="git"))
    assert not [f for f in policy_check(dev, Graph("fluxform", "dev", {}), manifests.gitops_objects(dev))
                if f.rule_id == "FF014"]


# --- misuse -----------------------------------------------------------------------------------

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
        load_spec_text(edit(without_images(dev_text()) + IMAGES), "stacks/dev.yaml")
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


def test_every_supported_chart_has_the_image_crds() -> None:
    for chart, release in CHARTS.items():
        for kind in IMAGE_KINDS:
            assert validate_object({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": kind}, release.crds) \
                != [f"apiVersion: image.toolkit.fluxcd.io/v1 is not a {kind} API version Flux "
                    f"{release.crds} serves"], chart
