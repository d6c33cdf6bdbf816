"""`pulumi stack export` files (deployment version 3) as graphs of their resources' inputs.

The engine's encodings are read as pulumi/pulumi writes them (sdk/go/common/resource/
sig.go: the signature key and the secret / resource-reference signatures). Secrets become
markers fingerprinted from their ciphertext only; a plaintext secret gets no fingerprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fluxform.errors import PlanError, printable
from fluxform.graph import (
    ALWAYS_SECRET_INPUTS,
    Graph,
    Resource,
    redact_credentials,
    redact_keys,
    secret_marker,
)
from fluxform.graphfile import MAX_DEPTH, Bad, check_name, hide, json_document

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
# Bookkeeping the providers keep beside the inputs; never part of what a program declares.
INTERNAL_KEYS = frozenset({"__defaults", "__inputs", "__meta", "__internal"})
# Provider-resource inputs the engine adds itself (the SDK sends them as request fields).
ENGINE_PROVIDER_INPUTS = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})


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


def _check_state_entry(raw: Any, where: str) -> None:
    """The fields of a state resource that a plan reads, with the types the engine writes."""
    if not isinstance(raw, dict):
        raise Bad(where, "a resource entry is not an object")
    for key in ("urn", "type"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise Bad(f"{where}.{key}", "a resource lacks urn or type (a non-empty string each)")
        check_name(raw, key, where)
    for key in ("parent", "provider"):
        if raw.get(key) not in (None, ""):
            check_name(raw, key, where)
    for key in ("custom", "delete", "external"):
        if raw.get(key) is not None and not isinstance(raw[key], bool):
            raise Bad(f"{where}.{key}", "expected true or false")
    for key in ("dependencies", "replaceOnChanges"):
        items = raw.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise Bad(f"{where}.{key}", "expected a list of strings")
    inputs = raw.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise Bad(f"{where}.inputs", "expected an object")
    _check_depth(inputs, f"{where}.inputs", 3)
    _check_depth(raw.get("replacementTrigger"), f"{where}.replacementTrigger", 3)


def _check_depth(value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Bad(where, f"nested deeper than {MAX_DEPTH} levels")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        if isinstance(item, dict | list):
            _check_depth(item, where, depth + 1)


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
    inputs = redact_keys(inputs, ALWAYS_SECRET_INPUTS.get(type_, ()), hide)
    inputs = redact_credentials(type_, inputs)  # as the capture does (fluxform.graph)
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
    hint = 'expected {"version": 3, "deployment": {"resources": [...]}}'
    try:
        raw_bytes = Path(path).read_bytes()
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the state export ({exc.strerror})") from None
    doc = json_document(raw_bytes, path, "a `pulumi stack export` file", hint)
    deployment = doc.get("deployment") if isinstance(doc, dict) else None
    raw_resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(deployment, dict) or not isinstance(raw_resources, list | None):
        raise PlanError(f"{path}: not a `pulumi stack export` file (hint: {hint})")
    if doc.get("version") != 3:
        raise PlanError(f"{path}: unsupported deployment version {printable(repr(doc.get('version')))[:40]} "
                        "(hint: export with a Pulumi CLI of version 3)")
    resources: dict[str, Resource] = {}
    project = stack = ""
    for index, raw in enumerate(raw_resources or []):
        try:
            _check_state_entry(raw, f"deployment.resources[{index}]")
        except Bad as bad:
            raise PlanError(f"{path}: not a `pulumi stack export` file: {bad.where}: "
                            f"{bad.reason}") from None
        res = _resource(raw, path)
        parts = str(raw.get("urn", "")).split("::")
        if len(parts) >= 4 and not (project and stack):
            stack, project = parts[0].removeprefix("urn:pulumi:"), parts[1]
        if res is not None:
            if res.urn in resources:
                raise PlanError(f"{path}: URN {res.urn} appears twice")
            resources[res.urn] = res
    return Graph(project=project, stack=stack, resources=resources, origin="state")
