"""Baselines to plan against: a saved graph, a `pulumi stack export`, or a Git revision."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from fluxform.capture import ALWAYS_SECRET_INPUTS, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE, redact_paths
from fluxform.errors import PlanError
from fluxform.graph import UNKNOWN, Graph, Resource, secret_marker

INTERNAL_KEYS = {"__defaults", "__inputs", "__meta"}


def load_saved(path: str) -> Graph:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the baseline ({exc.strerror})") from None
    return Graph.from_json(text, source=path)


def _state_value(value: Any) -> Any:
    """Engine-encoded state -> graph values; secrets become markers (ciphertext fingerprint)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            basis = value.get("ciphertext")
            return secret_marker(basis if basis is not None else "plaintext-secret")
        return {k: _state_value(v) for k, v in value.items() if k not in INTERNAL_KEYS}
    if isinstance(value, list):
        return [_state_value(v) for v in value]
    if value == UNKNOWN_VALUE:
        return dict(UNKNOWN)
    return value


def _provider_urn(ref: str | None) -> str | None:
    return ref.rpartition("::")[0] or ref if ref else None


def load_state(path: str) -> Graph:
    """A `pulumi stack export` (checkpoint version 3) as a Graph of its resources' inputs."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        deployment = doc["deployment"]
        raw_resources = deployment.get("resources") or []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise PlanError(f"{path}: not a `pulumi stack export` file (hint: expected "
                        '{"version": 3, "deployment": {"resources": [...]}})') from None
    if doc.get("version") != 3:
        raise PlanError(f"{path}: unsupported deployment version {doc.get('version')!r} (hint: 3)")
    resources: dict[str, Resource] = {}
    project = stack = ""
    for raw in raw_resources:
        try:
            urn, type_ = str(raw["urn"]), str(raw["type"])
        except (KeyError, TypeError):
            raise PlanError(f"{path}: a resource lacks urn or type") from None
        parts = urn.split("::")
        if len(parts) >= 4:
            stack, project = parts[0].removeprefix("urn:pulumi:"), parts[1]
        if type_ == "pulumi:pulumi:Stack":
            continue
        resources[urn] = Resource(
            urn=urn, type=type_, name=parts[-1], parent=raw.get("parent"),
            custom=bool(raw.get("custom", False)), provider=_provider_urn(raw.get("provider")),
            dependencies=tuple(sorted(set(raw.get("dependencies") or ()))),
            # Same redaction as a capture: Secret data is secret even if stored unencrypted.
            inputs=redact_paths(_state_value(raw.get("inputs") or {}),
                                ALWAYS_SECRET_INPUTS.get(type_, ())),
        )
    return Graph(project=project, stack=stack, resources=resources)


def _git(repo: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise PlanError(f"git {' '.join(args[:2])}: {msg[0] if msg else 'failed'}")
    return proc.stdout


def capture_at_ref(project_dir: Path, stack: str, ref: str) -> tuple[Graph | None, str]:
    """Capture `stack` as it was at Git revision `ref`, without touching the working tree.

    The revision's files are extracted with `git archive` into a temporary directory and the
    revision's own program (its stacks/, components/ and fluxform/) runs there in a subprocess,
    with that tree first on PYTHONPATH. Returns (None, note) when the stack did not exist yet.
    """
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel").decode().strip())
    rel = project_dir.resolve().relative_to(top.resolve())
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    archive = _git(top, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="fluxform-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        base_project = Path(tmp) / rel
        label = f"git {ref} ({commit[:12]})"
        if not (base_project / f"Pulumi.{stack}.yaml").is_file():
            return None, f"{label}: stack did not exist (everything is a create)"
        if not (Path(tmp) / "fluxform" / "stackrun.py").is_file():
            raise PlanError(f"{label}: that revision has no fluxform/stackrun.py to capture with "
                            "(hint: use --state or --baseline for revisions before fluxform)")
        out = Path(tmp) / "base-graph.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tmp, os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.run(
            [sys.executable, "-m", "fluxform.stackrun", "--project", str(base_project),
             "--stack", stack, "--out", str(out)],
            capture_output=True, env=env, cwd=tmp, check=False)
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            raise PlanError(f"{label}: capture failed: {lines[-1] if lines else 'no output'}")
        return Graph.from_json(out.read_text(encoding="utf-8"), source=label), label
