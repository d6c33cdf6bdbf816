"""Canary secrets through every path in, every output out: none may ever appear.

Paths in: a config secret (as if `secure:` had been decrypted: the canary is handed to the
capture as the config value), a tls private key and a random token (what a real engine would
return: a Mocks subclass answers with canaries), Kubernetes Secret data (the program puts all
three there), and a `pulumi stack export` baseline holding a plaintext secret and unencrypted
Secret data. Out: text (with and without colour), markdown, json, the saved graph, stderr.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_support import fluxform_here
from conftest import ROOT
from pulumi.runtime import mocks as pulumi_mocks

import fluxform.project
import fluxform.stackrun
from fluxform.capture import PlanMocks
from fluxform.graph import Graph
from fluxform.project import StackConfig

CANARY = {
    "config": "CANARY-config-webhook-a17f",
    "tls-openssh": "CANARY-tls-openssh-52c9",
    "tls-pem": "CANARY-tls-pem-0be3",
    "random-hex": "CANARY-random-hex-9d41",
    "random-b64": "CANARY-random-b64-e6a0",
    "state-plaintext": "CANARY-state-plaintext-3c1d",  # in state-export.json
    "state-secret-data": "CANARY-state-secret-data-8e2f",  # in state-export.json
}
SEEN: Counter[str] = Counter()


class CanaryMocks(PlanMocks):
    """A real engine's computed secret outputs, as canaries."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        id_, state = super().new_resource(args)
        if args.typ == "tls:index/privateKey:PrivateKey":
            SEEN["tls"] += 1
            state.update(privateKeyOpenssh=CANARY["tls-openssh"], privateKeyPem=CANARY["tls-pem"],
                         publicKeyOpenssh="ssh-ed25519 AAAAC3Nza-public-half")
        if args.typ == "random:index/randomBytes:RandomBytes":
            SEEN["random"] += 1
            state.update(hex=CANARY["random-hex"], base64=CANARY["random-b64"])
        return id_, state


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch) -> None:
    real_load, real_capture = fluxform.project.load_stack, fluxform.stackrun.capture_config

    def load_stack(project_dir: str | Path, stack: str) -> StackConfig:
        config = real_load(project_dir, stack)
        assert "fluxform:slackWebhookUrl" in config.secret_keys
        return dataclasses.replace(config, config={**config.config,
                                                   "fluxform:slackWebhookUrl": CANARY["config"]})

    def capture_config(stack: StackConfig, mocks: pulumi_mocks.Mocks | None = None) -> Graph:
        SEEN["config"] += stack.config["fluxform:slackWebhookUrl"] == CANARY["config"]
        return real_capture(stack, CanaryMocks())

    monkeypatch.setattr(fluxform.project, "load_stack", load_stack)
    monkeypatch.setattr(fluxform.stackrun, "capture_config", capture_config)


def test_no_canary_in_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 canaries: None) -> None:
    state = str(Path(__file__).parent / "state-export.json")
    saved = tmp_path / "dev.graph.json"
    outputs: dict[str, str] = {}
    for fmt in ("text", "markdown", "json"):
        out = tmp_path / f"plan.{fmt}"
        for baseline in (["--state", state], ["--baseline", str(saved)]):
            args = ["--save", str(saved)] if baseline[0] == "--state" else []
            run = fluxform_here(capsys, "plan", "--project", str(ROOT), "--stack", "dev",
                                "--format", fmt, *baseline, *args, "--no-policy-gate")
            assert run.code == 0, run.err
            outputs[f"{fmt} vs {baseline[0]}"] = run.out + run.err
            outputs[f"saved graph ({fmt} run)"] = saved.read_text()
        fluxform_here(capsys, "plan", "--project", str(ROOT), "--stack", "dev", "--format", fmt,
                      "--out", str(out), "--color")
        outputs[f"{fmt} --out file"] = out.read_text()
    coloured = fluxform_here(capsys, "plan", "--project", str(ROOT), "--stack", "dev", "--color")
    outputs["coloured text"] = coloured.out + coloured.err
    assert "\x1b[" in coloured.out

    # The canaries did go in: otherwise this test would pass for nothing.
    assert SEEN["config"] >= 8 and SEEN["tls"] >= 8 and SEEN["random"] >= 8
    graph = json.loads(saved.read_text())
    carriers = [r for r in graph["resources"] if r["type"] == "kubernetes:core/v1:Secret"]
    assert len(carriers) >= 4 and all("stringData" in r["inputs"] for r in carriers)
    assert "(sensitive value)" in outputs["text vs --state"]
    assert '"secret": true' in outputs["json vs --state"]
    for where, text in outputs.items():
        for name, canary in CANARY.items():
            assert canary not in text, f"{name} canary leaked into {where}"
        assert "CANARY" not in text, where


# --- The planner's environment and a kubeconfig file (issue #12) ---------------------------

ENV_CANARY = "CANARY-env-ghp-91b2"
KUBE_CANARY = "CANARY-kubeconfig-bearer-3f70"
KUBECONFIG_TEXT = f"""apiVersion: v1
kind: Config
current-context: kc
clusters:
- name: kc
  cluster: {{server: "https://203.0.113.7:6443", certificate-authority-data: Q0EtZGF0YQ==}}
contexts:
- name: kc
  context: {{cluster: kc, user: admin}}
users:
- name: admin
  user: {{token: {KUBE_CANARY}, client-key-data: {KUBE_CANARY}-key}}
"""


