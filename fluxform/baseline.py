"""Baselines to plan against: a saved graph, a `pulumi stack export`, a Git revision, or none.

`resolve` returns the baseline Graph (None: an empty stack, so everything is a create) and a
label that every report prints, so a reader always knows what the plan was compared with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fluxform.errors import PlanError
from fluxform.gitref import capture_at_ref
from fluxform.graph import ALWAYS_SECRET_INPUTS, Graph, Resource, is_marker, redact_keys, secret_marker

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
# Bookkeeping the providers keep beside the inputs; never part of what a program declares.
INTERNAL_KEYS = frozenset({"__defaults", "__inputs", "__meta", "__internal"})
# Provider-resource inputs the engine adds itself (the SDK sends them as request fields).
ENGINE_PROVIDER_INPUTS = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})
NO_BASELINE = "none (everything is a create)"


def load_saved(path: str, stack: str | None = None) -> Graph:
    """A graph written by `fluxform plan --save`; a directory holds `<stack>.graph.json`."""
    target = Path(path)
    if target.is_dir():
        if stack is None:
            raise PlanError(f"{path}: is a directory (hint: name a graph file)")
        target = target / f"{stack}.graph.json"
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"{target}: cannot read the baseline ({exc.strerror}) "
                        "(hint: save one with `fluxform plan --save FILE`)") from None
    return Graph.from_json(text, source=str(target))


def _state_value(value: Any) -> Any:
    """Engine-encoded state -> graph values. Secrets become markers fingerprinted from their
    ciphertext; a `plaintext` secret (`stack export --show-secrets`) gets no fingerprint at
    all, so its value never reaches the graph in any form."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            cipher = value.get("ciphertext")
            return secret_marker({"ciphertext": cipher} if isinstance(cipher, str) else None)
        if sig == RESOURCE_SIG:
            return str(value.get("urn", ""))
        if sig is not None:
            return {"$fluxform": "opaque"}
        defaulted = value.get("__defaults")
        skip = INTERNAL_KEYS | (set(defaulted) if isinstance(defaulted, list) else set())
        return {k: _state_value(v) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_state_value(v) for v in value]
    return value


def _hide(value: Any) -> Any:
    """A value the state kept unencrypted under an always-secret key gets no fingerprint: a
    hash of a real secret, unlike one of a placeholder, can be guessed."""
    return value if is_marker(value) else secret_marker(None)


def _is_default_provider(type_: str, name: str) -> bool:
    return type_.startswith("pulumi:providers:") and (name == "default" or name.startswith("default_"))


def _provider_urn(ref: Any) -> str | None:
    """`urn::id` -> urn; a default provider (the capture never sees one) -> None."""
    if not isinstance(ref, str) or not ref:
        return None
    urn = ref.rpartition("::")[0] or ref
    parts = urn.split("::")
    if _is_default_provider(parts[-2].rpartition("$")[2] if len(parts) >= 2 else "", parts[-1]):
        return None
    return urn


def _resource(raw: dict[str, Any], path: str) -> Resource | None:
    """One state entry as a graph resource; None for entries `pulumi up` would not compare."""
    try:
        urn, type_ = str(raw["urn"]), str(raw["type"])
    except (KeyError, TypeError):
        raise PlanError(f"{path}: a resource lacks urn or type") from None
    name = urn.rpartition("::")[2]
    if (type_ == "pulumi:pulumi:Stack" or raw.get("delete") or raw.get("external")
            or _is_default_provider(type_, name)):
        return None  # the stack itself, pending deletions, reads, default providers
    inputs = _state_value(raw.get("inputs") or {})
    if not isinstance(inputs, dict):
        raise PlanError(f"{path}: inputs of {name} are not an object")
    if type_.startswith("pulumi:providers:"):
        inputs = {k: v for k, v in inputs.items() if k not in ENGINE_PROVIDER_INPUTS}
    inputs = redact_keys(inputs, ALWAYS_SECRET_INPUTS.get(type_, ()), _hide)
    return Resource(
        urn=urn, type=type_, name=name, parent=raw.get("parent") or None,
        custom=bool(raw.get("custom", False)), provider=_provider_urn(raw.get("provider")),
        dependencies=tuple(sorted({str(d) for d in raw.get("dependencies") or ()})),
        inputs=inputs,
        replace_on_changes=tuple(raw.get("replaceOnChanges") or ()),
        replacement_trigger=_state_value(raw.get("replacementTrigger")),
    )


def load_state(path: str) -> Graph:
    """A `pulumi stack export` (deployment version 3) as a Graph of its resources' inputs.

    Only inputs are compared (what the program declares); outputs are ignored. Skipped: the
    stack resource, resources pending deletion, external reads and default providers, none
    of which a capture records. Provider bookkeeping (`__defaults` and the keys it names,
    `__inputs`, engine-added provider `version`) is dropped.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        raw_resources = doc["deployment"].get("resources") or []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise PlanError(f"{path}: not a `pulumi stack export` file (hint: expected "
                        '{"version": 3, "deployment": {"resources": [...]}})') from None
    if doc.get("version") != 3:
        raise PlanError(f"{path}: unsupported deployment version {doc.get('version')!r} "
                        "(hint: export with a Pulumi CLI of version 3)")
    resources: dict[str, Resource] = {}
    project = stack = ""
    for raw in raw_resources:
        if not isinstance(raw, dict):
            raise PlanError(f"{path}: a resource entry is not an object")
        res = _resource(raw, path)
        parts = str(raw.get("urn", "")).split("::")
        if len(parts) >= 4 and not (project and stack):
            stack, project = parts[0].removeprefix("urn:pulumi:"), parts[1]
        if res is not None:
            if res.urn in resources:
                raise PlanError(f"{path}: URN {res.urn} appears twice")
            resources[res.urn] = res
    return Graph(project=project, stack=stack, resources=resources)


def check_identity(graph: Graph, project: str, stack: str, source: str) -> None:
    """Refuse a baseline of another stack: every resource would show as deleted and created."""
    if graph.stack and graph.stack != stack:
        raise PlanError(f"{source}: is a baseline of stack {graph.stack!r}, not {stack!r} "
                        "(hint: pass the baseline of the stack you plan)")
    if graph.project and graph.project != project:
        raise PlanError(f"{source}: is a baseline of project {graph.project!r}, not {project!r}")


def resolve(project_dir: Path, project: str, stack: str, *, saved: str | None = None,
            state: str | None = None, base_ref: str | None = None) -> tuple[Graph | None, str]:
    """The baseline chosen by the options (at most one), and its label for the reports."""
    graph: Graph | None
    if saved:
        graph, label = load_saved(saved, stack), f"saved graph {saved}"
    elif state:
        graph, label = load_state(state), f"pulumi state {state}"
    elif base_ref:
        graph, label = capture_at_ref(project_dir, stack, base_ref)
    else:
        return None, NO_BASELINE
    if graph is not None:
        check_identity(graph, project, stack, saved or state or label)
    return graph, label
