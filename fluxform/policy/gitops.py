"""GitOps boundary rules: one owner per object, accountable suspensions, verified sources,
decryption keys out of Git."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fluxform.graph import is_marker
from fluxform.policy.model import Context, Hits, PolicyObject, absent, missing, of, sub, text
from fluxform.policy.tenancy import RECONCILERS, SOURCES
from fluxform.policy.versions import EXACT, exact_chart, floating_chart, is_range

SUSPEND_ANNOTATIONS = ("fluxform.io/suspended-by", "fluxform.io/suspend-reason")


def ownership(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF015: an object applied by Pulumi and also rendered into a Flux Kustomization path."""
    owned = {o.identity for o in objs if o.origin == "pulumi" and o.is_kubernetes and o.identity[2]}
    for o in objs:
        if o.origin == "rendered" and o.identity in owned:
            yield o.subject, f"{o.label} is applied both by Pulumi and by Flux from Git"


def suspension(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF016: `suspend: true` without both the owner and the reason annotation."""
    for o in of(objs, *RECONCILERS, *SOURCES, "ImageUpdateAutomation", "Provider", "Alert"):
        if o.spec.get("suspend") is True:
            unsaid = [a for a in SUSPEND_ANNOTATIONS if missing(o.props, "metadata", "annotations", a)]
            if unsaid:
                yield o.subject, f"{o.label} is suspended without {' and '.join(unsaid)}"


def verify_commits(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF017: in production, a GitRepository that does not verify commit signatures."""
    if ctx.production:
        for o in of(objs, "GitRepository"):
            if absent(o.props, "spec", "verify"):
                yield o.subject, f"{o.label} does not verify commit signatures"


def https_helm(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF018: in production, a HelmRepository served over plain HTTP(S) index instead of OCI."""
    if ctx.production:
        for o in of(objs, "HelmRepository"):
            url = text(o.spec.get("url")) or ""
            if o.spec.get("type") != "oci" and not url.startswith("oci://"):
                yield o.subject, f"{o.label} is an HTTPS index, not an OCI repository"


AGE_PRIVATE_KEY = re.compile(r"AGE-SECRET-KEY-1[0-9A-Za-z]{20,}")
DECRYPTION_LABEL = ("fluxform.io/purpose", "sops-decryption")


def _plain_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, string) for every plain string in `value`; secret and unknown markers are skipped."""
    if is_marker(value):
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _plain_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _plain_strings(item, f"{path}[{i}]")


def decryption_keys(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF025: an age private key in plain text anywhere (a rendered object is committed to
    Git; a plain Pulumi input is in the state and the plan), or a decryption Secret rendered."""
    for o in objs:
        labels = o.metadata.get("labels")
        if (o.origin == "rendered" and o.kind == "Secret" and isinstance(labels, dict)
                and labels.get(DECRYPTION_LABEL[0]) == DECRYPTION_LABEL[1]):
            yield o.subject, f"{o.label} is a decryption key Secret rendered into Git"
            continue
        for where, value in _plain_strings(o.props, ""):
            if AGE_PRIVATE_KEY.search(value):
                place = "rendered into Git" if o.origin == "rendered" else "in plain text"
                yield o.subject, f"{o.label} holds an age private key {place} at {where}"
                break


def verify_oci(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF026: in production, an OCIRepository that does not verify signatures."""
    if ctx.production:
        for o in of(objs, "OCIRepository"):
            if absent(o.props, "spec", "verify"):
                yield o.subject, f"{o.label} does not verify the artifact's signature"


def chart_ref_versions(objs: list[PolicyObject]) -> Iterator[tuple[PolicyObject, str, str]]:
    """(HelmRelease, version, where) for each HelmRelease whose spec.chartRef names an
    OCIRepository among `objs`: the version is the ref's semver, else its tag ('' when neither:
    the source then takes `latest`). A digest pins the artifact: such a release is left out."""
    sources = {o.identity: o for o in of(objs, "OCIRepository")}
    for o in of(objs, "HelmRelease"):
        ref = sub(o.spec, "chartRef")
        if not isinstance(ref, dict) or ref.get("kind") != "OCIRepository":
            continue
        namespace = text(ref.get("namespace")) or o.namespace
        source = sources.get(("OCIRepository", namespace, text(ref.get("name")) or ""))
        if source is None:
            continue
        pin = sub(source.spec, "ref")
        pin = pin if isinstance(pin, dict) else {}
        if text(pin.get("digest")):
            continue
        semver, tag = text(pin.get("semver")), text(pin.get("tag"))
        where = f"OCIRepository {namespace}/{source.name} ref." + ("semver" if semver is not None else "tag")
        yield o, (semver if semver is not None else tag or "").strip(), where


def floating_charts(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF005: a chart version that floats, in spec.chart or (spec.chartRef) in the referenced
    OCIRepository's ref: a semver range, or no tag at all."""
    yield from floating_chart(objs, ctx)
    for o, version, where in chart_ref_versions(objs):
        if is_range(version):
            shown = repr(version) if version else "unset, i.e. 'latest'"
            yield o.subject, f"{o.label} chart version floats ({shown}, {where})"


def exact_charts(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF006: a version that is no range and not an exact x.y.z, in spec.chart or the chartRef
    OCIRepository's ref (a tag such as `1.2` or `latest`)."""
    yield from exact_chart(objs, ctx)
    for o, version, where in chart_ref_versions(objs):
        if version and not is_range(version) and not EXACT.match(version):
            yield o.subject, f"{o.label} chart version {version!r} is not an exact x.y.z ({where})"
