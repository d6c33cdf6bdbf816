"""fluxform at fleet scale: plan time, its split, peak memory and ratios, all in one run.

    python bench/run.py [--sizes 100,1000,10000] [--quick] [--repeats 3] [--out FILE]

For each size (a synthetic fleet from bench/fleet.py, same seed every run):

- plan: `fluxform.planning.plan_stack`, the library call behind `fluxform plan`, of a
  pull-request-style plan (the stack against a saved graph of its previous state), in a fresh
  interpreter, timed from before the first fluxform import to the rendered report; its stages
  (config, spec, capture, baseline, policy, diff, render) are timed by wrapping those
  functions. In the same process afterwards, not counted in the total: the markdown and JSON
  reports of the same plan, and a first plan (no baseline: every resource a create, the
  longest report). Peak memory is ru_maxrss when the plan returns.
- floor: the same number of bare `pulumi.CustomResource`s registered under the SDK's plain
  MockMonitor, in a fresh interpreter, timed from before `import pulumi`: the mock engine
  alone, with nothing of ours.
- render and kustomize: the same fleet in `delivery: git` mode rendered into a fleet tree by
  fluxform's render library (and by the `fluxform render` CLI), then `kubectl kustomize` of
  that tree; flux-local on the same tree when it is installed and can run here.

Plan and floor runs alternate, so load from other processes hits both; each figure is the
best of `--repeats` runs and every ratio is taken between figures of the same run. Without
`--quick`, also: one `fluxform plan` through the CLI (subprocess) at the size closest to
1,000, and `plan --all` on 4 stacks of about 1,000 against planning them one after another.
Prints a table; writes JSON (default bench/results/latest.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import (
    BYTECODE,
    HERE,
    flux_local_bin,
    measure_cli,
    measure_plan_all,
    measure_size,
    warm_bytecode,
)
from summary import report, targets


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("fluxform", "pulumi", "pulumi-kubernetes", "pulumi-github", "pulumi-tls",
                 "pulumi-random", "protobuf", "grpcio", "PyYAML"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    try:
        kubectl = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                                 text=True, check=False).stdout
        out["kubectl"] = " / ".join(ln.split(":", 1)[1].strip() for ln in kubectl.splitlines()
                                    if ":" in ln)
    except OSError:
        pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--quick", action="store_true",
                        help="one run per figure; no CLI, plan --all or flux-local runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--flux-local", help="flux-local executable (default: on PATH)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    repeats = 1 if args.quick else max(1, args.repeats)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(tempfile.mkdtemp(prefix="fluxform-bench-"))
    started = time.time()
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_start": os.getloadavg()},
        "versions": _versions(), "settings": {"sizes": sizes, "repeats": repeats,
                                              "quick": args.quick,
                                              "bytecode_cache": str(BYTECODE)},
        "sizes": {}}
    try:
        print("compiling (one untimed plan and floor)...", file=sys.stderr, flush=True)
        warm_bytecode(work)
        for size in sizes:
            print(f"size {size}...", file=sys.stderr, flush=True)
            results["sizes"][str(size)] = measure_size(work, size, repeats, args.quick,
                                                       flux_local_bin(args.flux_local))
        if not args.quick:
            near = min(sizes, key=lambda n: abs(n - 1000))
            print("CLI plan...", file=sys.stderr, flush=True)
            results["cli_plan"] = measure_cli(work, near, repeats,
                                              results["sizes"][str(near)]["plan"]["total_s"])
            print("plan --all...", file=sys.stderr, flush=True)
            results["plan_all"] = measure_plan_all(work, repeats)
    finally:
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["elapsed_s"] = time.time() - started
    results["targets"] = targets(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
