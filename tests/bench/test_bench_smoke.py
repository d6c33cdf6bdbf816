"""A small smoke run of the benchmark: it runs and reports every figure (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "40",
                           "--quick", "--out", str(out)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(out.read_text())["sizes"]["40"]
    plan, floor = row["plan"], row["floor"]
    assert plan["resources"] > 30 and floor["resources"] == plan["resources"]
    for key in ("capture_s", "diff_s", "render_s", "total_s", "peak_rss_mb"):
        assert plan[key] > 0, key
    assert row["ratio_plan_floor"] > 0 and 0 < row["diff_render_share"] < 1
    assert "plan/floor" in proc.stdout
