#!/usr/bin/env python3
"""Record which values the fluxcd-community `flux2` chart reads: `scripts/chart_values_read.py GIT_DIR`.

GIT_DIR is a clone of fluxcd-community/helm-charts (bare or not). For every chart version in
fluxform/fluxversions.py CHARTS, the script lists the `.Values.<path>` references in
`charts/flux2/templates/` at tag `flux2-<version>` and writes them, sorted, to
tests/core/data/flux2-chart-values.json. tests/core/test_chart_values.py then checks that every
value fluxform sets (components/bootstrap.py flux_chart_values) is one the chart reads, so a
misspelt or renamed chart key fails a test instead of being ignored by Helm at install time.
Deterministic: the same clone gives the same bytes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fluxform.fluxversions import CHARTS  # noqa: E402

OUT = ROOT / "tests" / "core" / "data" / "flux2-chart-values.json"
_REF = re.compile(r"\.Values((?:\.[A-Za-z0-9_]+)+)")


def values_read(git_dir: str, version: str) -> list[str]:
    """The sorted `.Values` paths the chart's templates reference at tag flux2-<version>."""
    tag = f"flux2-{version}"
    listing = subprocess.run(["git", "-C", git_dir, "ls-tree", "-r", "--name-only", tag,
                              "charts/flux2/templates/"],
                             check=True, capture_output=True, text=True).stdout.split()
    paths: set[str] = set()
    for name in listing:
        text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{name}"],
                              check=True, capture_output=True, text=True).stdout
        paths.update(match.group(1)[1:] for match in _REF.finditer(text))
    return sorted(paths)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    table = {version: values_read(argv[0], version) for version in sorted(CHARTS)}
    OUT.write_text(json.dumps({"source": "fluxcd-community/helm-charts charts/flux2/templates",
                               "charts": table}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table)} chart versions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
