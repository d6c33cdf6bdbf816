"""Reusable Pulumi components for the Flux cluster layer (type tokens `fluxform:index:<Type>`).

Every component takes typed args (TypedDict, documented per field), parents every child to
itself, prefixes child names with its own name, and uses only the providers it is given.
"""

from components.bootstrap import FluxBootstrap, FluxBootstrapArgs
from components.deploy_key import DeployKey, DeployKeyArgs
from components.gitops import FluxObjects
from components.notifications import Notifications, NotificationsArgs
from components.tenant import Tenant, TenantArgs

__all__ = [
    "DeployKey", "DeployKeyArgs", "FluxBootstrap", "FluxBootstrapArgs", "FluxObjects",
    "Notifications", "NotificationsArgs", "Tenant", "TenantArgs",
]
