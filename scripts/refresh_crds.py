#!/usr/bin/env python3
"""Vendor a set of Flux CRDs into the package: `scripts/refresh_crds.py SRC_DIR VERSION`.

SRC_DIR holds the CustomResourceDefinitions of one Flux release as YAML files (one or more
documents each): a controller's `config/crd/bases/`, or the `templates/*.crds.yaml` of the
fluxcd-community `flux2` chart. Helm template lines are dropped first: a line that is only a
`{{ ... }}` directive, and a `key: value` line whose value is a template (the chart's
instance/managed-by/version labels), so the chart's files read as the CRDs they install.

Writes `fluxform/data/crds/flux-VERSION/<crd name>.json` (each CRD unchanged, as JSON with
sorted keys, which loads in milliseconds where the YAML takes a second) and `PROVENANCE.md`
(the source, and the SHA-256 of every source file). Deterministic: the same SRC_DIR gives the
same bytes. Then add the chart versions that install VERSION to fluxform/fluxversions.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "fluxform" / "data" / "crds"
_DIRECTIVE = re.compile(r"^\s*\{\{-?.*-?\}\}\s*$")
_TEMPLATED_VALUE = re.compile(r"^\s*[\w./-]+:\s*['\"]?\{\{.*\}\}['\"]?\s*$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def untemplate(text: str) -> str:
    """The text without Helm directive lines and templated `key: value` lines."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not _DIRECTIVE.match(line) and not _TEMPLATED_VALUE.match(line))


def read_crds(src: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(CRD name -> document, source file name -> sha256) of every *.yaml/*.yml in `src`."""
    crds: dict[str, dict[str, Any]] = {}
    sums: dict[str, str] = {}
    files = sorted(p for p in src.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files:
        raw = path.read_bytes()
        sums[path.name] = hashlib.sha256(raw).hexdigest()
        for doc in yaml.safe_load_all(untemplate(raw.decode("utf-8"))):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            name = str(doc["metadata"]["name"])
            if name in crds:
                raise SystemExit(f"error: {path.name}: CRD {name} is defined twice")
            crds[name] = doc
    if not crds:
        raise SystemExit(f"error: {src}: no CustomResourceDefinition found in *.yaml")
    return crds, sums


def provenance(version: str, source: str, crds: dict[str, dict[str, Any]],
               sums: dict[str, str]) -> str:
    lines = [
        f"# Flux {version} CRDs (vendored)",
        "",
        f"Source: {source}",
        "",
        "The CustomResourceDefinitions of the Flux project (https://fluxcd.io), Copyright The Flux",
        "authors, licensed under the Apache License, Version 2.0 (see ../NOTICE). Each file here is",
        "one CRD, unchanged but for the Helm template lines the refresh script drops, stored as JSON",
        "with sorted keys. Regenerate with:",
        "",
        f"    python scripts/refresh_crds.py SRC_DIR {version} --source '...'",
        "",
        "| source file | sha256 |",
        "| --- | --- |",
        *(f"| {name} | {digest} |" for name, digest in sorted(sums.items())),
        "",
        "| CRD | kind | served versions (storage first) |",
        "| --- | --- | --- |",
    ]
    for name, doc in sorted(crds.items()):
        versions = sorted(doc["spec"]["versions"], key=lambda v: (not v.get("storage"), v["name"]))
        served = ", ".join(v["name"] for v in versions if v.get("served"))
        lines.append(f"| {name} | {doc['spec']['names']['kind']} | {served} |")
    return "\n".join(lines) + "\n"


def write(version: str, source: str, src: Path, data: Path = DATA) -> Path:
    """Replace data/flux-VERSION with the CRDs of `src`; returns that directory."""
    if not _VERSION.match(version):
        raise SystemExit(f"error: {version}: VERSION must be an exact Flux version like 2.7.5")
    crds, sums = read_crds(src)
    out = data / f"flux-{version}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for name, doc in crds.items():
        text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8")
    (out / "PROVENANCE.md").write_text(provenance(version, source, crds, sums), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("src", type=Path, help="directory of the CRD YAML files")
    parser.add_argument("version", help="the Flux version they belong to (e.g. 2.7.5)")
    parser.add_argument("--source", default="",
                        help="where SRC_DIR came from (repository, tag, commit), for PROVENANCE.md")
    parser.add_argument("--data", type=Path, default=DATA, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        print(f"error: {args.src}: not a directory", file=sys.stderr)
        return 1
    out = write(args.version, args.source or args.src.name, args.src, args.data)
    print(f"wrote {len(list(out.glob('*.json')))} CRD(s) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
