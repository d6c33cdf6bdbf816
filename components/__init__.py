"""Reusable Pulumi components for the Flux cluster layer (type tokens `fluxform:index:<Type>`).

Every component takes typed args (TypedDict, documented per field), parents every child to
itself, prefixes child names with its own name, and uses only the providers it is given.

The component classes are imported on first use, so the pure Flux object builders
(`components.flux_objects`), which `fluxform render` and `validate` need, load without the
Pulumi SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.bootstrap import FluxBootstrap, FluxBootstrapArgs
    from components.deploy_key import DeployKey, DeployKeyArgs
    from components.gitops import FluxObjects
    from components.notifications import Notifications, NotificationsArgs
    from components.tenant import Tenant, TenantArgs

_HOME = {
    "DeployKey": "deploy_key", "DeployKeyArgs": "deploy_key",
    "FluxBootstrap": "bootstrap", "FluxBootstrapArgs": "bootstrap",
    "FluxObjects": "gitops",
    "Notifications": "notifications", "NotificationsArgs": "notifications",
    "Tenant": "tenant", "TenantArgs": "tenant",
}
__all__ = [
    "DeployKey", "DeployKeyArgs", "FluxBootstrap", "FluxBootstrapArgs", "FluxObjects",
    "Notifications", "NotificationsArgs", "Tenant", "TenantArgs",
]


if not TYPE_CHECKING:  # type checkers see the imports above; a typo stays an error for them

    def __getattr__(name: str) -> Any:
        home = _HOME.get(name)
        if home is None:
            raise AttributeError(f"module 'components' has no attribute {name!r}")
        value = getattr(importlib.import_module(f"components.{home}"), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
