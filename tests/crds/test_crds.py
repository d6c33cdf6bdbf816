"""The vendored Flux CRDs and the runtime validation every command runs against them."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, assert_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import crds
from fluxform.cli import cli
from fluxform.crds import check_objects, check_spec, compile_rule, spec_objects, validate_object
from fluxform.errors import SpecError
from fluxform.fluxversions import CHARTS, DEFAULT_CRDS, release_for
from fluxform.manifests import bootstrap_objects
from fluxform.spec import load_spec, load_spec_text

GOLDEN = Path(__file__).parent / "golden"
STACKS = ["dev", "prod"]


def spec_of(stack: str) -> Any:
    return load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")


# --- the vendored data ------------------------------------------------------------------------

def test_every_chart_version_has_its_crd_set_and_every_set_a_chart() -> None:
    sets = crds.crd_sets()
    assert sets == ["2.7.5", "2.8.5"]
    assert {r.crds for r in CHARTS.values()} == set(sets)
    assert CHARTS["2.17.2"].flux == "2.7.5" and CHARTS["2.17.2"].crds == DEFAULT_CRDS
    for crd_set in sets:
        directory = crds.data_dir() / f"flux-{crd_set}"
        provenance = (directory / "PROVENANCE.md").read_text()
        assert provenance.startswith(f"# Flux {crd_set} CRDs") and "Apache License" in provenance
        for path in directory.glob("*.json"):
            assert path.stem in provenance  # every file is listed with its source
    assert "Apache License, Version 2.0" in (crds.data_dir() / "NOTICE").read_text()


@pytest.mark.parametrize("crd_set", ["2.7.5", "2.8.5"])
def test_the_validator_understands_every_keyword_and_cel_rule_of_the_crds(crd_set: str) -> None:
    assert crds.unsupported_keywords(crd_set) == []
    assert crds.unsupported_rules(crd_set) == []
    rules = [r for v in crds.versions(crd_set).values() for r in v.rules]
    assert len(rules) >= 10  # the CEL rules are read, not dropped


def test_the_example_stacks_pin_the_default_set() -> None:
    for stack in STACKS:
        assert release_for(spec_of(stack)).crds == DEFAULT_CRDS


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("crd_set", ["2.7.5", "2.8.5"])
def test_every_emitted_object_is_valid_in_every_supported_flux(stack: str, crd_set: str) -> None:
    objects = spec_objects(spec_of(stack))
    assert {o["kind"] for o in objects} >= {"GitRepository", "Kustomization"}
    assert check_objects(objects, crd_set) == []


def test_the_refresh_script_reproduces_the_vendored_files(tmp_path: Path) -> None:
    """The CRDs written back as the chart's templated YAML, refreshed: the same bytes."""
    src = tmp_path / "src"
    src.mkdir()
    vendored = crds.data_dir() / f"flux-{DEFAULT_CRDS}"
    for path in sorted(vendored.glob("*.json")):
        doc = json.loads(path.read_text())
        text = yaml.safe_dump(doc, sort_keys=False)
        templated = ("{{- if .Values.installCRDs }}\n" + text.replace(
            "metadata:\n", "metadata:\n  labels2: '{{ .Release.Namespace }}'\n", 1) + "{{- end }}\n")
        (src / f"{path.stem}.yaml").write_text(templated)
    out = tmp_path / "data"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh_crds.py"), str(src),
                    DEFAULT_CRDS, "--source", "test", "--data", str(out)], check=True,
                   capture_output=True)
    written = sorted(p.name for p in (out / f"flux-{DEFAULT_CRDS}").glob("*.json"))
    assert written == sorted(p.name for p in vendored.glob("*.json"))
    for name in written:
        assert (out / f"flux-{DEFAULT_CRDS}" / name).read_bytes() == (vendored / name).read_bytes()


IMAGE_CRDS = {"imagepolicies.image.toolkit.fluxcd.io.json",
              "imagerepositories.image.toolkit.fluxcd.io.json",
              "imageupdateautomations.image.toolkit.fluxcd.io.json"}


@pytest.mark.skipif(not (ROOT.parent / "shared" / "flux-crds-2.7.5").is_dir(),
                    reason="the upstream copy is only beside the development checkout")
