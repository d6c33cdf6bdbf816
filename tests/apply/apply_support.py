"""Helpers for the apply tests: a small project, the stand-in `pulumi` on PATH, canned exports,
engine plans and events made from a fluxform graph or plan."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fluxform.graph import Graph, is_secret, is_unknown
from fluxform.statefile import SECRET_SIG, SIG_KEY

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))

from cli_support import Run as Run
from cli_support import assert_one_line_error as assert_one_line_error
from cli_support import fluxform_here

STANDIN_DIR = Path(__file__).resolve().parent / "standin"
CIPHERTEXT = "v1:AAAAc2VjcmV0LWNpcGhlcnRleHQ="
STACK_URN = "urn:pulumi:dev::standin::pulumi:pulumi:Stack::standin-dev"
PROGRAM = '''\
import pulumi

cfg = pulumi.Config()


class Thing(pulumi.CustomResource):
    def __init__(self, name, props, opts=None):
        super().__init__("test:index:Thing", name, props, opts)


a = Thing("alpha", {"size": cfg.get("size") or "1"})
Thing("beta", {"label": cfg.get("label") or "b"})
Thing("gamma", {"token": cfg.require_secret("token")})
'''


def urn(name: str) -> str:
    return f"urn:pulumi:dev::standin::pulumi:pulumi:Stack$test:index:Thing::{name}"


def make_project(root: Path, *, size: str = "2", label: str = "b", program: str = PROGRAM) -> Path:
    """A Pulumi project of three `test:index:Thing` resources (one with a config secret)."""
    (root / "prog").mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: standin\nruntime: python\nmain: prog/\n")
    (root / "prog" / "__main__.py").write_text(program)
    (root / "Pulumi.dev.yaml").write_text(
        f'config:\n  standin:size: "{size}"\n  standin:label: {label}\n'
        f"  standin:token:\n    secure: {CIPHERTEXT}\n")
    return root


def _encode(value: Any) -> Any:
    """Graph values as the engine stores them: secrets as ciphertext envelopes."""
    if is_secret(value):
        return {SIG_KEY: SECRET_SIG, "ciphertext": "v1:Y2lwaGVydGV4dA=="}
    if is_unknown(value):
        return "a value known after apply"
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def export_of(graph: Graph | None, *, time: str = "2026-11-01T10:00:00Z",
              pending: int = 0, drop: Iterable[str] = (), **override: dict[str, Any]) -> dict[str, Any]:
    """A `pulumi stack export` (deployment v3) holding `graph`'s resources as deployed.
    `override` maps a resource name to inputs replacing its own; `drop` names left out."""
    resources: list[dict[str, Any]] = []
    if graph is not None and len(graph):
        resources.append({"urn": STACK_URN, "type": "pulumi:pulumi:Stack", "custom": False})
        for index, res in enumerate(graph):
            if res.name in drop:
                continue
            inputs = override.get(res.name, res.inputs)
            resources.append({
                "urn": res.urn, "type": res.type, "custom": res.custom, "id": f"id-{index}",
                "parent": res.parent, "dependencies": list(res.dependencies),
                "provider": f"{res.provider}::provider-id" if res.provider else "",
                "inputs": _encode(dict(inputs)), "outputs": _encode(dict(inputs))})
    deployment: dict[str, Any] = {
        "manifest": {"time": time, "magic": "0f3e6a7c1b2d4e5f", "version": "v3.259.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:c2FsdA=="}},
        "resources": resources}
    if pending:
        deployment["pending_operations"] = [
            {"resource": {"urn": urn("alpha"), "type": "test:index:Thing"}, "type": "updating"}] * pending
    return {"version": 3, "deployment": deployment}


ENGINE_STEPS = {"create": ["create"], "update": ["update"], "delete": ["delete"],
                "replace": ["create-replacement", "replace", "delete-replaced"], "no-op": ["same"]}


def engine_plan_of(plan_doc: dict[str, Any], **ops: str) -> dict[str, Any]:
    """The DeploymentPlanV1 `pulumi preview --save-plan` would write for a fluxform plan;
    `ops` overrides the operation of resources by name."""
    plans: dict[str, Any] = {STACK_URN: {"goal": {"type": "pulumi:pulumi:Stack", "name": "standin-dev",
                                                  "custom": False}, "steps": ["same"], "state": {}}}
    for change in plan_doc["changes"]:
        op = ops.get(change["name"], change["op"])
        plans[change["urn"]] = {"goal": {"type": change["type"], "name": change["name"], "custom": True},
                                "steps": ENGINE_STEPS.get(op, [op]), "state": {}}
    return {"manifest": {"time": "2026-11-02T10:00:00Z", "magic": "", "version": "v3.259.0"},
            "resourcePlans": plans}


def events_of(plan_doc: dict[str, Any], **ops: str) -> list[dict[str, Any]]:
    """The engine events `pulumi up --json` streams for a fluxform plan; `ops` overrides."""
    events: list[dict[str, Any]] = [{"preludeEvent": {"config": {}}}]
    for change in plan_doc["changes"]:
        op = ops.get(change["name"], change["op"])
        steps = ENGINE_STEPS.get(op, [op])
        steps = [s for s in steps if s != "replace"] or steps
        for step in steps:
            meta = {"op": step, "urn": change["urn"], "type": change["type"], "provider": ""}
            if step != "same":
                events.append({"resourcePreEvent": {"metadata": meta}})
            events.append({"resOutputsEvent": {"metadata": meta}})
    events.append({"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1,
                                    "resourceChanges": {}, "PolicyPacks": {}, "result": "succeeded"}})
    events.append({"cancelEvent": {}})
    return events


@dataclass
class Standin:
    """The stand-in `pulumi` (tests/apply/standin/pulumi) first on PATH, with its scenario."""

    dir: Path
    scenario: dict[str, Any] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.dir / "calls.jsonl"

    def set(self, **scenario: Any) -> None:
        self.scenario.update(scenario)
        (self.dir / "scenario.json").write_text(json.dumps(self.scenario), encoding="utf-8")

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def commands(self) -> list[str]:
        """The commands run, as `pulumi <first words>`."""
        out = []
        for argv in self.calls():
            words = [a for a in argv if not a.startswith("-")]
            out.append(" ".join(words[:2]) if words[:1] == ["stack"] else words[0])
        return out

    def reset(self) -> None:
        self.log.unlink(missing_ok=True)


def install_standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Standin:
    os.chmod(STANDIN_DIR / "pulumi", 0o755)
    work = tmp_path / "standin-run"
    work.mkdir()
    standin = Standin(work)
    standin.set()
    monkeypatch.setenv("PATH", f"{STANDIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FLUXFORM_STANDIN_LOG", str(standin.log))
    monkeypatch.setenv("FLUXFORM_STANDIN_SCENARIO", str(work / "scenario.json"))
    return standin


def fluxform(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """The CLI in this process."""
    return fluxform_here(capsys, *args)
