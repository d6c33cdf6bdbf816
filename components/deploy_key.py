"""A read-only (by default) SSH deploy key: pulumi-tls key, GitHub deploy key, and the Secret.

The private key exists only as a Pulumi secret output and in the Kubernetes Secret
(`identity`, `identity.pub`, `known_hosts`). `rotation` is a replacement trigger on all three
resources, so changing it replaces key, deploy key and Secret together.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
import pulumi_tls as tls

from components.flux_objects import GITHUB_KNOWN_HOSTS, MANAGED_BY
from components.kinds import GITHUB_DEPLOY_KEY, SECRET, KindResource

ALGORITHMS: dict[str, dict[str, Any]] = {"ecdsa-p384": {"algorithm": "ECDSA", "ecdsa_curve": "P384"},
              "ed25519": {"algorithm": "ED25519"}}


class DeployKeyArgs(TypedDict):
    repository: str
    """GitHub repository name (the owner comes from the github provider)."""
    title: str
    """Deploy key title; must be unique per cluster and path so clusters never clash."""
    namespace: str
    """Namespace of the credentials Secret."""
    secret_name: str
    """Name of the credentials Secret Flux's GitRepository references."""
    algorithm: str
    """`ecdsa-p384` (default of flux bootstrap) or `ed25519`."""
    rotation: str
    """Any string; changing it replaces key, deploy key and Secret."""
    read_only: bool
    """False only when image automation pushes to the repository."""


class DeployKey(pulumi.ComponentResource):
    """Outputs: `public_key` (OpenSSH), `secret_name`, `deploy_key_id`."""

    def __init__(self, name: str, args: DeployKeyArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:DeployKey", name, None, opts)
        if args["algorithm"] not in ALGORITHMS:
            raise ValueError(f"deploy key {name}: unknown algorithm {args['algorithm']!r}")
        child = pulumi.ResourceOptions(parent=self, replacement_trigger=args["rotation"])
        key = tls.PrivateKey(f"{name}-key", **ALGORITHMS[args["algorithm"]], opts=child)
        gh_key = KindResource(GITHUB_DEPLOY_KEY, f"{name}-github", {
            "repository": args["repository"], "title": args["title"],
            "key": key.public_key_openssh, "readOnly": args["read_only"]}, opts=child)
        secret = KindResource(SECRET, f"{name}-secret", {
            "metadata": {"name": args["secret_name"], "namespace": args["namespace"],
                         "labels": dict(MANAGED_BY)},
            "type": "Opaque",
            "stringData": {
                "identity": key.private_key_openssh,
                "identity.pub": key.public_key_openssh,
                "known_hosts": GITHUB_KNOWN_HOSTS,
            },
        }, opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[gh_key])))
        self.public_key = key.public_key_openssh
        self.secret_name = pulumi.Output.from_input(args["secret_name"])
        self.deploy_key_id = gh_key.id
        self.secret = secret
        self.register_outputs({"public_key": self.public_key, "secret_name": self.secret_name,
                               "deploy_key_id": self.deploy_key_id})
