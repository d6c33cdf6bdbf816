"""Issue #12, end to end: canary credentials in every place one can enter, none in any output.

Ways in (one project copy for the module):
- a `secure:` stack config value (the committed ciphertext is a canary);
- a kubeconfig file named by `fluxform:kubeconfig` (bearer token, client-key-data);
- the planner's environment: GITHUB_TOKEN, PULUMI_ACCESS_TOKEN, AWS_*, PULUMI_CONFIG_PASSPHRASE,
  and KUBECONFIG naming a file full of canaries (its path holds one too);
- plaintext Secret data in a tampered `--baseline` graph and in a `--state` export (a
  `plaintext` secret envelope and an unencrypted Secret `data`);
- HelmRelease values under a password key and a source URL with `user:pass@` (stack `leaky`);
- stack `air` (issue #14: the fleet as a keyless-verified OCI artifact, a chart_ref Helm
  repository, an OCI tenant and no fluxform:githubOwner): its own `secure:` ciphertext, and
  credentials written into the new URL fields of its spec (`oci://user:pass@`, `oci://token@`,
  an https tenant URL and a Provider address with `token@`, a canary after a control
  character). fluxform refuses those at load time: every command run on them (validate,
  plan in each format with --out/--save/--save-plan, check, render) exits 1 with one line,
  shows no canary and writes nothing.

Ways out: plan text / markdown / json on stdout, `--out` files, `--save` graphs, the `--all
--out DIR` comment files, `--debug` stderr, `check` text and json, the `render` tree and its
`.fluxform-render.json`, `validate`, `--save-plan` reviewed plans, the capture cache directory,
and `apply` against the stand-in pulumi (tests/apply/standin). A canary must appear in none of
them, nor its SHA-256 (whole, or its first 16 hex digits: the width of a fingerprint) nor its
base64. Every run happens once, in the module fixture; the tests below each check one output.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hardening_support import Run, copy_project

from fluxform.cli import main

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))

from apply_support import engine_plan_of, events_of, export_of, install_standin

STATE_EXPORT = Path(__file__).parents[1] / "cli" / "state-export.json"

# One canary per way in; each distinctive, so a hit names its source.
CANARY = {
    "ciphertext": "v1:CANARY-secure-ciphertext-6d1f",
    "kube-token": "CANARY-kubeconfig-token-a4e2",
    "kube-key": "CANARY-kubeconfig-client-key-0b93",
    "ambient-token": "CANARY-ambient-kubeconfig-token-77c1",
    "ambient-path": "CANARY-ambient-kubeconfig-path-2f08",
    "GITHUB_TOKEN": "CANARY-env-github-token-5c3a",
    "PULUMI_ACCESS_TOKEN": "CANARY-env-pulumi-access-9e70",
    "AWS_ACCESS_KEY_ID": "CANARY-env-aws-key-id-14bd",
    "AWS_SECRET_ACCESS_KEY": "CANARY-env-aws-secret-c2f6",
    "AWS_SESSION_TOKEN": "CANARY-env-aws-session-8a55",
    "PULUMI_CONFIG_PASSPHRASE": "CANARY-env-passphrase-31e9",
    "baseline-stringData": "CANARY-baseline-stringdata-d04c",
    "baseline-data": "CANARY-baseline-data-6b2e",
    "state-plaintext": "CANARY-state-plaintext-f1a7",
    "state-data": "CANARY-state-data-93cd",
    "air-ciphertext": "v1:CANARY-air-secure-ciphertext-0c5e",
    "oci-url-password": "CANARY-oci-url-password-7d21",
    "oci-url-token": "CANARY-oci-url-token-e60b",
    "chart-url-token": "CANARY-chart-url-token-41a9",
    "git-url-token": "CANARY-https-url-token-b38f",
    "address-token": "CANARY-provider-address-token-9f14",
    "after-control": "CANARY-after-control-char-2ad7",
}
# Credentials written into the spec itself (stack `leaky`): flagged by FF020.
LEAKY = {"helm-password": "CANARY-helm-admin-password-4e4e",
         "url-password": "CANARY-url-password-5a5a"}
ENV_NAMES = ("GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
             "AWS_SESSION_TOKEN", "PULUMI_CONFIG_PASSPHRASE")


def forms(canary: str) -> dict[str, str]:
    """The canary and what could be derived from it: its SHA-256 (whole and fingerprint-wide)
    and its base64 (padded and not, standard and URL-safe)."""
    digest = hashlib.sha256(canary.encode()).hexdigest()
    b64 = base64.b64encode(canary.encode()).decode()
    return {"raw": canary, "sha256": digest, "sha256[:16]": digest[:16],
            "base64": b64.rstrip("="), "base64url": base64.urlsafe_b64encode(canary.encode())
            .decode().rstrip("=")}


def leaks(text: str, canaries: dict[str, str]) -> list[str]:
    found = []
    for name, canary in canaries.items():
        for form, needle in forms(canary).items():
            if needle in text or needle.lower() in text.lower():
                found.append(f"{name} ({form})")
    return found


def kubeconfig(token: str, key: str, server: str) -> str:
    return f"""apiVersion: v1