def test_the_vendored_set_is_the_upstream_copy(tmp_path: Path) -> None:
    """The shared copy holds the chart's four controller CRD files without the image ones."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh_crds.py"),
                    str(ROOT.parent / "shared" / "flux-crds-2.7.5"), "2.7.5", "--data",
                    str(tmp_path)], check=True, capture_output=True)
    vendored = crds.data_dir() / "flux-2.7.5"
    written = {p.name for p in (tmp_path / "flux-2.7.5").glob("*.json")}
    assert {p.name for p in vendored.glob("*.json")} == written | IMAGE_CRDS
    for name in written:
        assert (tmp_path / "flux-2.7.5" / name).read_bytes() == (vendored / name).read_bytes()


CHART_REPO = ROOT.parent / ".mirror" / "fluxcd-community+helm-charts" / "repo"
CRD_TEMPLATES = ("helm", "image-automation", "image-reflector", "kustomize", "notification", "source")


@pytest.mark.skipif(not CHART_REPO.is_dir(),
                    reason="the fluxcd-community/helm-charts clone is only beside the development checkout")
@pytest.mark.parametrize("tag, crd_set", [("flux2-2.17.2", "2.7.5"), ("flux2-2.18.3", "2.8.5")])
def test_each_set_is_its_chart_tag_refreshed(tag: str, crd_set: str, tmp_path: Path) -> None:
    """The six controller CRD templates of the chart tag, through the refresh script: the same
    JSON files, and PROVENANCE.md names the tag and every template with its SHA-256."""
    src = tmp_path / "src"
    src.mkdir()
    for name in CRD_TEMPLATES:
        path = f"charts/flux2/templates/{name}-controller.crds.yaml"
        (src / f"{name}-controller.crds.yaml").write_bytes(subprocess.run(
            ["git", "-C", str(CHART_REPO), "show", f"{tag}:{path}"], check=True,
            capture_output=True).stdout)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh_crds.py"), str(src), crd_set,
                    "--data", str(tmp_path / "data")], check=True, capture_output=True)
    vendored = crds.data_dir() / f"flux-{crd_set}"
    out = tmp_path / "data" / f"flux-{crd_set}"
    assert sorted(p.name for p in out.glob("*.json")) == sorted(p.name for p in vendored.glob("*.json"))
    for crd in vendored.glob("*.json"):
        assert (out / crd.name).read_bytes() == crd.read_bytes(), crd.name
    provenance = (vendored / "PROVENANCE.md").read_text()
    assert f"tag {tag} " in provenance
    for source in sorted(src.iterdir()):
        assert f"| {source.name} | {hashlib.sha256(source.read_bytes()).hexdigest()} |" in provenance


# --- what the validation catches ----------------------------------------------------------

def kustomization() -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(json.dumps(bootstrap_objects(spec_of("dev"))[1]))
    return obj


def git_repository() -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(json.dumps(bootstrap_objects(spec_of("dev"))[0]))
    return obj


def broken_objects() -> list[dict[str, Any]]:
    k, g = kustomization(), git_repository()
    typo = {**k, "spec": {**k["spec"], "pruen": True}}
    wrong_type = {**k, "spec": {**k["spec"], "interval": 5, "prune": "yes"}}
    missing = {**k, "spec": {key: v for key, v in k["spec"].items() if key != "sourceRef"}}
    both = {**k, "spec": {**k["spec"], "kubeConfig": {"secretRef": {"name": "a"},
                                                      "configMapRef": {"name": "b"}}}}
    neither = {**k, "spec": {**k["spec"], "kubeConfig": {}}}
    azure_only = {**g, "spec": {**g["spec"], "serviceAccountName": "sa"}}
    bad_enum = {**g, "spec": {**g["spec"], "verify": {"mode": "sometimes",
                                                      "secretRef": {"name": "k"}}}}
    deprecated = {**k, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2"}
    unserved = {**k, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta1"}
    release = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
               "metadata": {"name": "r", "namespace": "flux-system"},
               "spec": {"interval": "10m", "chart": {"spec": {"chart": "c", "sourceRef": {
                   "kind": "HelmRepository", "name": "h"}}}, "chartRef": {
                   "kind": "OCIRepository", "name": "o"}}}
    return [typo, wrong_type, missing, both, neither, azure_only, bad_enum, deprecated, unserved,
            release]


def test_broken_objects_give_one_exact_line_each() -> None:
    problems = check_objects(broken_objects())
    assert all("\n" not in p and len(p) < 300 for p in problems)
    assert_golden(GOLDEN / "problems.txt", "\n".join(problems) + "\n")


IMAGE_API = "image.toolkit.fluxcd.io/v1"


def image_object(kind: str, spec: dict[str, Any], api: str = IMAGE_API) -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": kind.lower(), "namespace": "flux-system"},
            "spec": spec}


AUTOMATION = {"interval": "30m", "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
              "git": {"checkout": {"ref": {"branch": "main"}},
                      "commit": {"author": {"name": "bot", "email": "bot@example.com"}},
                      "push": {"branch": "image-updates"}},
              "update": {"path": "./clusters/dev", "strategy": "Setters"}}
POLICY = {"imageRepositoryRef": {"name": "web"}, "policy": {"semver": {"range": ">=1.0.0"}}}


def broken_image_objects() -> list[dict[str, Any]]:
    """One object per way the image CRDs (structural schema and CEL rules) refuse one."""
    commit = AUTOMATION["git"]["commit"]  # type: ignore[index]
    return [
        image_object("ImageRepository", {"image": "ghcr.io/acme/web"}),
        image_object("ImageRepository", {"image": "ghcr.io/acme/web", "interval": "5 minutes",
                                         "provider": "ecr"}),
        image_object("ImagePolicy", {**POLICY, "interval": "5m"}),
        image_object("ImagePolicy", {**POLICY, "digestReflectionPolicy": "Always"}),
        image_object("ImagePolicy", {**POLICY, "policy": {"numerical": {"order": "up"}},
                                     "filterTags": {"patern": "^v"}}),
        image_object("ImageUpdateAutomation", {**AUTOMATION, "git": {
            **AUTOMATION["git"], "commit": {**commit, "author": {"name": "bot"}}}}),  # type: ignore[dict-item]
        image_object("ImageUpdateAutomation", {**AUTOMATION, "sourceRef": {"kind": "OCIRepository",
                                                                           "name": "x"}}),
        image_object("ImageUpdateAutomation", {**AUTOMATION, "update": {"strategy": "Regex"}}),
        image_object("ImageUpdateAutomation", AUTOMATION, "image.toolkit.fluxcd.io/v1beta2"),
        image_object("ImageUpdateAutomation", AUTOMATION, "image.toolkit.fluxcd.io/v1beta1"),
    ]


@pytest.mark.parametrize("crd_set", ["2.7.5", "2.8.5"])
def test_the_image_kinds_are_checked_strictly_with_their_cel_rules(crd_set: str) -> None:
    problems = check_objects(broken_image_objects(), crd_set)
    assert all("\n" not in p and len(p) < 300 for p in problems)
    text = "\n".join(p.replace(f"Flux {crd_set}", "Flux <set>") for p in problems) + "\n"
    assert_golden(GOLDEN / "image_problems.txt", text)  # the same in both sets
    valid = [image_object("ImageRepository", {"image": "ghcr.io/acme/web", "interval": "5m"}),
             image_object("ImagePolicy", {**POLICY, "digestReflectionPolicy": "Always", "interval": "5m"}),
             image_object("ImageUpdateAutomation", AUTOMATION)]
    assert check_objects(valid, crd_set) == []


def test_a_valid_object_has_no_problem_and_validation_does_not_change_it() -> None:
    obj = kustomization()
    before = json.dumps(obj, sort_keys=True)
    assert validate_object(obj) == []
    assert json.dumps(obj, sort_keys=True) == before


def object_paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of every mapping inside `value` whose schema lists its fields (not metadata,
    not HelmRelease values)."""
    out = [path] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for key, child in value.items():
            if key not in ("metadata", "values"):
                out += object_paths(child, (*path, key))
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.from_regex(r"[a-z][a-zA-Z]{2,12}", fullmatch=True))
def test_any_unknown_field_anywhere_is_exactly_one_error(data: st.DataObject, name: str) -> None:
    objects = spec_objects(spec_of("prod"))
    obj = json.loads(json.dumps(data.draw(st.sampled_from(objects))))
    path = data.draw(st.sampled_from(object_paths(obj)))
    node = obj
    for key in path:
        node = node[key]
    if name in node or (obj["kind"], path) == ("HelmRelease", ("spec", "values")):
        return
    schema = crds.versions()[(obj["apiVersion"], obj["kind"])].schema
    for key in path:
        schema = schema["properties"][key]
    if name in schema.get("properties", {}):
        return
    node[name] = "x"
    field = ".".join((*path, name))
    assert [p.split(" (hint:")[0] for p in validate_object(obj)] == [f"{field}: unknown field"]


