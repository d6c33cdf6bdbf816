"""Load a declarative environment spec: read, type-check, cross-check, then build the model.

Nothing is built from a spec that has not passed every check; every failure is a SpecError
with file, line, field path and a hint.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fluxform.errors import SpecError
from fluxform.spec import model, semantics, validate
from fluxform.spec.loader import MAX_BYTES, parse
from fluxform.spec.model import Spec

__all__ = ["Spec", "load_spec", "load_spec_text"]


def load_spec(path: str | os.PathLike[str], display: str | None = None) -> Spec:
    """Load and validate the spec file at `path` (shown as `display` in errors)."""
    name = display or os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(name, None, "", "file not found", "check the fluxform:spec stack setting") from None
    except OSError as exc:
        raise SpecError(name, None, "", f"cannot read the file ({exc.strerror})") from None
    return load_spec_bytes(raw, name)


def load_spec_text(text: str, filename: str = "<spec>") -> Spec:
    return load_spec_bytes(text.encode("utf-8"), filename)


def load_spec_bytes(raw: bytes, filename: str) -> Spec:
    doc = parse(raw, filename)
    data = validate.check(doc)
    semantics.check(doc, data)
    return _build(data, filename)


def _pairs(mapping: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((mapping or {}).items()))


def _source(d: dict[str, Any]) -> model.GitSource:
    return model.GitSource(
        owner=d["owner"], repository=d["repository"], branch=d["branch"], path=d["path"],
        interval=d["interval"],
        deploy_key=model.DeployKey(algorithm=d["deploy_key"]["algorithm"],
                                   rotation=d["deploy_key"]["rotation"]),
        image_automation=d["image_automation"], image_automation_branch=d["image_automation_branch"],
        verify_signatures=d["verify_signatures"], verify_secret=d["verify_secret"],
    )


def _events(items: list[dict[str, Any]]) -> tuple[model.EventSource, ...]:
    return tuple(model.EventSource(kind=e["kind"], name=e["name"], namespace=e["namespace"])
                 for e in items)


def _build(d: dict[str, Any], filename: str) -> Spec:
    notif = d["notifications"]
    return Spec(
        source_file=filename,
        cluster=model.Cluster(**d["cluster"]),
        flux=model.Flux(**d["flux"]),
        fleet=_source(d["fleet"]),
        layers=tuple(
            model.Layer(**{**layer, "depends_on": tuple(layer["depends_on"]),
                           "annotations": _pairs(layer["annotations"])})
            for layer in d["layers"]
        ),
        helm_repositories=tuple(model.HelmRepository(**r) for r in d["helm"]["repositories"]),
        helm_releases=tuple(
            model.HelmRelease(**{
                **{k: v for k, v in r.items() if k != "values"},
                "values_json": json.dumps(r["values"], sort_keys=True, separators=(",", ":")),
                "depends_on": tuple(r["depends_on"]), "annotations": _pairs(r["annotations"]),
            })
            for r in d["helm"]["releases"]
        ),
        tenants=tuple(
            model.Tenant(
                name=t["name"], source=_source(t["source"]), cluster_role=t["cluster_role"],
                quota=model.Quota(hard=_pairs(t["quota"])) if t["quota"] else None,
                depends_on=tuple(t["depends_on"]), prune=t["prune"], suspend=t["suspend"],
                annotations=_pairs(t["annotations"]),
            )
            for t in d["tenants"]
        ),
        notifications=model.Notifications(
            providers=tuple(model.NotificationProvider(**p) for p in notif["providers"]),
            alerts=tuple(
                model.Alert(name=a["name"], provider=a["provider"], severity=a["severity"],
                            sources=_events(a["sources"]), summary=a["summary"])
                for a in notif["alerts"]
            ),
            receivers=tuple(
                model.Receiver(name=r["name"], type=r["type"], events=tuple(r["events"]),
                               resources=_events(r["resources"]))
                for r in notif["receivers"]
            ),
        ),
        policy=model.PolicySettings(severities=_pairs(d["policy"]["severities"])),  # type: ignore[arg-type]
    )
