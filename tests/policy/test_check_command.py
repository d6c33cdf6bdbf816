"""`fluxform check`: stack selection, formats, exit status."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from fluxform.commands import check
from fluxform.findings import Finding

ERROR = Finding("FF011", "error", "urn:x", "Receiver flux-system/r is of type generic", "use hmac")
WARNING = Finding("FF008", "warning", "urn:y", "Kustomization a/b reconciles every 30s", "1m")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(check.command, ["--project", str(ROOT), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("findings", "code"), [([], 0), ([WARNING], 0), ([WARNING, ERROR], 1)],
                         ids=["clean", "warnings-only", "with-error"])
def test_exit_status_follows_error_findings(monkeypatch: pytest.MonkeyPatch,
                                            findings: list[Finding], code: int) -> None:
    monkeypatch.setattr(check, "stack_findings", lambda project, stack: findings)
    exit_code, out = run("--stack", "dev")
    assert exit_code == code
    assert out.startswith("dev: ")
    if findings:
        assert "FF008" in out and "fix: 1m" in out


def test_json_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "stack_findings", lambda project, stack: [ERROR])
    exit_code, out = run("--all", "--format", "json")
    doc = json.loads(out)
    assert exit_code == 1 and doc["errors"] == len(doc["stacks"]) >= 2
    assert doc["stacks"]["dev"][0]["rule"] == "FF011"


@pytest.mark.parametrize("args", [[], ["--all", "--stack", "dev"]], ids=["no-stack", "both"])
def test_usage_errors(args: list[str]) -> None:
    exit_code, _ = run(*args)
    assert exit_code == 2


def test_example_stacks_check_clean() -> None:
    exit_code, out = run("--all")
    assert exit_code == 0, out
    assert "dev: 0 error(s)" in out and "prod: 0 error(s)" in out
