"""Checks of what layers and tenants hand to kustomize-controller: health checks, patches,
SOPS decryption, OCI layer sources and cluster variables.

Runs after validate.py and semantics.py (every value has its kind), on the checked document,
so every error names the line the problem is on. Patch text is parsed here only to tell a
strategic merge patch from a JSON6902 one; it is never quoted back.
"""

from __future__ import annotations

from typing import Any

import yaml

from fluxform.spec.loader import Document, Path

BUILTIN_VARS = ("CLUSTER_NAME", "CLUSTER_ENVIRONMENT", "CLUSTER_TIER", "CLUSTER_REGION", "CLUSTER_DOMAIN",
                "INGRESS_CLASS")
JSON6902_OPS = ("add", "remove", "replace", "move", "copy", "test")


def check(doc: Document, data: dict[str, Any]) -> None:
    """Raise the first SpecError among layers, tenants, cluster_vars and sops."""
    _oci_fleet_and_charts(doc, data)
    sops = data["sops"]
    cluster_key = sops is not None and (sops["age_key_config"] is not None
                                        or sops["kms_annotations"] is not None)
    for i, layer in enumerate(data["layers"]):
        path: Path = ("layers", i)
        _kustomize(doc, path, layer)
        if layer["source"] is not None:
            _oci(doc, (*path, "source"), layer["source"])
        dec = layer["decryption"]
        if dec is not None and dec["secret_ref"] is None and not cluster_key:
            raise doc.error((*path, "decryption"), "needs the cluster's decryption key",
                            "set sops.age_key_config (or sops.kms_annotations), or name a Secret with "
                            "secret_ref")
    for i, tenant in enumerate(data["tenants"]):
        path = ("tenants", i)
        _kustomize(doc, path, tenant)
        dec = tenant["decryption"]
        if dec is not None and dec["secret_ref"] is None and dec["age_key_config"] is None:
            raise doc.error((*path, "decryption"), "needs the tenant's own key",
                            "set age_key_config (a secret stack config value) or secret_ref (a Secret "
                            "the tenant manages); flux-system's key is out of reach under lockdown")
    if data["cluster_vars"] is not None:
        _cluster_vars(doc, ("cluster_vars",), data["cluster_vars"])
    if data["image_automation"] is not None:
        _images(doc, data)


def _oci_fleet_and_charts(doc: Document, data: dict[str, Any]) -> None:
    """An OCI fleet source (the OCIRepository flux-system, and what cannot work with one) and
    the platform's chart_ref repositories and releases."""
    from fluxform.spec.tenancy import charts

    fleet = data["fleet"]
    taken = {layer["name"]: f"layer {layer['name']}'s source" for layer in data["layers"]
             if layer["source"] is not None}
    if fleet["type"] == "oci":
        taken["flux-system"] = "the fleet's source"
        path: Path = ("fleet", "oci")
        src = fleet["oci"]
        if src["url"] is not None and not src["url"].startswith("oci://"):
            raise doc.error((*path, "url"), "an oci fleet needs an oci:// url",
                            "a Git fleet is type github (owner and repository)")
        _oci(doc, path, src)
        registry_auth(doc, path, src)
        if data["image_automation"] is not None:
            raise doc.error(("image_automation",), "needs a Git fleet repository to push to",
                            "the fleet source is an OCI artifact (fleet.type: oci); update images "
                            "where the artifact is built")
        notes = data["notifications"]
        for section, key in (("alerts", "sources"), ("receivers", "resources")):
            for i, item in enumerate(notes[section]):
                for j, ref in enumerate(item[key]):
                    if (ref["kind"] == "GitRepository" and ref["name"] == "flux-system"
                            and ref["namespace"] in (None, "flux-system")):
                        raise doc.error(("notifications", section, i, key, j, "kind"),
                                        "the fleet source flux-system is an OCIRepository",
                                        "refer to kind OCIRepository")
    charts(doc, ("helm",), data["helm"], taken, "flux-system")


def _kustomize(doc: Document, path: Path, item: dict[str, Any]) -> None:
    if item["health_checks"] and item["wait"]:
        raise doc.error((*path, "health_checks"), "needs 'wait: false' too",
                        "with wait, Flux checks every applied object and ignores health_checks")
    for j, patch in enumerate(item["patches"]):
        _patch(doc, (*path, "patches", j), patch)


def _patch(doc: Document, path: Path, patch: dict[str, Any]) -> None:
    where = (*path, "patch")
    try:
        body = yaml.safe_load(patch["patch"])
    except Exception:  # a YAML error, or a core tag's constructor failing (`!!int ''`)
        raise doc.error(where, "is not valid YAML or JSON",
                        "write a YAML mapping (strategic merge) or a list of JSON6902 operations") from None
    target = patch["target"]
    if isinstance(body, list):
        if target is None:
            raise doc.error(path, "a JSON6902 patch needs a target", "add 'target:' with kind and name")
        for op in body:
            if not (isinstance(op, dict) and op.get("op") in JSON6902_OPS
                    and isinstance(op.get("path"), str)):
                raise doc.error(where, "is not a list of JSON6902 operations",
                                "each item needs op (" + ", ".join(JSON6902_OPS) + ") and path")
    elif isinstance(body, dict):
        meta = body.get("metadata")
        named = (isinstance(body.get("kind"), str) and isinstance(meta, dict)
                 and isinstance(meta.get("name"), str))
        if target is None and not named:
            raise doc.error(path, "a strategic merge patch without a target must name its object",
                            "give the patch apiVersion, kind and metadata.name, or add 'target:'")
    else:
        raise doc.error(where, "is neither a mapping nor a list",
                        "write a YAML mapping (strategic merge) or a list of JSON6902 operations")
    if target is not None and all(value is None for value in target.values()):
        raise doc.error((*path, "target"), "selects nothing", "give at least kind or name")


