"""`fluxform render` end to end: exit codes, --check for CI, --all, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from render_cases import copy_project, snapshot

from fluxform.cli import main
from fluxform.render import MANIFEST


def fluxform(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the console script in-process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_render_then_check_passes_and_a_hand_edit_fails_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fleet"
    args = ["render", "--stack", "dev", "--out", str(out), "--project", str(ROOT)]
    code, stdout, _ = fluxform(capsys, *args)
    assert code == 0 and stdout.startswith("dev: 2 file(s) from stacks/dev.yaml, 3 change(s)")
    assert fluxform(capsys, *args, "--check") == (0, f"{out} is up to date\n", "")
    (out / "clusters/dev/kustomization.yaml").write_text("drift\n")
    code, stdout, _ = fluxform(capsys, *args, "--check")
    assert code == 1
    assert stdout.splitlines() == [
        "~ clusters/dev/kustomization.yaml (differs)",
        f"1 file(s) differ (hint: run `fluxform render --stack dev --out {out}` and commit)"]
    assert fluxform(capsys, *args)[0] == 0
    assert fluxform(capsys, *args, "--check")[0] == 0


def test_check_of_an_empty_directory_lists_every_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = fluxform(capsys, "render", "--stack", "prod", "--out", str(tmp_path / "none"),
                               "--project", str(ROOT), "--check")
    assert code == 1
    assert stdout.splitlines()[:3] == ["+ clusters/prod/.sops.yaml (missing)",
                                       "+ clusters/prod/kustomization.yaml (missing)",
                                       f"+ {MANIFEST} (missing)"]
    assert not (tmp_path / "none").exists()


def test_all_renders_every_stack_into_one_checkout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["render", "--all", "--out", str(tmp_path), "--project", str(ROOT)]
    code, stdout, _ = fluxform(capsys, *args)
    assert code == 0 and [line.split(":")[0] for line in stdout.splitlines()
                          if not line.startswith(" ")] == ["dev", "prod"]
    assert (tmp_path / "clusters/dev/kustomization.yaml").is_file()
    assert (tmp_path / "clusters/prod/kustomization.yaml").is_file()
    assert fluxform(capsys, *args, "--check")[0] == 0


def test_a_bad_spec_is_one_line_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path / "project", delivery="git")
    out = tmp_path / "fleet"
    args = ["render", "--all", "--out", str(out), "--project", str(project)]
    assert fluxform(capsys, *args)[0] == 0
    before = snapshot(out)
    dev = project / "stacks/dev.yaml"  # a valid change to dev, and a broken prod
    dev.write_text(dev.read_text().replace('version: "6.7.1"', 'version: "6.7.2"'))
    prod = project / "stacks/prod.yaml"
    text = prod.read_text()
    assert "\n  interval: 5m\n" in text
    prod.write_text(text.replace("\n  interval: 5m\n", "\n  interval: soon\n", 1))
    line = text[:text.index("\n  interval: 5m\n")].count("\n") + 2
    code, stdout, stderr = fluxform(capsys, *args)
    assert code == 1 and stdout == ""
    assert stderr == (f"error: stacks/prod.yaml:{line}: fleet.interval: 'soon' is not a duration "
                      "(hint: use e.g. 30s, 5m, 1h30m)\n")
    assert snapshot(out) == before  # not even dev's tree moved


@pytest.mark.parametrize("args, message", [
    (["--stack", "staging"], "error: Pulumi.staging.yaml: no such stack (hint: stacks here: dev, prod)\n"),
    (["--stack", "dev", "--all"], "use --stack or --all, not both"),
    ([], "name a stack with --stack, or use --all"),
], ids=["unknown-stack", "stack-and-all", "no-stack"])
def test_usage_and_config_errors(args: list[str], message: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = fluxform(capsys, "render", *args, "--out", str(tmp_path / "o"),
                                    "--project", str(ROOT))
    assert code == 1  # usage errors too: one line, exit 1 (never click's 2)
    assert message in stderr and stdout == "" and "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("error: ")
    assert not (tmp_path / "o").exists()


def test_a_foreign_file_in_the_way_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "clusters/dev/kustomization.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    code, _, stderr = fluxform(capsys, "render", "--stack", "dev", "--out", str(tmp_path),
                               "--project", str(ROOT))
    assert code == 1 and len(stderr.splitlines()) == 1
    assert "clusters/dev/kustomization.yaml: exists and was not generated by fluxform" in stderr
    assert target.read_text() == "mine\n"
