"""Helm repositories and releases: the platform's (helm:) and a tenant's own
(tenants[].helm:), with the chart_ref settings both kinds of repository share."""

from __future__ import annotations

from fluxform.spec.fields.common import ANNOTATIONS, OIDC_IDENTITY, REGISTRY_PROVIDERS, names
from fluxform.spec.kinds import (
    CHART,
    CHART_VERSION,
    DIGEST,
    DURATION,
    NAME,
    RELEASE_NAME,
    SUBDOMAIN,
    URL,
    Choice,
    Field,
    Flag,
    Json,
    Obj,
    Seq,
    Whole,
)


def _chart_ref_fields() -> dict[str, Field]:
    """What a Helm repository says about serving its charts from OCIRepositories (chart_ref)."""
    return {
        "chart_ref": Field(Flag(), "Serve this registry's charts the current Flux way: an OCIRepository "
                           "per release (the Helm chart layer, operation copy) and the HelmRelease's "
                           "spec.chartRef, instead of a HelmRepository (needs an oci:// url).",
                           default=False),
        "provider": Field(Choice(REGISTRY_PROVIDERS), "Registry authentication of the chart "
                          "OCIRepositories (chart_ref): generic or the cloud's workload identity.",
                          default="generic"),
        "verify_signatures": Field(Flag(), "Verify each chart artifact's signature (chart_ref; "
                                   "spec.verify of its OCIRepository).", default=False),
        "verify_provider": Field(Choice(("cosign", "notation")), "Signature provider (chart_ref).",
                                 default="cosign"),
        "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys, beside the releases "
                               "(omit it for keyless cosign)."),
        "verify_identities": Field(Seq(OIDC_IDENTITY), "Keyless cosign: the OIDC identities a chart's "
                                   "signature may come from.", default=[]),
    }


_CHART_DIGEST = Field(DIGEST, "Chart artifact digest (a repository with chart_ref): pins the exact "
                      "artifact (spec.ref.digest; `version` stays the tag it was published as).")

_RELEASE_RUN: dict[str, Field] = {
    "digest": _CHART_DIGEST,
    "interval": Field(DURATION, "Reconcile interval.", default="10m"),
    "chart_interval": Field(DURATION, "How often the chart is fetched.", default="1h"),
    "timeout": Field(DURATION, "Timeout of each Helm action.", default="5m"),
    "retries": Field(Whole(0, 100), "Install and upgrade remediation retries.", default=3),
    "values": Field(Json(), "Helm values (any mapping; stored as canonical JSON).", default={}),
}
"""What every release says after its chart and version, the platform's and a tenant's (the
model's _Release)."""


REPOSITORY = Obj({
    "name": Field(NAME, "HelmRepository name (in flux-system).", required=True),
    "url": Field(URL, "Chart repository: oci://... (preferred) or https://...", required=True),
    "interval": Field(DURATION, "How often Flux fetches the repository index.", default="1h"),
    **_chart_ref_fields(),
})

RELEASE = Obj({
    "name": Field(RELEASE_NAME, "HelmRelease and Helm release name.", required=True),
    "namespace": Field(NAME, "Namespace the release installs into (targetNamespace; the HelmRelease "
                       "object itself lives in flux-system beside its repository).",
                       required=True),
    "repository": Field(NAME, "Name of a repository under helm.repositories.", required=True,
                        ref=("helm", "repositories")),
    "chart": Field(CHART, "Chart name in that repository.", required=True),
    "version": Field(CHART_VERSION, "Chart version; pin it exactly (policy FF005/FF006).", required=True),
    **_RELEASE_RUN,
    "depends_on": Field(names("release"), "Releases installed before this one.", default=[],
                        ref=("helm", "releases")),
    "create_namespace": Field(Flag(), "Create the namespace if it is missing.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
})

HELM = Obj({
    "repositories": Field(Seq(REPOSITORY, key="name", noun="repository"), "HelmRepositories.",
                          default=[]),
    "releases": Field(Seq(RELEASE, key="name", noun="release"), "HelmReleases.", default=[]),
})

TENANT_REPOSITORY = Obj({
    "name": Field(NAME, "HelmRepository name (in the tenant's namespace).", required=True),
    "url": Field(URL, "Chart repository: oci://... (preferred) or https://...", required=True),
    "interval": Field(DURATION, "How often Flux fetches the repository index.", default="1h"),
    "secret_ref": Field(SUBDOMAIN, "A credentials Secret the tenant manages in its namespace."),
    **_chart_ref_fields(),
})

TENANT_RELEASE = Obj({
    "name": Field(RELEASE_NAME, "HelmRelease and Helm release name (in the tenant's namespace).",
                  required=True),
    "repository": Field(NAME, "Name of a repository under this tenant's helm.repositories.", required=True),
    "chart": Field(CHART, "Chart name in that repository.", required=True),
    "version": Field(CHART_VERSION, "Chart version; pin it exactly (policy FF005/FF006; an error in "
                     "production).", required=True),
    **_RELEASE_RUN,
    "depends_on": Field(names("release"), "This tenant's releases installed before this one.", default=[]),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
})
