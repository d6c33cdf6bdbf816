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