@pytest.mark.parametrize("rule, value, expected", [
    ("has(self.a) || has(self.b)", {"a": 1}, True),
    ("has(self.a) || has(self.b)", {}, False),
    ("!has(self.a) || !has(self.b)", {"a": 1, "b": 2}, False),
    ("(has(self.a) && !has(self.b)) || (!has(self.a) && has(self.b))", {"b": 1}, True),
    ("self.t == 'x' || !has(self.e)", {"t": "y", "e": 1}, False),
    ("self.t != 'x' || (has(self.l) && size(self.l) > 0)", {"t": "x", "l": []}, False),
    ("self.t != 'x' || (has(self.l) && size(self.l) > 0)", {"t": "x", "l": [1]}, True),
    ("!has(self.s) || self.s.p != 'aws' || !has(self.s.c)", {"s": {"p": "aws", "c": 1}}, False),
])
def test_the_cel_subset_evaluates_like_cel(rule: str, value: Any, expected: bool) -> None:
    assert crds._eval(compile_rule(rule), value) is expected


@pytest.mark.parametrize("crd_set", ["2.7.5", "2.8.5"])
def test_cel_rules_see_the_schema_defaults_as_the_api_server_does(crd_set: str) -> None:
    """Bucket's rules read `self.provider`, which the schema defaults to generic: an LDAP STS
    without a provider is valid (a generic bucket), with provider aws it is not."""
    bucket: dict[str, Any] = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "Bucket",
                              "metadata": {"name": "b", "namespace": "flux-system"},
                              "spec": {"bucketName": "b", "endpoint": "minio.example.com",
                                       "interval": "5m", "sts": {"provider": "ldap",
                                                                 "endpoint": "https://minio.example.com"}}}
    before = json.dumps(bucket, sort_keys=True)
    assert validate_object(bucket, crd_set) == []
    assert json.dumps(bucket, sort_keys=True) == before  # the defaults are not written back
    aws = {**bucket, "spec": {**bucket["spec"], "provider": "aws"}}
    assert validate_object(aws, crd_set) == [
        "spec: 'aws' is the only supported STS provider for the 'aws' Bucket provider"]
    schema = crds.versions(crd_set)[("source.toolkit.fluxcd.io/v1", "Bucket")].schema
    assert crds._defaulted(schema, bucket)["spec"]["provider"] == "generic"
    assert "suspend" not in crds._defaulted(schema, bucket)["spec"]  # no default, not added


