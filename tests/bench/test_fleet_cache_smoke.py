"""A smoke run of the fleet benchmark of the capture cache (bench/fleet_cache.py) on a tiny
fleet: it runs end to end, reports every figure, and its warm run reuses every capture.

No timing is asserted (the machine is shared); only that each figure is there and positive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_fleet_cache_bench_tiny_fleet(tmp_path: Path) -> None:
    out = tmp_path / "fleet.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "fleet_cache.py"), "--sizes", "2",
                           "--repeat", "1", "--resources", "20", "--json", str(out)],
                          capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [row] = json.loads(out.read_text())
    assert row["stacks"] == 2 and row["resources_per_stack"] == 20
    for key in ("single_s", "nocache_s", "cold_s", "warm_s", "warm_vs_single",
                "cold_vs_nocache"):
        assert row[key] > 0, key
    assert all(len(runs) == 1 for runs in row["runs"].values()), row["runs"]
    assert isinstance(row["miss_overhead"], float) and isinstance(row["miss_overhead_plan"], float)
    # The warm run is served from the cache: no stack captured, whatever the tree does.
    assert row["warm_cache_line"] == "2 of 2 stack(s) unchanged; captured: none"
    assert row["warm_run_lines"] == [row["warm_cache_line"]]
    assert "2 stacks:" in proc.stdout and "warm/single" in proc.stdout


def test_fleet_cache_bench_refuses_bad_sizes(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "fleet_cache.py"), "--sizes", "0"],
                          capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "--sizes" in proc.stderr and "Traceback" not in proc.stderr