kind: Config
current-context: kc
clusters:
- name: kc
  cluster: {{server: "{server}", certificate-authority-data: Q0EtZGF0YQ==}}
contexts:
- name: kc
  context: {{cluster: kc, user: admin}}
users:
- name: admin
  user:
    token: {token}
    client-key-data: {base64.b64encode(key.encode()).decode()}
    client-certificate-data: {base64.b64encode(b"cert").decode()}
    password: {key}
"""


def make_project(root: Path) -> Path:
    """The repository's project, stack `dev` reaching its cluster through a kubeconfig file of
    canaries and holding a canary ciphertext; stack `leaky` also writes credentials in its
    spec."""
    project = copy_project(root)
    spec = (project / "stacks" / "dev.yaml").read_text()
    assert "context: kind-fluxform-dev" in spec and "replicaCount: 1\n" in spec
    spec = spec.replace("context: kind-fluxform-dev", "kubeconfig: kube.yaml")
    (project / "stacks" / "dev.yaml").write_text(spec)
    leaky = spec.replace("        replicaCount: 1\n", "        replicaCount: 1\n        adminPassword: "
                         f"{LEAKY['helm-password']}\n")
    leaky = leaky.replace("url: oci://ghcr.io/stefanprodan/charts",
                          f"url: https://bob:{LEAKY['url-password']}@charts.example.com/podinfo")
    (project / "stacks" / "leaky.yaml").write_text(leaky)
    config = (project / "Pulumi.dev.yaml").read_text()
    assert "v1:placeholder-dev:not-a-real-ciphertext" in config
    config = config.replace("fluxform:kubeContext: kind-fluxform-dev", "fluxform:kubeconfig: kube.yaml")
    config = config.replace("v1:placeholder-dev:not-a-real-ciphertext", CANARY["ciphertext"])
    (project / "Pulumi.dev.yaml").write_text(config)
    (project / "Pulumi.leaky.yaml").write_text(config.replace("stacks/dev.yaml", "stacks/leaky.yaml"))
    (project / "kube.yaml").write_text(
        kubeconfig(CANARY["kube-token"], CANARY["kube-key"], "https://203.0.113.7:6443"))
    (project / "stacks" / "air.yaml").write_text(AIR_SPEC)
    (project / "Pulumi.air.yaml").write_text(AIR_CONFIG)
    return project


# Stack `air`: the fleet as an OCI artifact (tests/delivery/test_delivery_oci_e2e.py), with
# `delivery: git` so that render writes its objects; nothing in it needs GitHub.
AIR_SPEC = """version: 1
cluster:
  name: air
  environment: prod
  context: kind-air
flux:
  chart_version: "2.17.2"
  delivery: git
fleet:
  type: oci
  oci:
    url: oci://registry.internal/acme/fleet
    tag: "2026.01.1"
    verify_signatures: true
    verify_identities:
      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
        subject: ^https://github\\.com/acme/fleet/\\.github/workflows/push\\.yaml@refs/heads/main$
  path: ./clusters/air
layers:
  - name: infra
    path: ./infra
helm:
  repositories:
    - name: charts
      url: oci://ghcr.io/stefanprodan/charts
      chart_ref: true
      verify_signatures: true
      verify_secret: cosign-keys
  releases:
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
  - name: team-b
    source:
      type: git
      url: https://git.example.com/acme/team-b
