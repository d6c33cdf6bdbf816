"""What the fleet's, a layer's and a tenant's sources share: the generated deploy key, the
image automation settings of a Git source, and an OCI artifact with its signature identities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DeployKeyAlgorithm = Literal["ecdsa-p384", "ed25519"]


@dataclass(frozen=True)
class DeployKey:
    """An SSH deploy key generated with pulumi-tls and registered on GitHub."""

    algorithm: DeployKeyAlgorithm = "ecdsa-p384"
    rotation: str = "1"
    """Any string; changing it replaces the key, the GitHub deploy key and the Secret."""


class Source:
    """What every repository source says about image automation (GitSource, TenantSource)."""

    repository: str
    branch: str
    image_automation: bool
    image_automation_branch: str | None


@dataclass(frozen=True)
class OidcIdentity:
    issuer: str
    subject: str


@dataclass(frozen=True)
class OciSource:
    """An OCI artifact a layer applies (an OCIRepository named after the layer)."""

    url: str
    tag: str | None = None
    semver: str | None = None
    digest: str | None = None
    interval: str = "5m"
    timeout: str = "60s"
    secret_ref: str | None = None
    verify_signatures: bool = False
    verify_provider: Literal["cosign", "notation"] = "cosign"
    verify_secret: str | None = None
    verify_identities: tuple[OidcIdentity, ...] = ()
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    """Registry authentication (the fleet's artifact; layers use generic)."""
