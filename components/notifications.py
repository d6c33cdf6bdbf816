"""Notification secrets and objects: Provider webhook Secrets and Receiver tokens.

A Receiver's token is 32 random bytes (pulumi-random RandomBytes, hex-encoded) kept in a
Secret the Receiver references; a Provider's secret address comes from a Pulumi config
secret. The Secrets are always Pulumi's; the Flux objects only when Pulumi delivers them.

Rotating a Receiver token (docs/rotation.md): the token's RandomBytes has the rotation marker
as its replacement trigger (`1` unless one is given), so changing the marker replaces it
create-before-delete; it is state only, nothing outside Pulumi holds it. The Secret keeps
its name and has no trigger: the new token reaches it as changed `stringData` (updated in
place when the Kubernetes provider sets `enableSecretMutable`, otherwise replaced
delete-before-replace, as pulumi-kubernetes does for a named object; the option is also set
explicitly so that no path creates a second object of that name first). The Receiver itself
does not change; notification-controller derives its webhook path from the token, so GitHub's
webhook must then be given the new path and secret (docs/rotation.md says how).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_random as random

from components.flux_objects import FLUX_NAMESPACE, MANAGED_BY
from components.gitops import register
from components.kinds import SECRET, KindResource

TOKEN_BYTES = 32
DEFAULT_ROTATION = "1"


class NotificationsArgs(TypedDict):
    provider_addresses: Mapping[str, pulumi.Input[str]]
    """Secret name -> secret webhook address (each becomes a Secret with key `address`)."""
    receiver_tokens: Sequence[str] | Mapping[str, str]
    """Secret names that get a fresh 32-byte token (key `token`); as a mapping, Secret name ->
    rotation marker (change a marker to rotate that token; a plain name has marker `1`)."""
    flux_objects: NotRequired[Sequence[dict[str, Any]]]
    """Provider/Alert/Receiver objects; empty when Flux applies them from Git."""


def token_rotations(tokens: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """Secret name -> rotation marker, whichever form `receiver_tokens` was given in."""
    if isinstance(tokens, Mapping):
        return {str(name): str(rotation) for name, rotation in tokens.items()}
    return dict.fromkeys(tokens, DEFAULT_ROTATION)


class Notifications(pulumi.ComponentResource):
    """Outputs: `secret_names`."""

    def __init__(self, name: str, args: NotificationsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:Notifications", name, None, opts)
        secrets: list[pulumi.Resource] = []
        def secret(secret_name: str, key: str, value: pulumi.Input[str]) -> KindResource:
            return KindResource(SECRET, f"{name}-{secret_name}", {
                "metadata": {"name": secret_name, "namespace": FLUX_NAMESPACE,
                             "labels": dict(MANAGED_BY)},
                "stringData": {key: value},
            }, opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))

        for secret_name, address in sorted(args["provider_addresses"].items()):
            secrets.append(secret(secret_name, "address", pulumi.Output.secret(address)))
        rotations = token_rotations(args["receiver_tokens"])
        for secret_name, rotation in sorted(rotations.items()):
            token = random.RandomBytes(f"{name}-{secret_name}-bytes", length=TOKEN_BYTES,
                                       opts=pulumi.ResourceOptions(
                                           parent=self, replacement_trigger=rotation))
            secrets.append(secret(secret_name, "token", token.hex))
        for obj in args.get("flux_objects", ()):
            register(self, name, obj, secrets)
        self.secret_names = sorted([*args["provider_addresses"], *rotations])
        self.register_outputs({"secret_names": self.secret_names})