notifications:
  providers:
    - name: slack
      type: slack
      secret_config: slackWebhookUrl
    - name: hook
      type: generic
      address: https://hooks.example.com/flux
  alerts:
    - name: fleet
      provider: slack
      sources:
        - kind: OCIRepository
          name: flux-system
"""
AIR_CONFIG = f"""config:
  fluxform:spec: stacks/air.yaml
  fluxform:kubeContext: kind-air
  fluxform:slackWebhookUrl:
    secure: {CANARY["air-ciphertext"]}
"""
# Credentials in the new URL fields of stack `air` (each refused at load time).
REFUSED = {
    "oci-url-password": ("url: oci://registry.internal/acme/fleet",
                         f"url: oci://robot:{CANARY['oci-url-password']}@registry.internal/acme/fleet"),
    "oci-url-token": ("url: oci://registry.internal/acme/team-a",
                      f"url: oci://{CANARY['oci-url-token']}@registry.internal/acme/team-a"),
    "chart-url-token": ("url: oci://ghcr.io/stefanprodan/charts",
                        f"url: oci://{CANARY['chart-url-token']}@ghcr.io/stefanprodan/charts"),
    "git-url-token": ("url: https://git.example.com/acme/team-b",
                      f"url: https://{CANARY['git-url-token']}@git.example.com/acme/team-b"),
    "address-token": ("address: https://hooks.example.com/flux",
                      f"address: https://{CANARY['address-token']}@hooks.example.com/flux"),
    "after-control": ('tag: "2026.01.1"', f'tag: "2026\\e{CANARY["after-control"]}"'),
}


def state_export(path: Path) -> Path:
    """tests/cli/state-export.json (stack dev) with this module's state canaries."""
    text = STATE_EXPORT.read_text()
    assert "CANARY-state-plaintext-3c1d" in text and "CANARY-state-secret-data-8e2f" in text
    text = text.replace("CANARY-state-plaintext-3c1d", CANARY["state-plaintext"])
    text = text.replace("CANARY-state-secret-data-8e2f", CANARY["state-data"])
    path.write_text(text)
    return path


def tamper(graph_file: Path, dest: Path) -> Path:
    """A saved graph whose every Secret carries plaintext data, as a hostile baseline would."""
    doc = json.loads(graph_file.read_text())
    carriers = 0
    for res in doc["resources"]:
        if res["type"] == "kubernetes:core/v1:Secret":
            res["inputs"]["stringData"] = {"password": CANARY["baseline-stringData"]}
            res["inputs"]["data"] = {"token": base64.b64encode(
                CANARY["baseline-data"].encode()).decode(), "raw": CANARY["baseline-data"]}
            carriers += 1
    assert carriers >= 4
    dest.write_text(json.dumps(doc))
    return dest


