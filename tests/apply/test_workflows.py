"""The apply and e2e workflows and docs/apply.md agree with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT

from fluxform.commands import apply as apply_command
from fluxform.commands.plan import command as plan_command
from fluxform.project import list_stacks, load_stack

WORKFLOWS = ROOT / ".github" / "workflows"
DOC = (ROOT / "docs" / "apply.md").read_text(encoding="utf-8")


def workflow(name: str) -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return doc


def steps(doc: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def test_actions_are_pinned_to_commit_shas_with_a_version_comment() -> None:
    for name in ("apply.yml", "e2e-kind.yml"):
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        uses = re.findall(r"uses:\s*(\S+)(.*)", text)
        assert uses, name
        for ref, comment in uses:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), (name, ref)
            assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), (name, ref, comment)


def test_apply_workflow_applies_the_reviewed_plan_of_every_stack_on_main() -> None:
    doc = workflow("apply.yml")
    assert doc[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on:` as True
    assert set(doc[True]) == {"push"}
    assert doc["permissions"] == {"contents": "read"}
    job = doc["jobs"]["apply"]
    stacks = [entry["stack"] for entry in job["strategy"]["matrix"]["include"]]
    assert stacks == list_stacks(ROOT)
    env = {entry["stack"]: entry["environment"] for entry in job["strategy"]["matrix"]["include"]}
    assert env["prod"] == "production" and job["environment"] == "${{ matrix.environment }}"
    assert job["concurrency"]["cancel-in-progress"] is False
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'fluxform apply --stack "$STACK" "reviewed/$STACK.plan.json"' in runs
    assert "--auto-approve" not in runs  # never re-plans
    download = [s for s in job["steps"] if "download-artifact" in s.get("uses", "")]
    assert download[0]["with"]["name"] == "fluxform-reviewed-plans"
    assert all("write" not in str(j.get("permissions", {})) for j in doc["jobs"].values())


def test_e2e_workflow_applies_the_dev_stack_on_kind() -> None:
    doc = workflow("e2e-kind.yml")
    assert set(doc[True]) == {"workflow_dispatch"}
    kind = [s for s in steps(doc) if "kind-action" in s.get("uses", "")]
    context = load_stack(ROOT, "dev").config["fluxform:kubeContext"]
    assert f"kind-{kind[0]['with']['cluster_name']}" == context
    assert any("pulumi/actions" in s.get("uses", "") for s in steps(doc))
    runs = "\n".join(s.get("run", "") for s in steps(doc))
    assert "fluxform apply --stack dev dev.plan.json" in runs
    assert "--state-from-stack --save-plan dev.plan.json" in runs


def test_docs_name_the_exit_codes_and_options() -> None:
    for code in (apply_command.EXIT_APPLIED, apply_command.EXIT_FAILED, apply_command.EXIT_DIFFERS):
        assert f"\n| {code} | " in DOC
    for param in apply_command.command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in DOC, opt
    plan_opts = {o for p in plan_command.params for o in getattr(p, "opts", [])}
    for opt in ("--state-from-stack", "--save-plan"):
        assert opt in plan_opts and f"`{opt}" in DOC
    assert "fluxform apply --stack dev dev.plan.json" in DOC  # the Kind quick start


def test_stand_in_is_named_and_documented_as_one() -> None:
    text = (Path(__file__).parent / "standin" / "pulumi").read_text(encoding="utf-8")
    assert "STAND-IN for the `pulumi` CLI" in text and "It is not Pulumi." in text
