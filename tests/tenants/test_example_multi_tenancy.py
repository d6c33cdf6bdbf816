"""examples/multi-tenancy reproduces fluxcd/flux2-multi-tenancy: staging and production from one
base, the dev-team tenant (namespace apps, service account dev-team, public HTTPS source, its
own HelmRelease). validate, plan --all, check --all and render succeed; the rendered tree
builds with kubectl kustomize; every Flux object validates against the CRDs; and the tenant
objects pass the reference's Kyverno rules (a small evaluator for exactly those rules)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from conftest import run_cli as run

from fluxform import manifests
from fluxform.cli import main
from fluxform.spec import load_spec

EXAMPLE = ROOT / "examples" / "multi-tenancy"
KYVERNO = Path(__file__).parent / "kyverno"


def test_validate_reads_both_overlays(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(EXAMPLE / "specs/staging.yaml"),
                         str(EXAMPLE / "specs/production.yaml"))
    assert (code, err) == (0, "")
    assert out.count("ok: ") == 2


def test_overlays_share_the_base_and_differ_where_the_reference_differs() -> None:
    staging = load_spec(EXAMPLE / "specs/staging.yaml")
    production = load_spec(EXAMPLE / "specs/production.yaml")
    assert (staging.cluster.tier, production.cluster.tier) == ("staging", "production")
    assert not staging.is_production and production.is_production
    (st,), (pt,) = staging.tenants, production.tenants
    assert (st.name, st.namespace, st.service_account) == ("dev-team", "apps", "dev-team")
    assert (st.source.path, pt.source.path) == ("./staging", "./production")
    assert st.source.fetch_url == "https://github.com/fluxcd/flux2-multi-tenancy"
    assert st.source.credentials_secret is None
    assert [layer.interval for layer in staging.layers] == ["720m", "15m"]
    assert [layer.interval for layer in production.layers] == ["10m", "5m"]
    assert (st.helm_releases[0].values, pt.helm_releases[0].values) == (
        {"replicaCount": 1}, {"replicaCount": 2})


def test_plan_all_and_check_all_succeed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", "--all", "--project", str(EXAMPLE), "--format", "json")
    assert code == 0, err
    code, out, err = run(capsys, "check", "--all", "--project", str(EXAMPLE), "--format", "json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["errors"] == 0
    rules = {f["rule"] for findings in report["stacks"].values() for f in findings}
    assert rules <= {"FF017"}, rules  # production Git sources unsigned: a warning only


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    project = tmp_path_factory.mktemp("project") / "multi-tenancy"
    shutil.copytree(EXAMPLE, project)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        try:
            main(["render", "--all", "--out", str(out), "--project", str(project)])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return out


def _documents(root: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted(root.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc.get("apiVersion", "").startswith("kustomize.config.k8s.io"):
            continue
        docs.append(doc)
    return docs


def test_render_builds_with_kubectl_kustomize(rendered: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    for env in ("staging", "production"):
        built = subprocess.run(["kubectl", "kustomize", str(rendered / "clusters" / env)],
                               capture_output=True, text=True, check=True).stdout
        kinds = sorted((d["kind"], d["metadata"]["namespace"], d["metadata"]["name"])
                       for d in yaml.safe_load_all(built))
        assert kinds == [
            ("GitRepository", "apps", "dev-team"), ("HelmRelease", "apps", "podinfo"),
            ("HelmRepository", "apps", "podinfo"), ("Kustomization", "apps", "dev-team"),
            ("Kustomization", "flux-system", "kyverno"), ("Kustomization", "flux-system", "kyverno-policies")]


def test_every_flux_object_validates_against_the_crds(rendered: Path) -> None:
    from fluxform import crds

    objects = _documents(rendered / "clusters")
    for env in ("staging", "production"):
        objects += manifests.bootstrap_objects(load_spec(EXAMPLE / f"specs/{env}.yaml"))
    assert len(objects) == 16
    for obj in objects:
        assert crds.validate_object(obj) == [], obj["metadata"]


# --- a small evaluator for exactly the reference's Kyverno rules ------------------------------

_VARIABLE = re.compile(r"^\{\{\s*request\.object\.([A-Za-z0-9_.]+)\s*\}\}$")


def _lookup(obj: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _value(obj: dict[str, Any], expr: Any) -> Any:
    """`{{request.object.a.b}}` -> the value ('' when absent, as Kyverno substitutes)."""
    match = _VARIABLE.match(expr) if isinstance(expr, str) else None
    if match is None:
        return expr
    found = _lookup(obj, match.group(1))
    return "" if found is None else found


def _wildcard(pattern: str, value: Any) -> bool:
    """Kyverno's string pattern: `a | b` alternatives; `*` any run, `?` one character."""
    if not isinstance(value, str):
        return False
    return any(fnmatch.fnmatchcase(value, alt.strip()) for alt in pattern.split("|"))