def run(*args: str) -> Run:
    """The CLI in this process, its stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def tree_text(root: Path) -> dict[str, str]:
    """Every file under `root`, as text (undecodable bytes replaced)."""
    return {str(p.relative_to(root)): p.read_bytes().decode("utf-8", "replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class World:
    project: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> where -> text
    identical: dict[str, list[bytes]] = field(default_factory=dict)   # output -> per token
    cache_entries: int = 0
    air_cache_entries: int = 0
    refused: dict[str, list[Run]] = field(default_factory=dict)  # REFUSED name -> its runs

    def add(self, kind: str, where: str, text: str) -> None:
        self.outputs.setdefault(kind, {})[where] = text


@contextlib.contextmanager
def planner_environment(tmp: Path, token: str) -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        ambient = tmp / f"kubeconfig-{CANARY['ambient-path']}"
        ambient.write_text(kubeconfig(CANARY["ambient-token"], CANARY["ambient-token"],
                                      "https://198.51.100.9:6443"))
        for name in ENV_NAMES:
            mp.setenv(name, CANARY[name] + token)
        mp.setenv("KUBECONFIG", str(ambient))
        yield mp


def plan_outputs(world: World, tmp: Path, token: str, *, full: bool) -> None:
    """Every `plan` output of stack dev, with both baselines, in every format (`full`), and
    the outputs that must not depend on the token."""
    project = str(world.project)
    state = state_export(tmp / "state.json")
    saved = tmp / f"dev-{token}.graph.json"
    first = run("plan", "--project", project, "--stack", "dev", "--save", str(saved),
                "--no-policy-gate", "--no-cache")
    assert first.code == 0, first
    world.add("--save", f"clean ({token})", saved.read_text())
    # Byte-identical across tokens: the saved graph, the JSON plan, the reviewed plan.
    reviewed = tmp / f"reviewed-{token}.json"
    result = run("plan", "--project", project, "--stack", "dev", "--format", "json", "--state",
                 str(state), "--save-plan", str(reviewed), "--no-cache")
    assert result.code == 0, result
    world.add("--save-plan", f"--state ({token})", reviewed.read_text() + result.out + result.err)
    world.identical.setdefault("--save graph", []).append(saved.read_bytes())
    world.identical.setdefault("json plan", []).append(result.out.encode())
    world.identical.setdefault("--save-plan file", []).append(reviewed.read_bytes())
    if not full:
        return
    baseline = tamper(saved, tmp / "tampered.graph.json")
    for fmt in ("text", "markdown", "json"):
        for base in (["--state", str(state)], ["--baseline", str(baseline)], []):
            where = f"{fmt} {base[:1]} ({token})"
            out = tmp / f"plan-{token}.{fmt}"
            save = tmp / f"save-{token}.json"
            result = run("plan", "--project", project, "--stack", "dev", "--format", fmt,
                         *base, "--no-policy-gate", "--no-cache")
            assert result.code == 0, result
            world.add(fmt, where, result.out)
            world.add("stderr", where, result.err)
            result = run("--debug", "plan", "--project", project, "--stack", "dev", "--format", fmt,
                         *base, "--out", str(out), "--save", str(save), "--no-policy-gate",
                         "--no-cache")
            assert result.code == 0, result
            world.add("--out", where, out.read_text() + result.out)
            world.add("--debug stderr", where, result.err)
            world.add("--save", where, save.read_text())
    # Failing runs under --debug: a baseline of another stack, a hostile secret marker.
    other = json.loads(baseline.read_text())
    other["stack"] = "prod"
    (tmp / "other.graph.json").write_text(json.dumps(other))
    marker = json.loads(baseline.read_text())
    secret = next(r for r in marker["resources"] if r["type"] == "kubernetes:core/v1:Secret")
    secret["inputs"]["stringData"] = {"$fluxform": "secret", "fingerprint": None,
                                      "value": CANARY["baseline-stringData"]}
    (tmp / "marker.graph.json").write_text(json.dumps(marker))
    for name in ("other", "marker"):
        result = run("--debug", "plan", "--project", project, "--stack", "dev",
                     "--baseline", str(tmp / f"{name}.graph.json"), "--no-cache")
        assert result.code == 1, result
        world.add("--debug stderr", f"failing: {name} ({token})", result.out + result.err)


def other_outputs(world: World, tmp: Path) -> None:
    project = str(world.project)
    everything = tmp / "all"
    result = run("plan", "--project", project, "--all", "--format", "markdown", "--out",
                 str(everything), "--no-policy-gate", "--no-cache")
    assert result.code == 0, result
    files = tree_text(everything)
    assert {"dev.md", "prod.md", "leaky.md"} <= set(files), files
    for name, text in files.items():
        world.add("--all --out", name, text)
    world.add("--all --out", "stdout/stderr", result.out + result.err)
    for fmt in ("text", "json"):
        result = run("check", "--project", project, "--all", "--format", fmt)
        assert result.code == 1, result  # stack leaky breaks FF020
        assert "FF020" in result.out, result.out
        world.add("check", fmt, result.out + result.err)
    tree = tmp / "render"
    result = run("render", "--project", project, "--stack", "dev", "--out", str(tree))
    assert result.code == 0, result
    world.add("render", "stdout/stderr", result.out + result.err)
    files = tree_text(tree)
    assert ".fluxform-render.json" in files and len(files) >= 3, files
    for name, text in files.items():
        world.add("render", name, text)
    result = run("render", "--project", project, "--stack", "dev", "--out", str(tree), "--check")
    world.add("render", "--check", result.out + result.err)
    result = run("validate", str(world.project / "stacks" / "dev.yaml"),
                 str(world.project / "stacks" / "leaky.yaml"), str(world.project / "Pulumi.dev.yaml"))
    world.add("validate", "dev, leaky, Pulumi.dev.yaml", result.out + result.err)


def cache_outputs(world: World, tmp: Path) -> None:
    """The capture cache: under the credential environment (nothing may be cached, or what is
    cached holds no canary), then with only KUBECONFIG and a passphrase set (entries exist)."""
    project = str(world.project)
    cache = tmp / "cache"
    for stack in ("dev", "leaky"):
        result = run("plan", "--project", project, "--stack", stack, "--cache-dir", str(cache),
                     "--no-policy-gate")
        assert result.code == 0, result
        world.add("cache", f"plan {stack} stdout/stderr", result.out + result.err)
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_NAMES:
            if name != "PULUMI_CONFIG_PASSPHRASE":
                mp.delenv(name)
        for stack in ("dev", "dev"):  # twice: a stack that reads a kubeconfig is never stored
            result = run("plan", "--project", project, "--stack", stack, "--cache-dir",
                         str(cache), "--no-policy-gate")
            assert result.code == 0, result
            world.add("cache", f"plan {stack} (no credential env) stdout/stderr",
                      result.out + result.err)
            assert "captured: dev; 1 not cacheable" in result.err, result.err
    files = tree_text(cache)
    world.cache_entries = sum(name.endswith(".json") for name in files)
    for name, text in files.items():
        world.add("cache", name, text)


def air_outputs(world: World, tmp: Path) -> None:
    """Stack `air` (OCI fleet, no GitHub): every plan format with --out/--save/--save-plan,
    render, validate, and a capture cache of its own (its stack reads no kubeconfig file, so
    entries are stored: they must hold no canary either)."""
    project = str(world.project)
    for fmt in ("text", "markdown", "json"):
        out, save, reviewed = tmp / f"air.{fmt}", tmp / f"air-{fmt}.graph.json", tmp / f"air-{fmt}.plan.json"
        result = run("--debug", "plan", "--project", project, "--stack", "air", "--format", fmt,
                     "--out", str(out), "--save", str(save), "--save-plan", str(reviewed),
                     "--no-policy-gate", "--no-cache")
        assert result.code == 0, result
        world.add(fmt, f"air {fmt}", result.out)
        world.add("--debug stderr", f"air {fmt}", result.err)
        world.add("--out", f"air {fmt}", out.read_text())
        world.add("--save", f"air {fmt}", save.read_text())
        world.add("--save-plan", f"air {fmt}", reviewed.read_text())
        if fmt == "text":
            text = out.read_text()
            assert "OCIRepository flux-ocirepository-flux-system will be created" in text, text
            assert "providers:github" not in text, "an OCI-only stack needs no GitHub provider"
    tree = tmp / "render-air"
    result = run("render", "--project", project, "--stack", "air", "--out", str(tree))
    assert result.code == 0, result
    world.add("render", "air stdout/stderr", result.out + result.err)
    files = tree_text(tree)
    assert "clusters/air/helm/ocirepository-podinfo.yaml" in files, sorted(files)
    for name, text in files.items():
        world.add("render", f"air {name}", text)
    result = run("validate", str(world.project / "stacks" / "air.yaml"))
    assert result.code == 0, result
    world.add("validate", "air", result.out + result.err)
    cache = tmp / "cache-air"
    for _ in range(2):  # the second run reads what the first stored
        result = run("plan", "--project", project, "--stack", "air", "--cache-dir", str(cache),
                     "--no-policy-gate")
        assert result.code == 0, result
        world.add("cache", "plan air stdout/stderr", result.out + result.err)
    files = tree_text(cache)
    world.air_cache_entries = sum(name.endswith(".json") for name in files)
    for name, text in files.items():
        world.add("cache", f"air {name}", text)


def refused_outputs(world: World, tmp: Path) -> None:
    """Stack `refused`: stack `air` with one credential written into a new URL field. Every
    command exits 1 with one line and writes none of its files."""
    from hardening_support import assert_one_line

    project = str(world.project)
    spec_file = world.project / "stacks" / "refused.yaml"
    (world.project / "Pulumi.refused.yaml").write_text(AIR_CONFIG.replace("stacks/air.yaml",
                                                                          "stacks/refused.yaml"))
    try:
        for name, (old, new) in REFUSED.items():
            assert old in AIR_SPEC, name
            spec_file.write_text(AIR_SPEC.replace(old, new, 1))
            base = tmp / f"refused-{name}"
            runs = [run("validate", str(spec_file))]
            for fmt in ("text", "markdown", "json"):
                runs.append(run("--debug", "plan", "--project", project, "--stack", "refused",
                                "--format", fmt, "--out", str(base / "plan"), "--save", str(base / "graph"),
                                "--save-plan", str(base / "reviewed"), "--cache-dir", str(base / "cache")))
            for fmt in ("text", "json"):
                runs.append(run("check", "--project", project, "--stack", "refused", "--format", fmt))
            runs.append(run("render", "--project", project, "--stack", "refused", "--out", str(base / "tree")))
            for result in runs:
                assert_one_line(result, "refused.yaml:")
                world.add("refused", f"{name} #{len(world.refused.get(name, []))}", result.out + result.err)
                world.refused.setdefault(name, []).append(result)
            written = sorted(str(p.relative_to(base)) for p in base.rglob("*")) if base.exists() else []
            assert written in ([], ["cache"]), (name, written)  # an empty cache directory at most
    finally:
        spec_file.unlink()
        (world.project / "Pulumi.refused.yaml").unlink()


def apply_outputs(world: World, tmp: Path, mp: pytest.MonkeyPatch) -> None:
    """`apply` of a reviewed plan, and `apply --auto-approve`, against the stand-in pulumi."""
    from fluxform.stackrun import capture_stack

    project = str(world.project)
    standin = install_standin(tmp, mp)
    before = json.loads(state_export(tmp / "state.json").read_text())
    desired = capture_stack(world.project, "dev")
    after = export_of(desired, time="2026-11-02T10:00:00Z")
    standin.set(exports=[before])
    reviewed = tmp / "apply-reviewed.json"
    result = run("plan", "--project", project, "--stack", "dev", "--state-from-stack",
                 "--save-plan", str(reviewed), "--no-policy-gate", "--no-cache")
    assert result.code == 0, result
    world.add("--save-plan", "--state-from-stack", reviewed.read_text() + result.out + result.err)
    plan = json.loads(reviewed.read_text())["plan"]
    standin.set(exports=[before, after], plan=engine_plan_of(plan), events=events_of(plan))
    standin.reset()  # the stand-in counts its exports from its log
    result = run("apply", "--project", project, "--stack", "dev", str(reviewed))
    assert result.code in (0, 3), result
    assert "Apply complete" in result.out, result.out
    world.add("apply", "reviewed plan", result.out + result.err)
    standin.reset()
    standin.set(exports=[before, after])
    result = run("apply", "--project", project, "--stack", "dev", "--auto-approve", "--no-color")
    assert result.code in (0, 3), result
    world.add("apply", "--auto-approve", result.out + result.err)
    # The stand-in's argv log: what fluxform passed to the engine.
    world.add("apply", "pulumi argv", standin.log.read_text())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("canary")
    w = World(make_project(tmp / "project"))
    for token in ("-1", "-2"):
        with planner_environment(tmp, token):
            plan_outputs(w, tmp, token, full=token == "-1")
    with planner_environment(tmp, "") as mp:
        other_outputs(w, tmp)
        cache_outputs(w, tmp)
        air_outputs(w, tmp)
        refused_outputs(w, tmp)
        apply_outputs(w, tmp, mp)
    return w


KINDS = ["text", "markdown", "json", "stderr", "--debug stderr", "--out", "--save", "--all --out",
         "check", "render", "validate", "--save-plan", "cache", "apply", "refused"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_canary_in_output(world: World, kind: str) -> None:
    outputs = world.outputs[kind]
    assert outputs and all(isinstance(t, str) for t in outputs.values())
    for where, text in outputs.items():
        found = leaks(text, CANARY)
        assert not found, f"{kind} / {where}: {found}"
        for server in ("203.0.113.7", "198.51.100.9"):  # the kubeconfig's cluster, not shown
            assert server not in text, f"{kind} / {where}: {server}"


def test_the_canaries_went_in(world: World) -> None:
    """Otherwise the test above passes for nothing: the inputs reached the plan (as markers)."""
    text = "\n".join(world.outputs["text"].values())
    assert "(sensitive value)" in text
    saved = json.loads(world.outputs["--save"]["clean (-1)"])
    (kube,) = [r for r in saved["resources"] if r["type"] == "pulumi:providers:kubernetes"]
    assert kube["inputs"]["kubeconfig"]["$fluxform"] == "secret"
    plans = [json.loads(t) for w, t in world.outputs["json"].items() if "--baseline" in w]
    secret_fields = [f for p in plans for c in p["changes"] for f in c.get("fields", [])
                     if f.get("secret")]
    assert secret_fields, "the tampered baseline's Secret data was not compared"
    # The world's stacks reach their cluster through a kubeconfig file: nothing derived from
    # it may be stored, so the cache holds no entry for them at all (fluxform/cache.py).
    assert world.cache_entries == 0, "a capture that read a kubeconfig file was cached"
    assert world.air_cache_entries >= 1, "stack air's capture was not cached: nothing was checked"
    air = json.loads(world.outputs["--save"]["air json"])
    (slack,) = [r for r in air["resources"] if r["name"] == "notifications-slack-address"]
    assert "(sensitive value)" in world.outputs["--out"]["air text"] and slack["inputs"]["stringData"]
    assert len([k for kind in world.outputs.values() for k in kind]) >= 60


def test_every_credential_in_a_new_url_field_is_refused_by_every_command(world: World) -> None:
    """Each REFUSED spec: validate, plan x3, check x2 and render each failed on its field."""
    assert set(world.refused) == set(REFUSED)
    fields = {"oci-url-password": "fleet.oci.url", "oci-url-token": "tenants[0].source.url",
              "chart-url-token": "helm.repositories[0].url", "git-url-token": "tenants[1].source.url",
              "address-token": "notifications.providers[1].address", "after-control": "fleet.oci.tag"}
    for name, runs in world.refused.items():
        assert len(runs) == 7, name
        for result in runs:
            assert f": {fields[name]}: " in result.err, (name, result.err)


@pytest.mark.parametrize("output", ["--save graph", "json plan", "--save-plan file"])
def test_two_tokens_give_byte_identical_outputs(world: World, output: str) -> None:
    first, second = world.identical[output]
    assert first == second


def test_no_credential_name_or_derived_value_in_cached_inputs(world: World) -> None:
    """The cache entries' recorded inputs name no credential variable with a value."""
    for name, text in world.outputs["cache"].items():
        if not name.endswith(".json"):
            continue
        header = json.loads(text.split("\n", 1)[0])
        for key, value in header["inputs"].items():
            if key.startswith("env:") and any(w in key for w in ("TOKEN", "SECRET", "PASS", "KEY")):
                assert value == "unset", (name, key)