def _oci(doc: Document, path: Path, src: dict[str, Any]) -> None:
    url = src["url"]
    if url is None:
        raise doc.error(path, "missing required key 'url'", "add 'url: oci://<registry>/<repository>'")
    if not url.startswith("oci://"):
        raise doc.error((*path, "url"), "a layer source needs an oci:// url",
                        "layers from Git use the fleet repository (leave source out)")
    refs = [k for k in ("tag", "semver", "digest") if src[k] is not None]
    if len(refs) != 1:
        raise doc.error((*path, refs[1]) if refs else path, "set exactly one of tag, semver or digest",
                        "pin the artifact, e.g. tag: v1.2.3 or a digest")
    verify_options(doc, path, src)


def registry_auth(doc: Document, path: Path, src: dict[str, Any]) -> None:
    """A pull Secret and a cloud provider exclude each other on an OCI registry source."""
    if src["provider"] != "generic" and src.get("secret_ref") is not None:
        raise doc.error((*path, "secret_ref"), f"does not apply with provider {src['provider']}",
                        "the cloud's workload identity authenticates; remove secret_ref or use "
                        "provider generic")


def verify_options(doc: Document, path: Path, src: dict[str, Any]) -> None:
    """The signature verification of an OCIRepository (cosign keyless or keys, notation)."""
    if src["verify_identities"] and not src["verify_signatures"]:
        raise doc.error((*path, "verify_identities"), "needs 'verify_signatures: true' too",
                        "turn verification on or remove the identities")
    if src["verify_secret"] is not None and not src["verify_signatures"]:
        raise doc.error((*path, "verify_secret"), "needs 'verify_signatures: true' too",
                        "turn verification on or remove the Secret")
    if src["verify_signatures"] and src["verify_secret"] is None and not src["verify_identities"]:
        raise doc.error((*path, "verify_signatures"), "needs 'verify_secret' or 'verify_identities'",
                        "name the Secret of cosign public keys, or the OIDC identities (keyless)")
    if src["verify_provider"] == "notation" and src["verify_identities"]:
        raise doc.error((*path, "verify_identities"), "does not apply to notation",
                        "keyless OIDC identities are cosign's; notation takes verify_secret")


def _cluster_vars(doc: Document, path: Path, cv: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for section in ("values", "from_config"):
        for name in cv[section]:
            where = (*path, section, name)
            if name in BUILTIN_VARS:
                raise doc.error(where, f"'{name}' is set by fluxform",
                                "pick another name; the built-in variables are " + ", ".join(BUILTIN_VARS))
            if name in seen:
                raise doc.error(where, f"'{name}' is also set in cluster_vars.{seen[name]}", "set it once")
            seen[name] = section


def _images(doc: Document, data: dict[str, Any]) -> None:
    path: Path = ("image_automation",)
    if not data["flux"]["image_automation"]:
        raise doc.error(path, "needs 'flux.image_automation: true' too",
                        "the image automation controllers must be installed")
    if not data["fleet"]["image_automation"]:
        raise doc.error(path, "needs 'fleet.image_automation: true' too",
                        "the automation pushes to the fleet repository, so its deploy key must be "
                        "read-write (and only that key)")
    for i, policy in enumerate(data["image_automation"]["policies"]):
        where: Path = (*path, "policies", i)
        chosen = [k for k in ("semver", "alphabetical", "numerical") if policy[k] is not None]
        if len(chosen) != 1:
            raise doc.error((*where, chosen[1]) if chosen else where,
                            "set exactly one of semver, alphabetical or numerical",
                            "e.g. semver: '>=1.0.0'")
    update = data["image_automation"]["update"] or {}
    if update.get("signing_key_type") == "ssh" and not _ssh_signing(data["flux"]["chart_version"]):
        raise doc.error((*path, "update", "signing_key_type"),
                        f"the Flux of chart {data['flux']['chart_version']} signs commits with "
                        "OpenPGP keys only (its ImageUpdateAutomation has no signingKey.type)",
                        "use gpg (a Secret with git.asc), or pin a chart whose "
                        "image-automation-controller is v1.2 or later")


def _ssh_signing(chart_version: str) -> bool:
    """Whether the CRDs the chart installs let an ImageUpdateAutomation sign with an SSH key
    (`spec.git.commit.signingKey.type`). An unknown chart passes: the CRD check refuses it."""
    from fluxform.crds import versions
    from fluxform.fluxversions import CHARTS

    release = CHARTS.get(chart_version)
    if release is None:
        return True
    version = versions(release.crds).get(("image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation"))
    node: Any = version.schema if version is not None else {}
    for name in ("spec", "git", "commit", "signingKey", "type"):
        node = node.get("properties", {}).get(name, {})
    return bool(node)