def test_cel_outside_the_subset_is_refused_not_passed() -> None:
    for rule in ["self.all(x, x > 0)", "self.a.startsWith('b')", "self.a + 1 == 2"]:
        with pytest.raises(crds.CELUnsupported):
            compile_rule(rule)


# --- the pinned chart decides -------------------------------------------------------------

SPEC = """version: 1
cluster: {{name: c, environment: dev, context: x}}
flux:
  chart_version: "{chart}"
fleet: {{owner: o, repository: r}}
notifications:
  providers:
    - {{name: pr, type: {ptype}, address: "https://api.github.com/repos/o/r"}}
"""


def test_an_object_valid_in_a_newer_flux_is_refused_for_the_pinned_older_one() -> None:
    older = load_spec_text(SPEC.format(chart="2.17.2", ptype="githubpullrequestcomment"), "s.yaml")
    newer = load_spec_text(SPEC.format(chart="2.18.3", ptype="githubpullrequestcomment"), "s.yaml")
    assert check_spec(newer) == "2.8.5"
    with pytest.raises(crds.CRDValidationError) as info:
        check_spec(older)
    (problem,) = info.value.problems
    assert problem.startswith('Provider/pr: spec.type: "githubpullrequestcomment" is not one of: ')


def test_an_unknown_chart_version_is_one_line_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SPEC.format(chart="2.16.0", ptype="github"))
    spec = load_spec(path, display="s.yaml")
    with pytest.raises(SpecError) as info:
        check_spec(spec, path)
    assert str(info.value) == (
        "s.yaml:4: flux.chart_version: fluxcd-community flux2 chart 2.16.0: fluxform has no Flux "
        "CRDs for it (hint: known: 2.17.0, 2.17.1, 2.17.2, 2.18.3; or vendor its CRDs, see "
        "fluxform/fluxversions.py)")


# --- validate, render and plan run it -----------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project whose dev spec names a provider type Flux 2.7.5 lacks."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]:
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "stacks", root / "stacks")
    dev = root / "stacks" / "dev.yaml"
    text = dev.read_text()
    assert "type: slack" in text
    dev.write_text(text.replace("type: slack", "type: gitlabmergerequestcomment", 1))
    return root


def run_cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "fluxform.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


EXPECTED = ('error: Provider/slack: spec.type: "gitlabmergerequestcomment" is not one of: slack, '
            "discord, msteams, rocket, generic, generic-hmac, github, gitlab, gitea, "
            "bitbucketserver, bitbucket, azuredevops, ...\n")


def test_validate_reports_each_problem_on_one_line(project: Path) -> None:
    code, out, err = run_cli("validate", str(project / "stacks" / "dev.yaml"))
    assert (code, out, err) == (1, "", EXPECTED)


def test_render_refuses_before_writing(project: Path, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    code, out, err = run_cli("render", "--project", str(project), "--stack", "dev",
                             "--out", str(fleet))
    assert (code, out, err) == (1, "", EXPECTED) and not fleet.exists()


def test_plan_refuses_before_capturing(project: Path) -> None:
    code, out, err = run_cli("plan", "--project", str(project), "--stack", "dev")
    assert (code, out) == (1, "") and err == f"error: dev: {EXPECTED.removeprefix('error: ')}"
    assert "Traceback" not in err


def test_validate_still_accepts_the_examples() -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT / "stacks" / "dev.yaml"),
                                      str(ROOT / "stacks" / "prod.yaml")])
    assert result.exit_code == 0, result.output