def test_no_digest_of_the_kubeconfig_file_in_the_cache(world: World) -> None:
    blob = (world.project / "kube.yaml").read_bytes()
    sha1 = hashlib.sha1(b"blob %d\0" % len(blob) + blob).hexdigest()
    sha256 = hashlib.sha256(blob).hexdigest()
    for name, text in world.outputs["cache"].items():
        assert sha1 not in text and sha256 not in text, name


def test_no_spec_credential_in_the_plan(world: World, tmp_path: Path) -> None:
    project = str(world.project)
    outputs = {}
    for fmt in ("text", "markdown", "json"):
        result = run("plan", "--project", project, "--stack", "leaky", "--format", fmt,
                     "--no-policy-gate", "--no-cache", "--save", str(tmp_path / "g.json"))
        assert result.code == 0, result
        outputs[fmt] = result.out + result.err
        outputs[f"--save {fmt}"] = (tmp_path / "g.json").read_text()
    assert "FF020" in outputs["text"]
    for where, text in outputs.items():
        assert not leaks(text, LEAKY), where


def test_spec_credentials_stay_out_of_check_render_and_policy_messages(world: World,
                                                                       tmp_path: Path) -> None:
    """Where fluxform itself speaks about them (findings, check, render), it names the path."""
    project = str(world.project)
    outputs = {k: v for k, v in world.outputs["check"].items()}
    result = run("render", "--project", project, "--stack", "leaky", "--out", str(tmp_path / "r"))
    outputs["render leaky"] = result.out + result.err
    outputs.update(tree_text(tmp_path / "r") if (tmp_path / "r").exists() else {})
    plan = run("plan", "--project", project, "--stack", "leaky", "--format", "json",
               "--no-policy-gate", "--no-cache")
    findings = json.loads(plan.out)["findings"]
    assert {f["rule"] for f in findings} >= {"FF020"}, findings
    outputs["findings"] = json.dumps(findings)
    for where, text in outputs.items():
        assert not leaks(text, LEAKY), where
