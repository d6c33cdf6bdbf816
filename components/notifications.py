"""Notification secrets and objects: Provider webhook Secrets and Receiver tokens.

A Receiver's token is 32 random bytes (pulumi-random RandomBytes, hex-encoded) kept in a
Secret the Receiver references; a Provider's secret address comes from a Pulumi config
secret. The Secrets are always Pulumi's; the Flux objects only when Pulumi delivers them.
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


class NotificationsArgs(TypedDict):
    provider_addresses: Mapping[str, pulumi.Input[str]]
    """Secret name -> secret webhook address (each becomes a Secret with key `address`)."""
    receiver_tokens: Sequence[str]
    """Secret names that get a fresh 32-byte token (key `token`)."""
    flux_objects: NotRequired[Sequence[dict[str, Any]]]
    """Provider/Alert/Receiver objects; empty when Flux applies them from Git."""


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
            }, opts=pulumi.ResourceOptions(parent=self))

        for secret_name, address in sorted(args["provider_addresses"].items()):
            secrets.append(secret(secret_name, "address", pulumi.Output.secret(address)))
        for secret_name in sorted(args["receiver_tokens"]):
            token = random.RandomBytes(f"{name}-{secret_name}-bytes", length=TOKEN_BYTES,
                                       opts=pulumi.ResourceOptions(parent=self))
            secrets.append(secret(secret_name, "token", token.hex))
        for obj in args.get("flux_objects", ()):
            register(self, name, obj, secrets)
        self.secret_names = sorted([*args["provider_addresses"], *args["receiver_tokens"]])
        self.register_outputs({"secret_names": self.secret_names})