def kubeconfig_project(tmp_path: Path) -> Path:
    from cli_support import copy_project

    project = copy_project(tmp_path / "project")
    spec = (project / "stacks" / "dev.yaml").read_text()
    (project / "stacks" / "kc.yaml").write_text(
        spec.replace("context: kind-fluxform-dev", "kubeconfig: kube.yaml"))
    (project / "kube.yaml").write_text(KUBECONFIG_TEXT)
    dev = (project / "Pulumi.dev.yaml").read_text()
    assert "fluxform:spec: stacks/dev.yaml" in dev and "fluxform:kubeContext:" in dev
    (project / "Pulumi.kc.yaml").write_text(
        dev.replace("fluxform:spec: stacks/dev.yaml", "fluxform:spec: stacks/kc.yaml")
        .replace("fluxform:kubeContext: kind-fluxform-dev", "fluxform:kubeconfig: kube.yaml"))
    return project


def planner_env(monkeypatch: pytest.MonkeyPatch, token: str, kubeconfig: Path) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_BASE_URL", f"https://{token}.example/api/v3/")
    monkeypatch.setenv("GITHUB_OWNER", token)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    for flag in ("ENABLE_SECRET_MUTABLE", "ENABLE_CONFIGMAP_MUTABLE", "DELETE_UNREACHABLE",
                 "ENABLE_SERVER_SIDE_APPLY", "SKIP_UPDATE_UNREACHABLE"):
        monkeypatch.setenv(f"PULUMI_K8S_{flag}", "false" if token.endswith("1") else "true")


def test_no_environment_value_or_kubeconfig_in_any_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project = kubeconfig_project(tmp_path)
    ambient = tmp_path / "ambient-kubeconfig"
    ambient.write_text(KUBECONFIG_TEXT.replace(KUBE_CANARY, KUBE_CANARY + "-ambient"))
    outputs: dict[str, str] = {}
    graphs: list[bytes] = []
    for token in (ENV_CANARY + "-1", ENV_CANARY + "-2"):
        planner_env(monkeypatch, token, ambient)
        saved = tmp_path / f"{token}.graph.json"
        for stack in ("kc", "dev"):
            for fmt in ("text", "markdown", "json"):
                out = tmp_path / f"{stack}.{fmt}"
                run = fluxform_here(capsys, "--debug", "plan", "--project", str(project),
                                    "--stack", stack, "--format", fmt, "--out", str(out),
                                    "--no-policy-gate")
                assert run.code == 0, run.err
                outputs[f"{stack} {fmt} --out ({token})"] = out.read_text() + run.out + run.err
                run = fluxform_here(capsys, "--debug", "plan", "--project", str(project),
                                    "--stack", stack, "--format", fmt, "--no-policy-gate")
                outputs[f"{stack} {fmt} ({token})"] = run.out + run.err
        run = fluxform_here(capsys, "plan", "--project", str(project), "--stack", "kc",
                            "--save", str(saved), "--no-policy-gate")
        assert run.code == 0, run.err
        graphs.append(saved.read_bytes())
        outputs[f"saved graph ({token})"] = saved.read_text()
        everything = tmp_path / f"all-{token}"
        run = fluxform_here(capsys, "plan", "--project", str(project), "--all",
                            "--format", "markdown", "--out", str(everything), "--no-policy-gate")
        assert run.code == 0, run.err
        for path in sorted(everything.iterdir()):
            outputs[f"--all {path.name} ({token})"] = path.read_text()
    # Two tokens, two sets of PULUMI_K8S_* flags, same graph: nothing of the environment in it.
    assert graphs[0] == graphs[1]
    graph = json.loads(graphs[0])
    (kube,) = [r for r in graph["resources"] if r["type"] == "pulumi:providers:kubernetes"]
    assert kube["inputs"]["kubeconfig"]["$fluxform"] == "secret"  # masked, present
    assert kube["inputs"]["enableSecretMutable"] == "true"  # explicit, not from the environment
    (gh,) = [r for r in graph["resources"] if r["type"] == "pulumi:providers:github"]
    assert "token" not in gh["inputs"] and gh["inputs"]["baseUrl"] == "https://api.github.com/"
    assert len(outputs) >= 30
    for where, text in outputs.items():
        for canary in (ENV_CANARY, KUBE_CANARY, "203.0.113.7"):
            assert canary not in text, f"{canary} leaked into {where}"


def test_kubeconfig_fingerprint_follows_the_active_cluster_only() -> None:
    from fluxform.capture import kubeconfig_marker

    base = kubeconfig_marker({"kubeconfig": KUBECONFIG_TEXT})
    rotated = kubeconfig_marker({"kubeconfig": KUBECONFIG_TEXT.replace(KUBE_CANARY, "other")})
    moved = kubeconfig_marker({"kubeconfig": KUBECONFIG_TEXT.replace("203.0.113.7", "203.0.113.8")})
    assert base is not None and base["fingerprint"]
    assert rotated == base  # credentials are never read into the plan
    assert moved is not None and moved["fingerprint"] != base["fingerprint"]
    assert kubeconfig_marker({"kubeconfig": "not: [a kubeconfig"}) == {
        "$fluxform": "secret", "fingerprint": None}
