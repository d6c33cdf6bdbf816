"""Checks on tenants the field table cannot state: namespaces, source credentials, own Helm.

Runs after validate.py (every value has its kind and defaults) and fills in the one derived
value, a tenant's namespace (its name when the spec leaves it out). Each tenant's Helm
repositories and releases are a collection of their own, so references and cycles are
checked per tenant here rather than by semantics.py's document-wide index.
"""

from __future__ import annotations

from typing import Any

from fluxform.spec.delivery import registry_auth, verify_options
from fluxform.spec.loader import Document, Path
from fluxform.spec.semantics import find_cycle
from fluxform.spec.validate import did_you_mean


def check(doc: Document, data: dict[str, Any]) -> None:
    """Raise the first SpecError among the tenants; fill in `namespace` (in place)."""
    owners: dict[str, tuple[str, int]] = {}
    for i, tenant in enumerate(data["tenants"]):
        path: Path = ("tenants", i)
        if tenant["namespace"] is None:
            tenant["namespace"] = tenant["name"]
        namespace = tenant["namespace"]
        if namespace in owners:
            other, j = owners[namespace]
            where = (*path, "namespace") if doc.line((*path, "namespace")) else (*path, "name")
            raise doc.error(where, f"namespace '{namespace}' already belongs to tenant '{other}'",
                            f"one namespace per tenant; see tenants[{j}]")
        owners[namespace] = (tenant["name"], i)
        _source(doc, (*path, "source"), tenant["source"])
        _helm(doc, (*path, "helm"), tenant["helm"])
        taken = {tenant["name"]: "the tenant's own source"} if tenant["source"]["type"] == "oci" else {}
        charts(doc, (*path, "helm"), tenant["helm"], taken, tenant["namespace"])


def _source(doc: Document, path: Path, src: dict[str, Any]) -> None:
    raw = _raw(doc, path)
    kind, url, secret = src["type"], src["url"], src["secret_ref"]
    scheme = url.split("://", 1)[0] if url else "ssh"
    if kind == "git" and scheme not in ("https", "ssh"):
        raise doc.error((*path, "url"), "a git source needs an https:// or ssh:// url",
                        "use type: oci for an oci:// artifact")
    if kind == "oci":
        if scheme != "oci":
            raise doc.error((*path, "url"), "an oci source needs an oci:// url", "use type: git for Git")
        refs = [k for k in ("tag", "semver", "digest") if src[k] is not None]
        if len(refs) != 1:
            where = (*path, refs[1]) if refs else path
            raise doc.error(where, "set exactly one of tag, semver or digest",
                            "pin the artifact, e.g. tag: v1.2.3 or a digest")
    ssh = kind == "github" or scheme == "ssh"
    if "known_hosts" in raw and (not ssh or kind == "github"):
        reason = "GitHub's host keys are pinned by fluxform" if kind == "github" else "only ssh:// needs it"
        raise doc.error((*path, "known_hosts"), "does not apply here", reason)
    if kind == "git" and scheme == "ssh" and secret is None and src["known_hosts"] is None:
        raise doc.error(path, "an ssh:// source needs 'known_hosts' (or secret_ref)",
                        "add the Git host's keys, e.g. from `ssh-keyscan HOST`")
    if secret is not None:
        for key in ("deploy_key", "known_hosts"):
            if key in raw:
                raise doc.error((*path, key), "does not apply with secret_ref",
                                "the tenant's own Secret holds its credentials")
    elif kind == "git" and scheme == "https" and "deploy_key" in raw:
        raise doc.error((*path, "deploy_key"), "does not apply to an https:// source",
                        "a public https:// source needs no credentials; a private one takes secret_ref")
    if src["image_automation"] and not (ssh and secret is None):
        raise doc.error((*path, "image_automation"), "needs a generated SSH key to push with",
                        "use type github or an ssh:// url without secret_ref")
    if kind == "oci":
        verify_options(doc, path, src)
        return
    if src["verify_identities"] and not src["verify_signatures"]:
        raise doc.error((*path, "verify_identities"), "needs 'verify_signatures: true' too",
                        "turn verification on or remove the identities")
    if src["verify_signatures"] and src["verify_secret"] is None:
        raise doc.error((*path, "verify_signatures"), "needs 'verify_secret' too",
                        "name the Secret that holds the trusted public keys")


