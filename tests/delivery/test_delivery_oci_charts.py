"""Helm charts from OCI the current Flux way (`chart_ref: true` on a Helm repository): one
OCIRepository per release (the chart layer, operation copy) and spec.chartRef on the release,
for the platform and for tenants (in the tenant's namespace); FF005/FF006 read the version
from the OCIRepository's ref."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assert_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxform import manifests
from fluxform.crds import check_spec, validate_object
from fluxform.errors import SpecError
from fluxform.policy import Context, evaluate, objects_from_rendered
from fluxform.render import render_tree
from fluxform.spec import load_spec_text
from fluxform.spec.model import Spec

GOLDEN = Path(__file__).with_name("oci_golden")
DIGEST = "sha256:" + "0f" * 32
SPEC = """version: 1
cluster:
  name: c1
  environment: prod
  context: kind-c1
flux:
  chart_version: "2.17.2"
  delivery: git
fleet:
  owner: acme
  repository: fleet
  path: ./clusters/c1
helm:
  repositories:
    - name: charts
      url: oci://ghcr.io/stefanprodan/charts
      chart_ref: true
      provider: gcp
      verify_signatures: true
      verify_identities:
        - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
          subject: ^https://github\\.com/stefanprodan/podinfo.*$
    - name: index
      url: https://charts.example.com
  releases:
    - name: podinfo
      namespace: podinfo
      repository: charts
      chart: podinfo
      version: "6.7.1"
    - name: pinned
      namespace: pinned
      repository: charts
      chart: podinfo
      version: "6.7.1"
      digest: """ + DIGEST + """
    - name: classic
      namespace: classic
      repository: index
      chart: classic
      version: "1.0.0"
tenants:
  - name: team-a
    source:
      owner: acme
      repository: team-a-apps
    helm:
      repositories:
        - name: charts
          url: oci://ghcr.io/acme/charts
          chart_ref: true
          secret_ref: ghcr-pull
          verify_signatures: true
          verify_secret: cosign-keys
      releases:
        - name: web
          repository: charts
          chart: web
          version: "2.0.0"
