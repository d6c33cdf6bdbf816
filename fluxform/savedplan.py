"""The reviewed plan: what `fluxform plan --save-plan FILE` writes and `fluxform apply FILE` applies.

A reviewed-plan file pins everything the reviewed plan was computed from, so that apply can
refuse when any of it moved (format `fluxform.reviewed-plan/v1`, JSON, keys sorted):

    {"format": "fluxform.reviewed-plan/v1", "project": "fluxform", "stack": "prod",
     "versions": {"fluxform": "0.1.0", "pulumi": "3.272.0"},       # fluxform, Pulumi SDK
     "desired": {"digest": "sha256:<64 hex>", "resources": 42},    # the captured graph
     "spec": {"path": "stacks/prod.yaml", "digest": "sha256:..."}, # null without fluxform:spec
     "config": {"path": "Pulumi.prod.yaml", "digest": "sha256:..."},
     "baseline": {"kind": "state" | "none", "source": "...", "digest": "sha256:...",
                  "resources": 40, "pendingOperations": 0,
                  "lastUpdate": {"time": "...", "magic": "...", "cliVersion": "v3.259.0"} | null},
     "plan": {... the `fluxform.plan/v1` document (docs/plan-format.md) ...}}

No secret and nothing derived from one is in it. The plan document is the redacted JSON plan
(secret fields have null values). The graph digests are taken over the graphs with every
secret marker stripped to `{"$fluxform": "secret"}` (not even the ciphertext fingerprint).
The config digest is the SHA-256 of the committed Pulumi.<stack>.yaml as it is, whose
`secure:` values are ciphertext already in the repository; nothing is decrypted. A secret
changed after review therefore still makes the config digest differ.

The baseline is a deployed state (`--state FILE` or `--state-from-stack`) or none (a new,
empty stack). Its identity is the checkpoint's manifest (`time` and `magic`, rewritten by the
engine on every checkpoint it saves) plus the digest of the state's redacted graph.

Comparing the engine's update plan with the reviewed one, and the post-apply check, are in
fluxform.applycheck.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fluxform.errors import FluxformError, PlanError
from fluxform.graph import MARKER_KEY, Graph, is_secret
from fluxform.plan import Op, Plan

if TYPE_CHECKING:
    from fluxform.project import StackConfig

FORMAT = "fluxform.reviewed-plan/v1"
MAX_BYTES = 256 * 1024 * 1024
"""Largest reviewed-plan file read (a plan of 10,000 resources is far smaller)."""
MAX_DEPTH = 100
"""Deepest nesting of a reviewed-plan file: a plan's field values nest as the graph's do (at
most fluxform.graphfile.MAX_DEPTH, 64 levels), under a few levels of the plan's own."""
STRIPPED_SECRET = {MARKER_KEY: "secret"}


class ReviewedPlanError(FluxformError):
    """A reviewed-plan file is unreadable, malformed, or no longer matches reality."""


