"""An OCI fleet end to end, through the CLI as a user runs it: a stand-alone project (Pulumi.yaml,
Pulumi.prod.yaml, a spec) whose fleet is an OCI artifact verified keyless, with a chart_ref Helm
repository and an OCI tenant; `validate`, `plan` (text and json), `check` and `render`.

What must hold: no GitHub deploy key, TLS key, Git Secret or GitHub provider for the fleet (and
no fluxform:githubOwner needed: least privilege, docs/security.md); the root Kustomization syncs
OCIRepository flux-system; every Flux object passes the CRD check; the rendered tree builds
with `kubectl kustomize`; FF026 fires in production without verification and not with it; and
a move from a Git fleet to this one plans R-SOURCE-KIND and deletes the deploy key last."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cli

from fluxform.crds import validate_object
from fluxform.render.tree import identity

KUBECTL = shutil.which("kubectl")
KEYLESS = """      verify_signatures: true
      verify_identities:
        - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
          subject: ^https://github\\.com/acme/fleet/\\.github/workflows/push\\.yaml@refs/heads/main$
"""
HEAD = """version: 1
cluster:
  name: air
  environment: prod
  context: kind-air
flux:
  chart_version: "2.17.2"
  delivery: git
"""
OCI_FLEET = """fleet:
  type: oci
  oci:
    url: oci://registry.internal/acme/fleet
    tag: "2026.01.1"
    verify_signatures: true
    verify_identities:
      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
        subject: ^https://github\\.com/acme/fleet/\\.github/workflows/push\\.yaml@refs/heads/main$
  path: ./clusters/air
"""
GIT_FLEET = """fleet:
  owner: acme
  repository: fleet
  path: ./clusters/air
"""
REST = """layers:
  - name: infra
    path: ./infra
helm:
  repositories:
    - name: charts
      url: oci://ghcr.io/stefanprodan/charts
      chart_ref: true
""" + KEYLESS + """  releases:
    - name: podinfo
      namespace: podinfo
      repository: charts
      chart: podinfo
      version: "6.7.1"
tenants:
  - name: team-a
    source:
      type: oci
      url: oci://registry.internal/acme/team-a
      digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      verify_signatures: true
      verify_secret: team-a-cosign
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
SPEC = HEAD + OCI_FLEET + REST
CONFIG = """config:
  fluxform:spec: stacks/prod.yaml
  fluxform:kubeContext: kind-air
  fluxform:slackWebhookUrl:
    secure: v1:placeholder-air:not-a-real-ciphertext
"""
# A stack whose spec gives a GitHub repository a deploy key needs the owner, and gets it here.
OWNER = "  fluxform:githubOwner: acme\n"
FLUX_GROUP = ".toolkit.fluxcd.io/"


def project(root: Path, spec: str = SPEC, config: str = CONFIG) -> Path:
    (root / "program").mkdir(parents=True, exist_ok=True)
    (root / "stacks").mkdir(exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: airgap\nruntime:\n  name: python\nmain: program/\n")
    (root / "program" / "__main__.py").write_text("from fluxform.program import main\n\nmain()\n")
    (root / "Pulumi.prod.yaml").write_text(config)
    (root / "stacks" / "prod.yaml").write_text(spec)
    return root


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, *args)


