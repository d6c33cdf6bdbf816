"""Validate Flux object dicts against the served versions of the Flux CRDs.

The CRDs are read from a directory (default: ../shared/flux-crds beside the repository,
override with FLUXFORM_CRDS_DIR). Validation is JSON Schema on each served version's
openAPIV3Schema, made stricter than the API server in one way: unknown fields are errors
(the server would silently prune them, which hides typos). The CEL rules in
`x-kubernetes-validations` are not JSON Schema and are skipped; `x-kubernetes-int-or-string`
needs no treatment because such nodes carry no `type`.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fluxform.errors import FluxformError

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "flux-crds"


def crds_dir() -> Path:
    return Path(os.environ.get("FLUXFORM_CRDS_DIR") or DEFAULT_DIR)


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items() if k != "x-kubernetes-validations"}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@functools.cache
def schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict schema, for every served version of every CRD found."""
    directory = crds_dir()
    if not directory.is_dir():
        raise FluxformError(f"Flux CRDs not found at {directory} (hint: set FLUXFORM_CRDS_DIR)")
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    out[key] = _strict(version["schema"]["openAPIV3Schema"])
    return out


def validate_object(obj: dict[str, Any]) -> list[str]:
    """Errors of one object against its CRD ('' path = whole object); [] when valid."""
    key = (str(obj.get("apiVersion")), str(obj.get("kind")))
    schema = schemas().get(key)
    if schema is None:
        return [f"{key[1]} {key[0]} is not a served Flux API version"]
    validator = jsonschema.Draft7Validator(schema)
    return sorted(
        f"{'.'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message[:200]}"
        for err in validator.iter_errors(obj)
    )