def _helm(doc: Document, path: Path, helm: dict[str, Any]) -> None:
    repositories = [r["name"] for r in helm["repositories"]]
    releases = [r["name"] for r in helm["releases"]]
    edges: dict[str, list[str]] = {}
    for i, release in enumerate(helm["releases"]):
        where: Path = (*path, "releases", i)
        if release["repository"] not in repositories:
            known = (f"defined: {', '.join(repositories)}" if repositories
                     else "this tenant's helm.repositories is empty")
            raise doc.error((*where, "repository"), f"unknown repository '{release['repository']}'",
                            did_you_mean(release["repository"], repositories, known))
        for j, dep in enumerate(release["depends_on"]):
            if dep == release["name"]:
                raise doc.error((*where, "depends_on", j), f"release '{dep}' depends on itself",
                                "remove it from the list")
            if dep not in releases:
                raise doc.error((*where, "depends_on", j), f"unknown release '{dep}'",
                                did_you_mean(dep, releases, "name one of this tenant's helm.releases"))
        edges[release["name"]] = list(release["depends_on"])
    cycle = find_cycle(edges)
    if cycle:
        first = releases.index(cycle[0])
        raise doc.error((*path, "releases", first, "depends_on"),
                        "depends_on cycle: " + " -> ".join(cycle), "remove one of these dependencies")


def _raw(doc: Document, path: Path) -> dict[str, Any]:
    """The mapping at `path` as written (before defaults), for 'was this key written?'."""
    node: Any = doc.value
    for seg in path:
        node = node[seg]
    return node if isinstance(node, dict) else {}


def charts(doc: Document, path: Path, helm: dict[str, Any], taken: dict[str, str], namespace: str) -> None:
    """Check a helm section's chart_ref repositories and the releases drawn from them.

    `taken` maps OCIRepository names already used in `namespace` (an OCI layer's or the fleet's
    source) to what uses them: a chart_ref release's OCIRepository is named after the release,
    so one of those names would make two objects of one identity."""
    by_name: dict[str, dict[str, Any]] = {}
    for i, repo in enumerate(helm["repositories"]):
        where: Path = (*path, "repositories", i)
        by_name[repo["name"]] = repo
        _chart_repository(doc, where, repo)
        if namespace != "flux-system" and repo["provider"] != "generic":
            # Least privilege: provider aws/azure/gcp authenticates as source-controller's own
            # cloud identity (the platform's), so a tenant could pull whatever it may read.
            raise doc.error((*where, "provider"), "a tenant's registry takes provider generic only",
                            "the cloud providers authenticate as the platform's source-controller; "
                            "use a pull Secret the tenant manages (secret_ref)")
    for i, release in enumerate(helm["releases"]):
        where = (*path, "releases", i)
        repo = by_name.get(release["repository"])
        if repo is None:  # an unknown repository is reported by the reference checks
            continue
        if not repo["chart_ref"]:
            if release["digest"] is not None:
                raise doc.error((*where, "digest"), "needs a repository with 'chart_ref: true'",
                                "a digest pins the chart's OCIRepository; a HelmRepository pins "
                                "by version only")
            continue
        if "+" in release["version"]:
            raise doc.error((*where, "version"), "build metadata ('+') cannot be an OCI tag",
                            "an OCI tag is [A-Za-z0-9_][A-Za-z0-9._-]* (the distribution spec), so "
                            "the chart was pushed under another tag: pin that, or a digest")
        if release["name"] in taken:
            raise doc.error((*where, "name"), f"an OCIRepository '{release['name']}' is already "
                            f"{taken[release['name']]} in namespace {namespace}",
                            "a chart_ref release's OCIRepository is named after the release; "
                            "rename the release")


def _chart_repository(doc: Document, path: Path, repo: dict[str, Any]) -> None:
    if not repo["chart_ref"]:
        for key, off in (("provider", "generic"), ("verify_signatures", False)):
            if repo[key] != off:
                raise doc.error((*path, key), "needs 'chart_ref: true' too",
                                "only the OCIRepositories of chart_ref authenticate and verify; "
                                "a HelmRepository does neither")
        for key in ("verify_secret", "verify_identities"):
            if repo[key]:
                raise doc.error((*path, key), "needs 'verify_signatures: true' too",
                                "turn verification on or remove it")
        return
    if not repo["url"].startswith("oci://"):
        raise doc.error((*path, "chart_ref"), "needs an oci:// url",
                        "charts of an https:// index come through a HelmRepository; leave chart_ref out")
    registry_auth(doc, path, repo)
    verify_options(doc, path, repo)