def plan_json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "plan", "--project", str(root), "--stack", "prod", "--format", "json",
                         "--no-policy-gate", "--no-cache", *extra)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The project and the graph `plan --save` wrote for it."""
    root = project(tmp_path_factory.mktemp("oci-e2e"))
    graph = root / "graph.json"
    with pytest.MonkeyPatch.context():
        from fluxform.cli import main

        try:
            main(["plan", "--project", str(root), "--stack", "prod", "--save", str(graph), "--no-cache",
                  "--no-policy-gate"])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return root, json.loads(graph.read_text())


def test_the_spec_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, out, err = cli(capsys, "validate", str(root / "stacks" / "prod.yaml"))
    assert (code, err) == (0, "") and out.startswith("ok: "), out + err


def test_plan_text_has_the_oci_fleet_and_nothing_of_github(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, out, err = cli(capsys, "plan", "--project", str(root), "--stack", "prod", "--no-cache")
    assert code == 0, err
    assert "OCIRepository flux-ocirepository-flux-system will be created" in out
    assert "notifications-slack-address will be created" in out  # the secure value's Secret
    for absent in ("github:", "providers:github", "DeployKey", "tls:", "fleet-key", "GitRepository"):
        assert absent not in out, absent


def test_the_graph_holds_no_deploy_key_tls_key_git_secret_or_github_provider(
        saved: tuple[Path, dict[str, Any]]) -> None:
    _, graph = saved
    types = [r["type"] for r in graph["resources"]]
    assert not [t for t in types if t.startswith(("github:", "tls:", "pulumi:providers:github"))], types
    assert "fluxform:index:DeployKey" not in types
    secrets = [r for r in graph["resources"] if r["type"] == "kubernetes:core/v1:Secret"]
    assert [r["name"] for r in secrets] == ["notifications-slack-address"]  # no Git credentials
    assert [r["type"] for r in graph["resources"] if r["type"].startswith("pulumi:providers:")] == [
        "pulumi:providers:kubernetes"]


def test_the_root_sync_reads_the_oci_repository_and_every_flux_object_passes_the_crds(
        saved: tuple[Path, dict[str, Any]]) -> None:
    _, graph = saved
    flux = [r for r in graph["resources"] if FLUX_GROUP in r["type"]]
    by_name = {r["name"]: r["inputs"] for r in flux}
    root = by_name["flux-kustomization-flux-system"]
    assert root["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system"}
    source = by_name["flux-ocirepository-flux-system"]
    assert source["spec"]["verify"]["provider"] == "cosign"
    assert source["spec"]["verify"]["matchOIDCIdentity"][0]["issuer"].startswith("^https://token")
    assert "secretRef" not in source["spec"]
    assert len(flux) >= 2
    for res in flux:
        assert validate_object(res["inputs"]) == [], res["name"]


def test_plan_json_and_check_are_clean(saved: tuple[Path, dict[str, Any]],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = saved
    doc = plan_json(capsys, root)
    assert doc["summary"]["create"] >= 10 and doc["summary"]["delete"] == 0
    assert not [c for c in doc["changes"] if "github" in c["type"] or c["type"].startswith("tls:")]
    assert not [f for f in doc["findings"] if f["severity"] == "error"], doc["findings"]
    code, out, err = cli(capsys, "check", "--project", str(root), "--stack", "prod", "--format", "json")
    assert code == 0, out + err
    assert json.loads(out) == {"errors": 0, "stacks": {"prod": []}}


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
def test_render_builds_with_kubectl_kustomize_and_passes_the_crds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path / "p")
    out = tmp_path / "fleet"
    code, _, err = cli(capsys, "render", "--project", str(root), "--stack", "prod", "--out", str(out))
    assert code == 0, err
    built = subprocess.run([str(KUBECTL), "kustomize", str(out / "clusters" / "air")],
                           capture_output=True, text=True, check=False, timeout=120)
    assert built.returncode == 0, built.stderr
    objects = [d for d in yaml.safe_load_all(built.stdout) if d]
    assert sorted(map(identity, objects)) == sorted([
        ("HelmRelease", "flux-system", "podinfo"), ("Kustomization", "flux-system", "infra"),
        ("Kustomization", "team-a", "team-a"), ("Alert", "flux-system", "fleet"),
        ("Provider", "flux-system", "slack"), ("OCIRepository", "flux-system", "podinfo"),
        ("OCIRepository", "team-a", "team-a"),
    ]), [identity(o) for o in objects]
    for obj in objects:
        assert validate_object(obj) == [], identity(obj)
    (infra,) = [o for o in objects if o["metadata"]["name"] == "infra"]
    assert infra["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "flux-system"}
    (release,) = [o for o in objects if o["kind"] == "HelmRelease"]
    assert release["spec"]["chartRef"] == {"kind": "OCIRepository", "name": "podinfo",
                                           "namespace": "flux-system"}


def _ff026(capsys: pytest.CaptureFixture[str], root: Path) -> list[str]:
    code, out, err = cli(capsys, "check", "--project", str(root), "--stack", "prod", "--format", "json")
    findings = json.loads(out)["stacks"]["prod"]
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0), out + err
    return [f["message"] for f in findings if f["rule"] == "FF026"]


def test_ff026_fires_in_production_without_verification_only(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    fleet_keyless = OCI_FLEET[OCI_FLEET.index("    verify_signatures"):OCI_FLEET.index("  path:")]
    unverified = SPEC.replace(fleet_keyless, "", 1)
    assert unverified != SPEC
    messages = _ff026(capsys, project(tmp_path / "off", unverified))
    assert len(messages) == 1 and "OCIRepository flux-system/flux-system" in messages[0], messages
    assert _ff026(capsys, project(tmp_path / "on")) == []
    dev = unverified.replace("environment: prod", "environment: dev")
    assert _ff026(capsys, project(tmp_path / "dev", dev)) == []


def test_github_owner_is_needed_only_where_a_deploy_key_is_registered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An OCI-only stack plans without fluxform:githubOwner; a Git fleet, or an OCI fleet with a
    GitHub tenant, without it is one clear line naming the key and the owner."""
    github_tenant = SPEC.replace("""tenants:
""", """tenants:
  - name: team-b
    source:
      owner: acme
      repository: team-b
""")
    for name, spec in (("git", HEAD + GIT_FLEET + REST), ("tenant", github_tenant)):
        root = project(tmp_path / name, spec)
        code, _, err = cli(capsys, "plan", "--project", str(root), "--stack", "prod", "--no-cache")
        assert code == 1 and "Traceback" not in err, err
        (line,) = err.strip().splitlines()
        assert line.startswith("error: ") and "fluxform:githubOwner is not set" in line, line
        assert "'acme'" in line and "pulumi config set fluxform:githubOwner acme" in line, line
        root = project(tmp_path / name, spec, CONFIG + OWNER)
        doc = plan_json(capsys, root)
        assert [c["name"] for c in doc["changes"] if c["type"] == "pulumi:providers:github"] == ["github-acme"]


