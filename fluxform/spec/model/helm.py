"""Helm repositories and releases: the platform's (in flux-system) and a tenant's own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from fluxform.spec.model.sources import OidcIdentity


@dataclass(frozen=True, kw_only=True)
class ChartSource:
    """How a Helm repository's charts reach helm-controller: a HelmRepository (default), or
    with `chart_ref` an OCIRepository per release and the release's spec.chartRef."""

    chart_ref: bool = False
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    verify_signatures: bool = False
    verify_provider: Literal["cosign", "notation"] = "cosign"
    verify_secret: str | None = None
    verify_identities: tuple[OidcIdentity, ...] = ()


@dataclass(frozen=True)
class HelmRepository(ChartSource):
    name: str
    url: str
    """oci://... (preferred) or https://..."""
    interval: str = "1h"

    @property
    def is_oci(self) -> bool:
        return self.url.startswith("oci://")


@dataclass(frozen=True, kw_only=True)
class _Release:
    """What every HelmRelease of a spec says, the platform's and a tenant's."""

    name: str
    repository: str
    """Name of a HelmRepository beside it (the spec's, or the tenant's own)."""
    chart: str
    version: str
    interval: str = "10m"
    chart_interval: str = "1h"
    timeout: str = "5m"
    retries: int = 3
    """Install and upgrade remediation retries."""
    values_json: str = "{}"
    """Helm values as canonical JSON (sorted keys), so the dataclass stays frozen and hashable."""
    depends_on: tuple[str, ...] = ()
    """Names of other HelmReleases beside it."""
    suspend: bool = False
    annotations: tuple[tuple[str, str], ...] = ()
    digest: str | None = None
    """Chart artifact digest (a repository with chart_ref)."""

    @property
    def values(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.values_json)
        return parsed


@dataclass(frozen=True, kw_only=True)
class HelmRelease(_Release):
    namespace: str
    """Namespace the release installs into (targetNamespace); the HelmRelease object itself
    lives in flux-system beside its HelmRepository."""
    create_namespace: bool = True


@dataclass(frozen=True)
class TenantHelmRepository(ChartSource):
    name: str
    url: str
    interval: str = "1h"
    secret_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class TenantHelmRelease(_Release):
    """A tenant's own HelmRelease: in the tenant's namespace, run as its service account."""
