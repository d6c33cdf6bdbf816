"""The ways other repositories adopt fluxform: workflows and the Action pin every action to a
commit, the pre-commit hooks name real commands and pass on the example project, and the
policy pack carries a version and installs without `-e ..`."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from fluxform.cli import SUBCOMMANDS, cli

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
FILES = [*sorted((ROOT / ".github" / "workflows").glob("*.y*ml")), ROOT / "action.yml"]


def uses(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["uses"])] if "uses" in node else []
        return found + [u for v in node.values() for u in uses(v)]
    if isinstance(node, list):
        return [u for v in node for u in uses(v)]
    return []


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_action_is_pinned_to_a_full_commit_with_its_version(path: Path) -> None:
    steps = uses(yaml.safe_load(path.read_text()))
    assert steps, path
    for ref in steps:
        assert ref.startswith("./") or PINNED.match(ref), f"{path.name}: {ref} is not pinned to a commit"
    text = path.read_text()
    for line in text.splitlines():
        if re.search(r"\buses:\s*[\w.-]+/", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+(\.\d+)*\s*$", line), f"{path.name}: {line.strip()}"


def test_the_action_is_a_composite_that_plans_and_comments() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    scripts = " ".join(s.get("run", "") for s in action["runs"]["steps"])
    assert "fluxform plan" in scripts and "--format markdown" in scripts
    assert any("github-script" in s.get("uses", "") for s in action["runs"]["steps"])
    # inputs reach scripts through the environment, never as ${{ }} inside a script
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
        assert "${{" not in step.get("with", {}).get("script", ""), step.get("name")


def hooks() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return loaded


def test_the_pre_commit_hooks_name_real_commands_and_options() -> None:
    assert [h["id"] for h in hooks()] == [
        "fluxform-validate", "fluxform-check", "fluxform-render-check"]
    for hook in hooks():
        program, command, *options = shlex.split(hook["entry"])
        assert program == "fluxform" and command in SUBCOMMANDS
        help_text = CliRunner().invoke(cli, [command, "--help"]).output
        for option in options:
            assert option in help_text, (hook["id"], option)
        assert re.compile(hook["files"]).search("stacks/dev.yaml")


def test_the_hooks_pass_on_the_example_project(tmp_path: Path) -> None:
    """Each hook's entry, as pre-commit runs it, from the project root."""
    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fluxform.cli", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)

    entry = {h["id"]: shlex.split(h["entry"])[1:] for h in hooks()}
    assert run([*entry["fluxform-validate"], "stacks/dev.yaml", "stacks/prod.yaml"]).returncode == 0
    fleet = tmp_path / "fleet"
    assert run(["render", "--all", "--out", str(fleet)]).returncode == 0
    proc = run([*entry["fluxform-render-check"], "--out", str(fleet)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (next(fleet.rglob("kustomization.yaml"))).write_text("stale\n")
    assert run([*entry["fluxform-render-check"], "--out", str(fleet)]).returncode == 1


def test_the_policy_pack_has_the_package_version_and_no_editable_install() -> None:
    pack = yaml.safe_load((ROOT / "policy-pack" / "PulumiPolicy.yaml").read_text())
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert pack["version"] == version and pack["runtime"]["name"] == "python"
    requirements = (ROOT / "policy-pack" / "requirements.txt").read_text().splitlines()
    lines = [r.strip() for r in requirements if r.strip() and not r.startswith("#")]
    assert lines and not any(r.startswith(("-e", "..", "-r", "file:")) or "/" in r for r in lines)
    assert f"fluxform=={version}" in (ROOT / "docs" / "integrations.md").read_text()


def test_the_policy_pack_imports_the_rules_of_its_own_checkout(tmp_path: Path) -> None:
    """Run from anywhere, with no fluxform importable but the checkout beside the pack."""
    script = (
        "import sys, runpy\n"
        "# neither the working directory nor this checkout's editable install can provide it\n"
        "sys.path = [p for p in sys.path if p not in ('', '.')]\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in type(f).__module__]\n"
        "import pulumi_policy\n"
        "built = {}\n"
        "pulumi_policy.PolicyPack = lambda name, policies, **kw: built.update(n=len(policies))\n"
        f"runpy.run_path({str(ROOT / 'policy-pack' / '__main__.py')!r}, run_name='__main__')\n"
        "import fluxform\n"
        "print(built['n'], fluxform.__file__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, where = proc.stdout.split()
    assert int(count) >= 19 and Path(where).is_relative_to(ROOT)
