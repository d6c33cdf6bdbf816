"""Flux notifications: providers, alerts, webhook receivers and the objects they name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class NotificationProvider:
    name: str
    type: str
    """Flux provider type (slack, msteams, github, generic, ...)."""
    channel: str | None = None
    address: str | None = None
    """Non-secret address (e.g. an API URL); secret webhooks use `secret_config`."""
    secret_config: str | None = None
    """Pulumi config key (in the `fluxform` namespace) holding the secret webhook URL / token."""


@dataclass(frozen=True)
class EventSource:
    kind: str
    name: str
    namespace: str | None = None


@dataclass(frozen=True)
class Alert:
    name: str
    provider: str
    severity: Literal["info", "error"] = "info"
    sources: tuple[EventSource, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class Receiver:
    name: str
    type: str
    """Flux receiver type (github, gitlab, generic-hmac, ...); plain `generic` is rejected by policy."""
    events: tuple[str, ...] = ()
    resources: tuple[EventSource, ...] = ()


@dataclass(frozen=True)
class Notifications:
    providers: tuple[NotificationProvider, ...] = ()
    alerts: tuple[Alert, ...] = ()
    receivers: tuple[Receiver, ...] = ()
