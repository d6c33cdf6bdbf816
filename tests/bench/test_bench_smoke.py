"""A small smoke run of the benchmark: it runs end to end and reports every figure.

No timing is asserted (the machine is shared); only that each figure is there and positive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

STAGES = ("config_s", "spec_s", "capture_s", "baseline_s", "policy_s", "diff_s", "render_s")


def test_bench_quick_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "50",
                           "--quick", "--out", str(out)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results) >= {"machine", "versions", "sizes", "targets"}
    row = results["sizes"]["50"]
    plan, floor = row["plan"], row["floor"]
    assert 30 < plan["resources"] == floor["resources"] == row["resources"]
    for key in STAGES:
        assert plan["stages"][key] > 0, key
    for key in ("total_s", "peak_rss_mb", "markdown_s", "json_s", "text_chars", "markdown_chars"):
        assert plan[key] > 0, key
    assert plan["calls"]["capture"] == 1 and plan["calls"]["diff"] == 1
    assert all(v > 0 for v in plan["first_plan"].values())
    # The baseline is the fleet's previous state: the plan has creates, updates and deletes.
    changes = plan["changes"]
    assert changes["update"] + changes["replace"] > 0 and changes["delete"] > 0
    for key in ("total_s", "register_s", "import_s", "peak_rss_mb", "process_wall_s"):
        assert floor[key] > 0, key
    for key in ("ratio_plan_floor", "ms_per_resource", "floor_ms_per_resource"):
        assert row[key] > 0, key
    assert 0 < row["diff_render_share"] < 1 and 0 < row["diff_render_share_first_plan"] < 1
    assert row["render_tree"]["files"] > 0 and row["render_tree"]["render_s"] > 0
    if "kubectl_kustomize_s" in row:
        assert row["kubectl_kustomize_s"] > 0 and row["ratio_render_kustomize"] > 0
    # Targets that need sizes this run did not measure say so instead of passing.
    assert {t["pass"] for t in results["targets"].values()} == {None}
    assert "plan/floor" in proc.stdout and "not measured" in proc.stdout


def test_fleet_is_deterministic_and_valid(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from fleet import make_project, shape_for
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from fluxform.project import load_stack

    first = make_project(tmp_path / "a", {"s": 300})
    second = make_project(tmp_path / "b", {"s": 300})
    before = make_project(tmp_path / "c", {"s": 300}, drift=True)
    text = (first / "stacks" / "s.yaml").read_text()
    assert text == (second / "stacks" / "s.yaml").read_text()
    assert text != (before / "stacks" / "s.yaml").read_text()
    spec = load_stack(first, "s").load_spec()
    shape = shape_for(300)
    assert (len(spec.tenants), len(spec.layers), len(spec.helm_releases)) == (
        shape.tenants, shape.layers, shape.releases)
    config = yaml.safe_load((first / "Pulumi.s.yaml").read_text())["config"]
    assert all(config[f"fluxform:{p.secret_config}"] for p in spec.notifications.providers)


def test_ab_compares_two_revisions_on_one_fleet() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "ab.py"), "HEAD", "HEAD",
                           "--size", "50", "--pairs", "1"], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("50-resource fleet, 1 interleaved pairs")
    # Both sides planned the same fleet: the same resource count, one plan each.
    counts = lines[0].split("(resources A ")[1]
    assert counts.split(", B ")[0] == counts.split(", B ")[1].rstrip(")")
    assert [ln.split(":")[0] for ln in lines[1:3]] == ["A HEAD", "B HEAD"]
    assert lines[3].startswith("B/A per pair: ")
    ratio = float(lines[3].rsplit("median ", 1)[1])
    assert ratio > 0


def test_bench_processes_keep_bytecode_and_their_own_cache(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Every timed process compiles a module once (as an installed fluxform does), outside
    the tree, and never touches the user's capture cache."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    import measure

    env = measure.bench_env(cache_dir=tmp_path / "cache")
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(measure.BYTECODE)
    assert not env["PYTHONPYCACHEPREFIX"].startswith(str(ROOT))
    assert env["FLUXFORM_CACHE_DIR"] == str(tmp_path / "cache")
    other = measure.bench_env(tmp_path / "rev")
    assert other["PYTHONPATH"] == str(tmp_path / "rev")
    assert "FLUXFORM_CACHE_DIR" not in other or other["FLUXFORM_CACHE_DIR"] != env[
        "FLUXFORM_CACHE_DIR"]
