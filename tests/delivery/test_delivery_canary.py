"""The SOPS private key never reaches any output: plan text, markdown and JSON, the --out file,
the saved graph (--save), policy findings and the rendered tree. The stack config is loaded
with canary age keys in place of the placeholders (as if the secure values were decrypted)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import run_cli

import fluxform.project
from fluxform.project import StackConfig

ROOT = Path(__file__).resolve().parents[2]
CANARY = {"fluxform:sopsAgeKey": "AGE-SECRET-KEY-1CANARYCLUSTERQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
          "fluxform:teamASopsKey": "AGE-SECRET-KEY-1CANARYTEAMAQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"}
SEEN: list[str] = []


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch) -> None:
    real_load = fluxform.project.load_stack

    def load_stack(project_dir: str | Path, stack: str) -> StackConfig:
        config = real_load(project_dir, stack)
        keys = [k for k in CANARY if k in config.secret_keys]
        SEEN.extend(keys)
        return dataclasses.replace(config, config={**config.config, **{k: CANARY[k] for k in keys}})

    monkeypatch.setattr(fluxform.project, "load_stack", load_stack)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, *args)
    return code, out + err


def test_no_age_key_in_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], canaries: None) -> None:
    outputs: dict[str, str] = {}
    saved = tmp_path / "graph.json"
    for stack in ("dev", "prod"):
        for fmt in ("text", "markdown", "json"):
            out = tmp_path / f"{stack}.{fmt}"
            code, text = run(capsys, "plan", "--project", str(ROOT), "--stack", stack, "--format", fmt,
                             "--save", str(saved), "--out", str(out), "--no-policy-gate")
            assert code == 0, text
            outputs[f"{stack} {fmt}"] = text
            outputs[f"{stack} {fmt} --out"] = out.read_text()
            outputs[f"{stack} saved graph"] = saved.read_text()
        code, text = run(capsys, "check", "--project", str(ROOT), "--stack", stack, "--format", "json")
        outputs[f"{stack} check"] = text
        code, text = run(capsys, "render", "--project", str(ROOT), "--stack", stack,
                         "--out", str(tmp_path / "fleet"))
        assert code == 0, text
        outputs[f"{stack} render"] = text
    for path in sorted((tmp_path / "fleet").rglob("*")):
        if path.is_file():
            outputs[str(path)] = path.read_text()
    # The canaries went in (else this would pass for nothing) and reached the decryption Secrets.
    assert "fluxform:sopsAgeKey" in SEEN and "fluxform:teamASopsKey" in SEEN
    graph = json.loads(saved.read_text())
    holders = [r for r in graph["resources"] if r["name"].endswith("sops-age")]
    assert holders and all("stringData" in r["inputs"] for r in holders)
    assert any(p.name == ".sops.yaml" for p in (tmp_path / "fleet").rglob("*"))
    for where, text in outputs.items():
        for canary in CANARY.values():
            assert canary not in text, f"age key leaked into {where}"
        assert "CANARY" not in text and "AGE-SECRET-KEY" not in text, where
