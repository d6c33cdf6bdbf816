"""Version rules: pinned charts, current Flux APIs."""

from __future__ import annotations

import re

from fluxform.policy.model import Context, Hits, PolicyObject, sub, text

EXACT = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
# Masterminds semver constraint syntax Flux accepts: operators, wildcards, alternatives,
# hyphen ranges and comma/space conjunctions all select more than one version.
_RANGE_OPERATOR = re.compile(r"[<>^~*|,]|\s-\s|\s")
_WILDCARD_PART = re.compile(r"^v?\d+(\.(\d+|[xX*]))*$")

CURRENT_API = {
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1",
    "Bucket": "source.toolkit.fluxcd.io/v1",
    "HelmChart": "source.toolkit.fluxcd.io/v1",
    "ExternalArtifact": "source.toolkit.fluxcd.io/v1",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "Provider": "notification.toolkit.fluxcd.io/v1beta3",
    "Alert": "notification.toolkit.fluxcd.io/v1beta3",
    "Receiver": "notification.toolkit.fluxcd.io/v1",
    "ImageRepository": "image.toolkit.fluxcd.io/v1",
    "ImagePolicy": "image.toolkit.fluxcd.io/v1",
    "ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
}
FLUX_GROUPS = frozenset(v.split("/")[0] for v in CURRENT_API.values())


PULUMI_HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")


def _pulumi_chart_version(o: PolicyObject) -> str | None:
    """A Pulumi Helm release's (e.g. the Flux install's) version; '' when unset from a repo."""
    version = o.props.get("version")
    if isinstance(version, str):
        return version.strip()
    chart = text(o.props.get("chart")) or ""
    from_repo = bool(text(sub(o.props, "repositoryOpts", "repo"))) or chart.startswith("oci://")
    return "" if version is None and from_repo else None


def chart_version(o: PolicyObject) -> str | None:
    """The chart version: '' when unset (Flux, Helm then take the latest), None when unknown
    or not applicable (a chartRef release takes its version from the referenced source; a
    local chart directory has none)."""
    if o.type in PULUMI_HELM:
        return _pulumi_chart_version(o)
    if o.kind != "HelmRelease" or not o.is_kubernetes:
        return None
    chart = sub(o.spec, "chart", "spec")
    if not isinstance(chart, dict):
        return None
    version = chart.get("version")
    if version is None:
        return ""
    return version.strip() if isinstance(version, str) else None


def is_range(version: str) -> bool:
    """True for `*`, empty, operators (`>=1`, `^1.2`, `~1`), `1.x`, `1 - 2`, `a || b`."""
    if not version or _RANGE_OPERATOR.search(version):
        return True
    if EXACT.match(version):
        return False
    return bool(_WILDCARD_PART.match(version)) and bool(re.search(r"[xX*]", version))


def floating_chart(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF005: `*`, an unset version or a range, in any environment (HelmReleases and the
    Pulumi Helm releases that install Flux itself)."""
    for o in objs:
        version = chart_version(o)
        if version is not None and is_range(version):
            shown = repr(version) if version else "unset, i.e. '*'"
            yield o.subject, f"{o.label} chart version floats ({shown})"


def exact_chart(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF006: a version that is no range but not an exact x.y.z either (e.g. `1.2`, `=1.2.3`)."""
    for o in objs:
        version = chart_version(o)
        if version and not is_range(version) and not EXACT.match(version):
            yield o.subject, f"{o.label} chart version {version!r} is not an exact x.y.z"


def api_versions(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF019: a Flux kind served at anything but its current API version."""
    for o in objs:
        if not o.is_kubernetes:
            continue
        api = o.api_version
        current = CURRENT_API.get(o.kind)
        if api.split("/")[0] in FLUX_GROUPS and current is not None and api != current:
            yield o.subject, f"{o.label} uses {api}; the current API is {current}"
