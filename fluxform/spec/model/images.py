"""Image automation: ImageRepositories, ImagePolicies and the fleet's ImageUpdateAutomation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class ImageRepository:
    name: str
    image: str
    interval: str = "5m"
    provider: Literal["generic", "aws", "azure", "gcp"] = "generic"
    secret_ref: str | None = None


@dataclass(frozen=True)
class ImagePolicy:
    name: str
    repository: str
    semver: str | None = None
    alphabetical: Literal["asc", "desc"] | None = None
    numerical: Literal["asc", "desc"] | None = None
    filter_pattern: str | None = None
    filter_extract: str | None = None


@dataclass(frozen=True)
class ImageUpdate:
    interval: str = "30m"
    path: str | None = None
    strategy: Literal["Setters"] = "Setters"
    author_name: str = "fluxcdbot"
    author_email: str = "fluxcdbot@users.noreply.github.com"
    message_template: str | None = None
    signing_key_secret: str | None = None
    signing_key_type: Literal["gpg", "ssh"] = "gpg"


@dataclass(frozen=True)
class ImageAutomation:
    """ImageRepositories, ImagePolicies and the fleet's ImageUpdateAutomation."""

    repositories: tuple[ImageRepository, ...] = ()
    policies: tuple[ImagePolicy, ...] = ()
    update: ImageUpdate = field(default_factory=ImageUpdate)