def test_moving_from_a_git_fleet_plans_source_kind_and_deletes_the_deploy_key_last(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same stack, first with a Git fleet (saved graph), then with the OCI one."""
    root = project(tmp_path, HEAD + GIT_FLEET + REST, CONFIG + OWNER)
    graph = tmp_path / "git.graph.json"
    code, _, err = cli(capsys, "plan", "--project", str(root), "--stack", "prod", "--save", str(graph),
                       "--no-cache", "--no-policy-gate")
    assert code == 0, err
    project(root, SPEC, CONFIG + OWNER)  # the owner stays in the config; nothing needs it now
    doc = plan_json(capsys, root, "--baseline", str(graph))
    changes = [(c["op"], c["type"].rsplit(":", 1)[-1], c["name"]) for c in doc["changes"]]
    kinds = {c["type"] for c in doc["changes"]}
    risks = {r["code"]: r for c in doc["changes"] for r in c["risks"]}
    assert "R-SOURCE-KIND" in risks and "R-DEPLOY-KEY" in risks
    root_sync = next(c for c in doc["changes"] if c["name"] == "flux-kustomization-flux-system")
    assert root_sync["op"] == "update" and "R-SOURCE-KIND" in {r["code"] for r in root_sync["risks"]}
    # The GitHub provider goes too (least privilege), after the deploy key it deleted with.
    assert "pulumi:providers:github" in kinds
    positions = {name: i for i, (_, _, name) in enumerate(changes)}
    key = next(n for op, kind, n in changes if kind == "RepositoryDeployKey" and op == "delete")
    secret = next(n for op, kind, n in changes if kind == "Secret" and op == "delete")
    for op, _, name in changes:
        if op != "delete":  # the OCI source and the switched syncs exist before any key goes
            assert positions[name] < positions[key] and positions[name] < positions[secret], changes
    git_source = positions["flux-gitrepository-flux-system"]
    assert git_source < positions[key] and git_source < positions[secret], changes
    assert positions[key] < positions["github-acme"], changes
