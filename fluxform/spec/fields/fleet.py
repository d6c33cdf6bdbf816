"""The cluster, the Flux install, the fleet source and the root sync: what every stack
states before anything is delivered."""

from __future__ import annotations

from fluxform.spec.fields.common import ARTIFACT_VERIFY, DEPLOY_KEY, REGISTRY_PROVIDERS
from fluxform.spec.kinds import (
    BRANCH,
    CONTEXT,
    DIGEST,
    DURATION,
    EXACT_VERSION,
    GITHUB_OWNER,
    GITHUB_REPO,
    NAME,
    OCI_TAG,
    REL_PATH,
    SEMVER_RANGE,
    SOURCE_URL,
    SUBDOMAIN,
    URL,
    Choice,
    Field,
    Flag,
    Implies,
    Obj,
    OneOf,
    When,
)

TIERS = ("production", "staging", "dev")

CLUSTER = Obj({
    "name": Field(NAME, "Cluster name: names the Kubernetes provider and every deploy-key title.",
                  required=True),
    "environment": Field(NAME, "Environment name (free; labels the stack). Without `tier`, "
                         "prod/production, staging/stage and dev/development name their tier.",
                         required=True),
    "tier": Field(Choice(TIERS), "The production switch: production turns on the production policy "
                  "rules (default: read from environment, else dev)."),
    "context": Field(CONTEXT, "kubeconfig context of the cluster (must equal the stack's)."),
    "kubeconfig": Field(REL_PATH, "kubeconfig file of the cluster, relative to the project root."),
}, one_of=(OneOf(("context", "kubeconfig"), "a stack reaches exactly one cluster"),))

FLUX = Obj({
    "chart_version": Field(EXACT_VERSION, "Exact version of the fluxcd-community flux2 chart.",
                           required=True),
    "chart_repository": Field(URL, "Helm repository of the flux2 chart.",
                              default="https://fluxcd-community.github.io/helm-charts"),
    "image_automation": Field(Flag(), "Install the image automation controllers.", default=False),
    "network_policy": Field(Flag(), "Install Flux's network policies.", default=True),
    "multitenant_lockdown": Field(Flag(), "Controller flags that lock tenants into their namespaces.",
                                  default=True),
    "delivery": Field(Choice(("pulumi", "git")), "Who applies the non-bootstrap Flux objects.",
                      default="pulumi"),
})

_FLEET_GIT_ONLY = ("owner", "repository", "branch", "deploy_key", "image_automation",
                   "image_automation_branch", "verify_signatures", "verify_secret")

FLEET_OCI = Obj({
    "url": Field(SOURCE_URL, "The artifact: oci://<registry>/<repository> (required)."),
    "tag": Field(OCI_TAG, "Artifact tag (one of tag, semver, digest)."),
    "semver": Field(SEMVER_RANGE, "Semver range of artifact tags."),
    "digest": Field(DIGEST, "Artifact digest."),
    "provider": Field(Choice(REGISTRY_PROVIDERS), "Registry authentication: generic (secret_ref or "
                      "anonymous) or the cloud's workload identity (aws, azure, gcp).", default="generic"),
    "secret_ref": Field(SUBDOMAIN, "Registry pull Secret in flux-system, managed outside fluxform "
                        "(provider generic)."),
    **ARTIFACT_VERIFY,
}, optional=True)

SOURCE = Obj({
    "type": Field(Choice(("github", "oci")), "github: the GitHub repository over SSH with a generated "
                  "read-only deploy key; oci: an OCIRepository (manifests pushed to a registry; no deploy "
                  "key, no Git credentials).", default="github"),
    "owner": Field(GITHUB_OWNER, "GitHub organisation or user that owns the repository (type github: "
                   "required)."),
    "repository": Field(GITHUB_REPO, "GitHub repository name (type github: required)."),
    "oci": Field(FLEET_OCI, "The OCI artifact the fleet syncs (type oci: required): the OCIRepository "
                 "flux-system."),
    "branch": Field(BRANCH, "Branch Flux syncs.", default="main"),
    "path": Field(REL_PATH, "Directory inside the repository (or artifact) that Flux applies.", default="./"),
    "interval": Field(DURATION, "How often Flux fetches the repository.", default="5m"),
    "timeout": Field(DURATION, "Timeout of each fetch (the source's spec.timeout).", default="60s"),
    "deploy_key": Field(DEPLOY_KEY, "The repository's SSH deploy key."),
    "image_automation": Field(Flag(), "Image automation pushes here (the deploy key is then read-write).",
                              default=False),
    "image_automation_branch": Field(BRANCH, "Branch image automation pushes to (needs image_automation)."),
    "verify_signatures": Field(Flag(), "Verify commit signatures (spec.verify, mode HEAD).", default=False),
    "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys (for verify_signatures)."),
}, implies=(
    Implies("verify_signatures", "verify_secret", "name the Secret that holds the trusted public keys"),
    Implies("image_automation_branch", "image_automation", "enable image_automation or remove the branch"),
), when=(
    When("type", ("github",), required=("owner", "repository"), forbidden=("oci",),
         hint="a github fleet names owner and repository; use type oci for an artifact"),
    When("type", ("oci",), required=("oci",), forbidden=_FLEET_GIT_ONLY,
         hint="an oci fleet is given by oci: (url, one of tag/semver/digest, verify_*); it has no "
              "deploy key, and image automation needs a Git repository to push to"),
))

SYNC = Obj({
    "interval": Field(DURATION, "Reconcile interval of the root Kustomization.", default="10m"),
    "retry_interval": Field(DURATION, "Retry interval after a failure.", default="2m"),
    "timeout": Field(DURATION, "Timeout for apply and health checks.", default="5m"),
    "wait": Field(Flag(), "Wait for every applied object to become ready.", default=True),
})
