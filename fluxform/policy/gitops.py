"""GitOps boundary rules: one owner per object, accountable suspensions, verified sources."""

from __future__ import annotations

from fluxform.policy.model import Context, Hits, PolicyObject, absent, missing, of, text
from fluxform.policy.tenancy import RECONCILERS, SOURCES

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