"""


def load(text: str = SPEC) -> Spec:
    return load_spec_text(text, "s.yaml")


def by(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    return obj


def test_chart_ref_releases_get_an_oci_repository_and_chart_ref() -> None:
    spec = load()
    objs = manifests.gitops_objects(spec)
    podinfo = by(objs, "HelmRelease", "podinfo")
    assert "chart" not in podinfo["spec"]
    assert podinfo["spec"]["chartRef"] == {"kind": "OCIRepository", "name": "podinfo", "namespace": "flux-system"}
    source = by(objs, "OCIRepository", "podinfo")["spec"]
    assert source["url"] == "oci://ghcr.io/stefanprodan/charts/podinfo"
    assert source["layerSelector"] == {"mediaType": manifests.HELM_CHART_LAYER, "operation": "copy"}
    assert source["ref"] == {"tag": "6.7.1"} and source["provider"] == "gcp"
    assert by(objs, "OCIRepository", "pinned")["spec"]["ref"] == {"tag": "6.7.1", "digest": DIGEST}
    assert [o["metadata"]["name"] for o in objs if o["kind"] == "HelmRepository"] == ["index"]
    assert "chart" in by(objs, "HelmRelease", "classic")["spec"]  # a HelmRepository release stays
    web = by(objs, "HelmRelease", "web")
    assert web["metadata"]["namespace"] == "team-a" and web["spec"]["serviceAccountName"] == "flux-reconciler"
    assert web["spec"]["chartRef"]["namespace"] == "team-a"  # never out of the tenant's namespace
    web_source = by(objs, "OCIRepository", "web")
    assert web_source["metadata"]["namespace"] == "team-a"
    assert web_source["spec"]["secretRef"] == {"name": "ghcr-pull"}
    for obj in objs:
        assert validate_object(obj) == [], obj["metadata"]["name"]
    assert check_spec(load())
    assert_golden(GOLDEN / "chart-ref-objects.yaml", yaml.safe_dump_all(objs, sort_keys=True))


def test_rendered_chart_sources_sit_beside_their_releases() -> None:
    tree = render_tree(load(), "stacks/c1.yaml")
    assert "clusters/c1/helm/ocirepository-podinfo.yaml" in tree
    assert "clusters/c1/tenants/team-a/ocirepository-web.yaml" in tree
    assert_golden(GOLDEN / "chart-ref-tree.txt",
                  "".join(f"=== {path}\n{body.decode()}" for path, body in tree.items()))


def test_the_example_spec_passes_policy_in_production() -> None:
    findings = evaluate(objects_from_rendered(manifests.gitops_objects(load())), Context(production=True))
    about_charts = [f for f in findings if f.rule_id in ("FF004", "FF005", "FF006", "FF026")]
    assert about_charts == []


def _release(ref: dict[str, str]) -> list[dict[str, Any]]:
    source = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
              "metadata": {"name": "app", "namespace": "team"},
              "spec": {"url": "oci://r/c/app", "interval": "1h", "ref": ref}}
    release = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
               "metadata": {"name": "app", "namespace": "team"},
               "spec": {"interval": "10m", "chartRef": {"kind": "OCIRepository", "name": "app"}}}
    return [source, release]


def rules(ref: dict[str, str], production: bool = False) -> list[str]:
    findings = evaluate(objects_from_rendered(_release(ref)), Context(production=production))
    return sorted(f.rule_id for f in findings if f.rule_id in ("FF005", "FF006"))


@settings(max_examples=60, deadline=None)
@given(major=st.integers(0, 30), minor=st.integers(0, 30), patch=st.integers(0, 30),
       op=st.sampled_from([">=", "^", "~", "<", ""]))
def test_pinned_versions_are_read_from_the_oci_repository_ref(major: int, minor: int, patch: int, op: str) -> None:
    exact = f"{major}.{minor}.{patch}"
    assert rules({"tag": exact}) == []                       # an exact tag is pinned
    assert rules({"digest": "sha256:" + "a" * 64}) == []     # a digest is pinned
    assert rules({"digest": "sha256:" + "a" * 64, "semver": f">={exact}"}) == []  # digest wins
    if op:
        assert rules({"semver": f"{op}{exact}"}) == ["FF005"]  # a range floats
    assert rules({"tag": f"{major}.{minor}"}) == ["FF006"]  # a partial version is no pin
    assert rules({}) == ["FF005"]                              # nothing: latest


def test_a_floating_chart_ref_names_where_the_version_comes_from() -> None:
    spec = load(SPEC.replace('          version: "2.0.0"\n', '          version: ">=2.0.0"\n'))
    findings = evaluate(objects_from_rendered(manifests.gitops_objects(spec)), Context(production=True))
    (hit,) = [f for f in findings if f.rule_id == "FF005"]
    assert hit.message == ("HelmRelease team-a/web chart version floats ('>=2.0.0', "
                           "OCIRepository team-a/web ref.semver)")


MISUSES = [
    ("https-chart-ref", lambda t: t.replace("url: oci://ghcr.io/stefanprodan/charts", "url: https://x.example"),
     "s.yaml:17: helm.repositories[0].chart_ref: needs an oci:// url"),
    ("verify-without-chart-ref", lambda t: t.replace("      url: https://charts.example.com\n",
                                                     "      url: https://charts.example.com\n      verify_signatures: true\n"),
     "s.yaml:25: helm.repositories[1].verify_signatures: needs 'chart_ref: true' too"),
    ("digest-without-chart-ref", lambda t: t.replace('      version: "1.0.0"\n', '      version: "1.0.0"\n      digest: ' + DIGEST + "\n"),
     "s.yaml:42: helm.releases[2].digest: needs a repository with 'chart_ref: true'"),
    ("verify-nothing", lambda t: t.replace("          verify_secret: cosign-keys\n", ""),
     "s.yaml:53: tenants[0].helm.repositories[0].verify_signatures: needs 'verify_secret' or 'verify_identities'"),
    ("tenant-cloud-and-secret", lambda t: t.replace("          secret_ref: ghcr-pull\n",
                                                    "          secret_ref: ghcr-pull\n          provider: azure\n"),
     "s.yaml:52: tenants[0].helm.repositories[0].secret_ref: does not apply with provider azure"),
    ("name-clash-with-layer", lambda t: t.replace("helm:\n  repositories:", "layers:\n  - name: podinfo\n    path: ./p\n"
                                                  "    source: {url: 'oci://r/p', tag: v1}\nhelm:\n  repositories:", 1),
     "s.yaml:30: helm.releases[0].name: an OCIRepository 'podinfo' is already layer podinfo's source in namespace flux-system"),
]


@pytest.mark.parametrize("edit, expected", [(e, x) for _, e, x in MISUSES], ids=[i for i, _, _ in MISUSES])
def test_misuse_is_one_line_with_file_line_and_field(edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as info:
        load(edit(SPEC))
    message = str(info.value)
    assert message.startswith(expected + " (hint: "), message
    assert "\n" not in message
