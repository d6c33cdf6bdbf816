"""Cross-field rules: unique names, references that resolve, acyclic depends_on, and more."""

from __future__ import annotations

import difflib
from typing import Any

from fluxform.cycles import find_cycle
from fluxform.spec.loader import Document, Path
from fluxform.spec.validate import RESERVED_NAMESPACES, SEVERITY_ID


def check(doc: Document, data: dict[str, Any]) -> None:
    cluster = data["cluster"]
    if (cluster["context"] is None) == (cluster["kubeconfig"] is None):
        raise doc.error(("cluster",), "set exactly one of 'context' or 'kubeconfig'",
                        "a stack must name the one cluster it may touch")
    _source(doc, ("fleet",), data["fleet"])
    layers = _unique(doc, ("layers",), data["layers"])
    repos = _unique(doc, ("helm", "repositories"), data["helm"]["repositories"])
    releases = _unique(doc, ("helm", "releases"), data["helm"]["releases"])
    tenants = _unique(doc, ("tenants",), data["tenants"])
    notif = data["notifications"]
    providers = _unique(doc, ("notifications", "providers"), notif["providers"])
    _unique(doc, ("notifications", "alerts"), notif["alerts"])
    _unique(doc, ("notifications", "receivers"), notif["receivers"])

    for i, layer in enumerate(data["layers"]):
        _refs(doc, ("layers", i, "depends_on"), layer["depends_on"], layers, "layer")
    _acyclic(doc, ("layers",), data["layers"])
    for i, rel in enumerate(data["helm"]["releases"]):
        _refs(doc, ("helm", "releases", i, "repository"), [rel["repository"]], repos, "repository")
        _refs(doc, ("helm", "releases", i, "depends_on"), rel["depends_on"], releases, "release")
    _acyclic(doc, ("helm", "releases"), data["helm"]["releases"])
    for i, tenant in enumerate(data["tenants"]):
        if tenant["name"] in RESERVED_NAMESPACES:
            raise doc.error(("tenants", i, "name"), f"'{tenant['name']}' is a reserved namespace",
                            "choose a tenant-specific name")
        if tenant["cluster_role"] == "cluster-admin":
            raise doc.error(("tenants", i, "cluster_role"), "tenants may not be bound to cluster-admin",
                            "use admin or edit (bound only in the tenant's namespace)")
        _refs(doc, ("tenants", i, "depends_on"), tenant["depends_on"], layers, "layer")
        _source(doc, ("tenants", i, "source"), tenant["source"])
    del tenants
    for i, prov in enumerate(notif["providers"]):
        if prov["address"] and prov["secret_config"]:
            raise doc.error(("notifications", "providers", i), "set 'address' or 'secret_config', not both",
                            "secret webhook URLs belong in Pulumi config (secret_config)")
    for i, alert in enumerate(notif["alerts"]):
        _refs(doc, ("notifications", "alerts", i, "provider"), [alert["provider"]], providers, "provider")
    for rule_id, severity in data["policy"]["severities"].items():
        where: Path = ("policy", "severities", rule_id)
        if not SEVERITY_ID.match(rule_id):
            raise doc.error(where, "is not a rule id", "rule ids look like FF001 (see docs/policy.md)")
        if severity not in ("error", "warning", "off"):
            raise doc.error(where, f"severity {severity[:20]!r} is not allowed", "use error, warning or off")


def _source(doc: Document, path: Path, src: dict[str, Any]) -> None:
    if src["verify_signatures"] and not src["verify_secret"]:
        raise doc.error((*path, "verify_signatures"), "verify_signatures needs verify_secret",
                        "name the Secret holding the trusted public keys")
    branch = src["image_automation_branch"]
    if branch and not src["image_automation"]:
        raise doc.error((*path, "image_automation_branch"), "set without image_automation: true",
                        "enable image_automation or remove the branch")


def _unique(doc: Document, path: Path, items: list[dict[str, Any]]) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item["name"]
        if name in seen:
            raise doc.error((*path, i, "name"), f"duplicate name '{name}'", "names must be unique here")
        seen.add(name)
    return seen


def _refs(doc: Document, path: Path, names: list[str], known: set[str], what: str) -> None:
    for j, name in enumerate(names):
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"define the {what} first"
            where = (*path, j) if path[-1] == "depends_on" else path
            raise doc.error(where, f"unknown {what} '{name}'", hint)


def _acyclic(doc: Document, path: Path, items: list[dict[str, Any]]) -> None:
    edges = {item["name"]: list(item["depends_on"]) for item in items}
    cycle = find_cycle(edges)
    if cycle:
        index = {item["name"]: i for i, item in enumerate(items)}
        raise doc.error((*path, index[cycle[-2]], "depends_on"),
                        "depends_on cycle: " + " -> ".join(cycle), "break one of these edges")
