"""A read-only (by default) SSH deploy key: pulumi-tls key, GitHub deploy key, and the Secret.

The private key exists only as a Pulumi secret output and in the Kubernetes Secret
(`identity`, `identity.pub`, `known_hosts`).

Rotation (docs/rotation.md). Each *generation* of the key pair is its own tls PrivateKey and
GitHub deploy key, named after the generation (`<name>-key-<generation>`,
`<name>-github-<generation>`). The generation is derived from everything that would otherwise
replace the deploy key in place: `rotation`, `algorithm`, `read_only`, the repository and the
title. A new generation is therefore never a replacement but a create of the new pair plus
a delete of the old one, and `pulumi up` deletes resources its program no longer declares
only after every create and update has finished (pulumi/pulumi
pkg/resource/deploy/deployment_executor.go, performPostSteps after the last registration).
That keeps two things out of the way:

- pulumi-github replaces a deploy key delete-before-replace (its `key`, `title`, `readOnly`
  and `repository` are ForceNew), which would remove the old key from GitHub while the Secret
  still holds it;
- a replacement the engine decides from a changed replacement trigger skips the provider's
  Diff and is create-before-delete (pkg/resource/deploy/step_generator.go,
  generateStepsFromDiff), which for a same-named Kubernetes object fails with AlreadyExists
  (pulumi-kubernetes provider/pkg/await/await.go, Creation, since v4.29.0).

The credentials Secret keeps its Pulumi name and its Kubernetes name for ever and has no
replacement trigger: the new generation's key reaches it as changed `stringData`, which
pulumi-kubernetes applies in place when the provider sets `enableSecretMutable`, and
otherwise replaces delete-before-replace (provider/pkg/provider/provider.go, Diff: a named
object replaced under the same name; diff.go, forceNewProperties). The option
`deleteBeforeReplace` is set explicitly as well, so that no path (a `--replace`, a future
trigger) can ever create a second object of that name before deleting the first. The
Secret depends on the new deploy key, so GitHub accepts the new key before Flux reads it;
its previous state depended on the old deploy key, so if the switch fails the engine skips
deleting the old key (deployment_executor.go, performPostSteps: deletes depending on an
errored step are dropped).

Existing stacks: the generation's resources carry an alias to the names used before
generations existed (`<name>-key`, `<name>-github`), so a stack deployed with those names
plans as no change after upgrading.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypedDict

import pulumi
import pulumi_tls as tls

from components.flux_objects import GITHUB_KNOWN_HOSTS, MANAGED_BY
from components.kinds import GITHUB_DEPLOY_KEY, SECRET, KindResource

ALGORITHMS: dict[str, dict[str, Any]] = {"ecdsa-p384": {"algorithm": "ECDSA", "ecdsa_curve": "P384"},
              "ed25519": {"algorithm": "ED25519"}}
_READABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def generation(*, rotation: str, algorithm: str, read_only: bool, repository: str,
               title: str) -> str:
    """The generation id of a key pair: the rotation marker (when it is short and plain
    enough to be read in a resource name, `r` otherwise) and 8 hex of a digest of every input
    that would otherwise replace the GitHub deploy key. None of them is secret."""
    readable = rotation if _READABLE.fullmatch(rotation) else "r"
    identity = "\0".join([rotation, algorithm, "ro" if read_only else "rw", repository, title])
    digest = hashlib.sha256(b"fluxform-deploy-key-generation-v1\0" + identity.encode()).hexdigest()
    return f"{readable}-{digest[:8]}"


class DeployKeyArgs(TypedDict):
    repository: str
    """GitHub repository name (the owner comes from the github provider)."""
    title: str
    """Deploy key title; must be unique per cluster and path so clusters never clash."""
    namespace: str
    """Namespace of the credentials Secret."""
    secret_name: str
    """Name of the credentials Secret Flux's GitRepository references (never changes)."""
    algorithm: str
    """`ecdsa-p384` (default of flux bootstrap) or `ed25519`."""
    rotation: str
    """Any string; changing it starts a new key generation (new key and deploy key, the
    Secret updated to it, the old deploy key deleted last)."""
    read_only: bool
    """False only when image automation pushes to the repository."""


class DeployKey(pulumi.ComponentResource):
    """Outputs: `public_key` (OpenSSH), `secret_name`, `deploy_key_id`.

    Attributes: `generation` (the id in the key resources' names), `secret` (the credentials
    Secret, for dependents), `github_key` (the current generation's deploy key).
    """

    def __init__(self, name: str, args: DeployKeyArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:DeployKey", name, None, opts)
        if args["algorithm"] not in ALGORITHMS:
            raise ValueError(f"deploy key {name}: unknown algorithm {args['algorithm']!r}")
        self.generation = generation(
            rotation=args["rotation"], algorithm=args["algorithm"], read_only=args["read_only"],
            repository=args["repository"], title=args["title"])

        def generation_opts(legacy: str) -> pulumi.ResourceOptions:
            # The trigger is the rotation marker, as it was before generations existed: an
            # upgraded stack sees the same value, and a stack that upgrades and rotates in one
            # `pulumi up` (the alias then maps the old pair onto the new generation) gets a
            # create-before-delete replacement, which is safe for a new, different key.
            return pulumi.ResourceOptions(parent=self, replacement_trigger=args["rotation"],
                                          aliases=[pulumi.Alias(name=legacy)])

        key = tls.PrivateKey(f"{name}-key-{self.generation}", **ALGORITHMS[args["algorithm"]],
                             opts=generation_opts(f"{name}-key"))
        gh_key = KindResource(GITHUB_DEPLOY_KEY, f"{name}-github-{self.generation}", {
            "repository": args["repository"], "title": args["title"],
            "key": key.public_key_openssh, "readOnly": args["read_only"]},
            opts=generation_opts(f"{name}-github"))
        secret = KindResource(SECRET, f"{name}-secret", {
            "metadata": {"name": args["secret_name"], "namespace": args["namespace"],
                         "labels": dict(MANAGED_BY)},
            "type": "Opaque",
            "stringData": {
                "identity": key.private_key_openssh,
                "identity.pub": key.public_key_openssh,
                "known_hosts": GITHUB_KNOWN_HOSTS,
            },
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=[gh_key],
                                       delete_before_replace=True))
        self.public_key = key.public_key_openssh
        self.secret_name = pulumi.Output.from_input(args["secret_name"])
        self.deploy_key_id = gh_key.id
        self.secret = secret
        self.github_key = gh_key
        self.register_outputs({"public_key": self.public_key, "secret_name": self.secret_name,
                               "deploy_key_id": self.deploy_key_id})