def versions() -> dict[str, str]:
    """The versions a reviewed plan pins: fluxform's and the Pulumi SDK's."""
    out = {}
    for name in ("fluxform", "pulumi"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def strip_fingerprints(value: Any) -> Any:
    """`value` with every secret marker reduced to `{"$fluxform": "secret"}`."""
    if isinstance(value, dict):
        if is_secret(value):
            return dict(STRIPPED_SECRET)
        return {k: strip_fingerprints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_fingerprints(v) for v in value]
    return value


def digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def graph_digest(graph: Graph) -> str:
    """The digest of a graph's resources, secret markers stripped (see the module docstring)."""
    return digest({"project": graph.project, "stack": graph.stack,
                   "resources": [strip_fingerprints(r.to_json()) for r in graph]})


def file_digest(path: Path) -> str:
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise PlanError(f"{path}: cannot read ({exc.strerror})") from None


def last_update(export: Mapping[str, Any]) -> dict[str, Any] | None:
    """The checkpoint identity of an export: its manifest's time, magic and CLI version."""
    deployment = export.get("deployment")
    manifest = deployment.get("manifest") if isinstance(deployment, dict) else None
    if not isinstance(manifest, dict) or not manifest.get("time"):
        return None
    return {"time": str(manifest.get("time")), "magic": str(manifest.get("magic", "")),
            "cliVersion": str(manifest.get("version", ""))}


def pending_operations(export: Mapping[str, Any]) -> int:
    deployment = export.get("deployment")
    pending = deployment.get("pending_operations") if isinstance(deployment, dict) else None
    return len(pending) if isinstance(pending, list) else 0


def state_from_export(export: Mapping[str, Any], label: str) -> Graph:
    """An export already in memory as a Graph, read by fluxform.statefile.load_state itself
    (through a private temporary file, so exports and files are read by the same code)."""
    from fluxform.statefile import load_state

    with tempfile.TemporaryDirectory(prefix="fluxform-export-") as tmp:
        path = os.path.join(tmp, "export.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(export, handle)
        try:
            return load_state(path)
        except PlanError as exc:
            raise PlanError(str(exc).replace(path, label)) from None


def baseline_record(kind: str, source: str, state: Graph | None,
                    export: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `baseline` section: what the plan was diffed against, and how to recognise it."""
    empty = Graph(project="", stack="")
    return {"kind": kind, "source": source,
            "digest": graph_digest(state if state is not None else empty),
            "resources": len(state) if state is not None else 0,
            "pendingOperations": pending_operations(export) if export is not None else 0,
            "lastUpdate": last_update(export) if export is not None else None}


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def config_path(config: StackConfig) -> Path:
    name = config.stack.rsplit("/", 1)[-1]
    if config.stack_file:
        return config.project_dir / config.stack_file
    return config.project_dir / f"Pulumi.{name}.yaml"


def inputs_record(config: StackConfig) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The `spec` and `config` sections of a stack as it is on disk now."""
    spec = None
    if "fluxform:spec" in config.config:
        spec = {"path": config.spec_label, "digest": file_digest(config.spec_path)}
    cfg = config_path(config)
    return spec, {"path": _rel(cfg, config.project_dir), "digest": file_digest(cfg)}


def build(config: StackConfig, desired: Graph, plan: Plan, baseline: dict[str, Any]) -> dict[str, Any]:
    """The reviewed-plan document of one stack."""
    from fluxform.report.jsonfmt import to_dict

    spec, cfg = inputs_record(config)
    return {"format": FORMAT, "project": desired.project, "stack": desired.stack,
            "versions": versions(),
            "desired": {"digest": graph_digest(desired), "resources": len(desired)},
            "spec": spec, "config": cfg, "baseline": baseline, "plan": to_dict(plan)}


def dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def stack_baseline(config: StackConfig) -> tuple[Graph, str, dict[str, Any]]:
    """`--state-from-stack`: the deployed state of the stack, exported from its backend by the
    engine boundary, as a baseline graph with its label, and the export itself."""
    from fluxform.baseline import check_identity
    from fluxform.engine import PulumiCli

    export = PulumiCli(config.project_dir).export(config.stack)
    label = f"pulumi state of stack {config.stack} (backend)"
    graph = state_from_export(export, label)
    check_identity(graph, config.project, config.stack, label)
    return graph, label, export


def save(target: Path, config: StackConfig, desired: Graph, before: Graph | None, plan: Plan, *,
         state: str | None, export: Mapping[str, Any] | None) -> None:
    """Write the reviewed-plan file of a plan made against a state baseline, or none."""
    from fluxform.planning import write_atomic

    if export is not None:
        record = baseline_record("state", f"stack {config.stack} (backend)", before, export)
    elif state:
        try:
            doc = json.loads(Path(state).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # load_state read it a moment ago
            raise PlanError(f"{state}: cannot read the state export again") from None
        record = baseline_record("state", f"file {Path(state).name}", before, doc)
    elif before is None:
        record = baseline_record("none", "none", None, None)
    else:
        raise PlanError("--save-plan needs the deployed state as the baseline "
                        "(hint: --state-from-stack or --state EXPORT.json, or none for a new stack)")
    try:
        write_atomic(target, dumps(build(config, desired, plan, record)))
    except OSError as exc:
        raise PlanError(f"--save-plan {target}: cannot write ({exc.strerror}) "
                        "(hint: check the path and its permissions)") from None


# --- reading --------------------------------------------------------------------------------

_SECTIONS: Mapping[str, type | tuple[type, ...]] = {
    "format": str, "project": str, "stack": str, "versions": dict, "desired": dict,
    "spec": (dict, type(None)), "config": dict, "baseline": dict, "plan": dict,
}


@dataclass(frozen=True)
class Reviewed:
    """A reviewed-plan file, checked for shape."""

    source: str
    doc: Mapping[str, Any]

    @property
    def stack(self) -> str:
        return str(self.doc["stack"])

    @property
    def planned_ops(self) -> dict[str, Op]:
        return {str(c["urn"]): Op(c["op"]) for c in self.doc["plan"].get("changes", [])}

    @property
    def secret_only(self) -> frozenset[str]:
        """Updates whose every changed field is secret. A plan cannot tell a changed secret from
        one merely encrypted anew (the state holds ciphertext, the config its own), so the
        engine may do the update or leave the resource as it is; both are as reviewed."""
        return frozenset(str(c["urn"]) for c in self.doc["plan"].get("changes", [])
                         if c.get("op") == Op.UPDATE.value and c.get("fields")
                         and all(isinstance(f, dict) and f.get("secret") for f in c["fields"]))

    @property
    def policy_errors(self) -> int:
        return sum(1 for f in self.doc["plan"].get("findings", []) if f.get("severity") == "error")


def _bad(source: str, field: str, reason: str) -> ReviewedPlanError:
    return ReviewedPlanError(f"{source}: {field}: {reason} "
                             "(hint: make one with `fluxform plan --stack S --save-plan FILE`)")


def _read_bounded(path: str) -> bytes:
    """The file's bytes; a regular file larger than MAX_BYTES is refused unread, anything else
    (a pipe, a device) is read at most MAX_BYTES + 1 bytes."""
    too_big = _bad(path, "(file)", f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_BYTES:
                raise too_big
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ReviewedPlanError(f"{path}: cannot read the reviewed plan "
                                f"({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_BYTES:
        raise too_big
    return raw


def load(path: str) -> Reviewed:
    """Read and shape-check a reviewed-plan file; every problem is one line."""
    try:
        text = _read_bounded(path).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(path, "(file)", "not UTF-8") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(f"{path}:{exc.lineno}", "(file)", f"invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise _bad(path, "(file)", "nested too deeply") from None
    if _depth_exceeds(doc, MAX_DEPTH):
        raise _bad(path, "(file)", f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(doc, dict):
        raise _bad(path, "(top)", "expected an object")
    if doc.get("format") != FORMAT:
        raise _bad(path, "format", f"expected {FORMAT!r}, found {str(doc.get('format'))[:40]!r}")
    for key, kind in _SECTIONS.items():
        if key not in doc:
            raise _bad(path, key, "missing")
        if not isinstance(doc[key], kind):
            raise _bad(path, key, "wrong type")
    for section, keys in (("desired", ("digest",)), ("config", ("path", "digest")),
                          ("baseline", ("kind", "digest", "source"))):
        for key in keys:
            if not isinstance(doc[section].get(key), str):
                raise _bad(path, f"{section}.{key}", "missing or not a string")
    if doc["baseline"]["kind"] not in ("state", "none"):
        raise _bad(path, "baseline.kind", "expected 'state' or 'none'")
    if doc["spec"] is not None and not all(isinstance(doc["spec"].get(k), str)
                                           for k in ("path", "digest")):
        raise _bad(path, "spec", "expected {path, digest} strings, or null")
    for section, key in (("desired", "resources"), ("baseline", "resources"),
                         ("baseline", "pendingOperations")):
        count = doc[section].get(key)
        if not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
            raise _bad(path, f"{section}.{key}", "expected a count (an integer, 0 or more)")
    if not isinstance(doc["baseline"].get("lastUpdate"), (dict, type(None))):
        raise _bad(path, "baseline.lastUpdate", "expected an object or null")
    changes = doc["plan"].get("changes")
    if not isinstance(changes, list):
        raise _bad(path, "plan.changes", "expected a list")
    ops = {op.value for op in Op}
    for index, change in enumerate(changes):
        if not (isinstance(change, dict) and isinstance(change.get("urn"), str)
                and change.get("op") in ops):
            raise _bad(path, f"plan.changes[{index}]", "expected {urn, op} with a known op")
        if not isinstance(change.get("fields", []), list):
            raise _bad(path, f"plan.changes[{index}].fields", "expected a list")
    findings = doc["plan"].get("findings", [])
    if not (isinstance(findings, list) and all(isinstance(f, dict) for f in findings)):
        raise _bad(path, "plan.findings", "expected a list of objects")
    return Reviewed(path, doc)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests containers deeper than `limit` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in
                         (item.values() if isinstance(item, dict) else item))
    return False