def _pattern(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_pattern(p, value.get(k)) for k, p in pattern.items())
    return _wildcard(str(pattern), value)


def _resources(block: dict[str, Any]) -> list[dict[str, Any]]:
    if "any" in block:
        return [entry["resources"] for entry in block["any"]]
    return [block["resources"]]


def _selected(rule: dict[str, Any], obj: dict[str, Any]) -> bool:
    ns = obj["metadata"].get("namespace", "")
    matched = any(obj["kind"] in r.get("kinds", []) for r in _resources(rule["match"]))
    excluded = "exclude" in rule and any(ns in r.get("namespaces", []) for r in _resources(rule["exclude"]))
    return matched and not excluded


def _condition(obj: dict[str, Any], cond: dict[str, Any]) -> bool:
    key, value = _value(obj, cond["key"]), _value(obj, cond["value"])
    assert cond["operator"] in ("Equals", "NotEquals"), cond
    return (key == value) == (cond["operator"] == "Equals")


def kyverno_violations(policy: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    """The messages of the rules of `policy` that `obj` violates."""
    out = []
    for rule in policy["spec"]["rules"]:
        if not _selected(rule, obj):
            continue
        pre = rule.get("preconditions", {}).get("any")
        if pre is not None and not any(_condition(obj, c) for c in pre):
            continue
        validate = rule.get("validate")
        if validate is None:
            out.append(f"{rule['name']}: would verify a Pod's images")
        elif ("pattern" in validate and not _pattern(validate["pattern"], obj)) or ("deny" in validate and all(_condition(obj, c) for c in validate["deny"]["conditions"])):
            out.append(f"{rule['name']}: {validate['message']}")
    return out


def _policies() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(KYVERNO.glob("*.yaml"))]


def test_the_evaluator_catches_what_the_rules_forbid() -> None:
    """The evaluator is no rubber stamp: each rule fires on the object it is written against."""
    bad = [
        {"kind": "GitRepository", "metadata": {"namespace": "apps"},
         "spec": {"url": "https://github.com/someone-else/repo"}},
        {"kind": "Kustomization", "metadata": {"namespace": "apps"},
         "spec": {"sourceRef": {"kind": "GitRepository", "name": "x", "namespace": "flux-system"}}},
        {"kind": "HelmRelease", "metadata": {"namespace": "apps"},
         "spec": {"serviceAccountName": "a",
                  "chart": {"spec": {"sourceRef": {"name": "x", "namespace": "other"}}}}},
        {"kind": "Pod", "metadata": {"namespace": "apps"}, "spec": {}},
    ]
    found = sorted(v.split(":")[0] for obj in bad for p in _policies() for v in kyverno_violations(p, obj))
    assert found == ["github-repositories-only", "helmReleaseSourceRefNamespace",
                     "kustomizationSourceRefNamespace", "serviceAccountName", "verify-cosign-signature"]
    platform = {"kind": "GitRepository", "metadata": {"namespace": "flux-system"},
                "spec": {"url": "ssh://git@github.com/acme/fleet"}}
    assert not any(kyverno_violations(p, platform) for p in _policies())


@pytest.mark.parametrize("env", ["staging", "production"])
def test_tenant_objects_pass_the_reference_kyverno_policies(env: str) -> None:
    spec = load_spec(EXAMPLE / f"specs/{env}.yaml")
    objects = [o for t in spec.tenants for o in manifests.tenant_objects(spec, t)]
    assert {o["kind"] for o in objects} == {"GitRepository", "HelmRepository", "HelmRelease", "Kustomization"}
    for obj in objects:
        for policy in _policies():
            assert kyverno_violations(policy, obj) == [], (policy["metadata"]["name"], obj["metadata"])
