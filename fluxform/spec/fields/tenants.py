"""Tenants: the namespace each owns, where its manifests come from (its source), its
quota, network policy, limit range, decryption key and Kustomization."""

from __future__ import annotations

import dataclasses

from fluxform.spec.fields.common import ANNOTATIONS, DEPLOY_KEY, OIDC_IDENTITY, names
from fluxform.spec.fields.helm import TENANT_RELEASE, TENANT_REPOSITORY
from fluxform.spec.fields.layers import kustomize_fields
from fluxform.spec.kinds import (
    BRANCH,
    CONFIG_KEY,
    DIGEST,
    DURATION,
    GITHUB_OWNER,
    GITHUB_REPO,
    KNOWN_HOSTS,
    NAME,
    OCI_TAG,
    QUANTITY,
    REL_PATH,
    RESOURCE,
    ROLE_NAME,
    SEMVER_RANGE,
    SOURCE_URL,
    SUBDOMAIN,
    Choice,
    Dict,
    Field,
    Flag,
    Implies,
    Obj,
    Seq,
    When,
)

RESERVED_NAMESPACES = ("default", "flux-system", "kube-node-lease", "kube-public", "kube-system")

TENANT_DECRYPTION = Obj({
    "provider": Field(Choice(("sops",)), "Decryption engine.", default="sops"),
    "secret_ref": Field(SUBDOMAIN, "Secret with the tenant's decryption keys in its namespace "
                        "(default: sops-age, created from age_key_config)."),
    "age_key_config": Field(CONFIG_KEY, "Stack config key (fluxform namespace, set with --secret) of the "
                            "tenant's own age private key: fluxform creates the Secret in its namespace."),
}, optional=True)

SOURCE_TYPES = ("github", "git", "oci")
_GITHUB_ONLY = ("owner", "repository")
_GIT_ONLY = ("branch", "image_automation", "image_automation_branch")
_SSH_ONLY = ("deploy_key", "known_hosts")
_OCI_ONLY = ("tag", "semver", "digest", "verify_provider", "verify_identities")

TENANT_SOURCE = Obj({
    "type": Field(Choice(SOURCE_TYPES), "github: a GitHub repository over SSH with a generated read-only "
                  "deploy key; git: any Git URL (https:// public or ssh:// with known_hosts); oci: an "
                  "OCIRepository.", default="github"),
    "owner": Field(GITHUB_OWNER, "GitHub owner (type github; must be the stack's fluxform:githubOwner)."),
    "repository": Field(GITHUB_REPO, "GitHub repository name (type github)."),
    "url": Field(SOURCE_URL, "Repository URL (type git: https:// or ssh://; type oci: oci://)."),
    "branch": Field(BRANCH, "Branch Flux syncs (github, git).", default="main"),
    "tag": Field(OCI_TAG, "Artifact tag (type oci; one of tag, semver, digest)."),
    "semver": Field(SEMVER_RANGE, "Semver range of artifact tags (type oci)."),
    "digest": Field(DIGEST, "Artifact digest (type oci)."),
    "path": Field(REL_PATH, "Directory inside the repository or artifact that Flux applies.", default="./"),
    "interval": Field(DURATION, "How often Flux fetches the source.", default="5m"),
    "timeout": Field(DURATION, "Timeout of each fetch (the source's spec.timeout).", default="60s"),
    "secret_ref": Field(SUBDOMAIN, "A credentials Secret the tenant manages itself in its namespace: "
                        "fluxform then generates no key and creates no Secret."),
    "known_hosts": Field(KNOWN_HOSTS, "SSH host keys of the Git host (type git over ssh://, without "
                         "secret_ref): pinned in the generated credentials Secret."),
    "deploy_key": Field(DEPLOY_KEY, "The generated SSH key (type github, or git over ssh://)."),
    "image_automation": Field(Flag(), "Image automation pushes here (the deploy key is then read-write).",
                              default=False),
    "image_automation_branch": Field(BRANCH, "Branch image automation pushes to (needs image_automation)."),
    "verify_signatures": Field(Flag(), "Verify signatures: commits (git, mode HEAD) or the artifact (oci).",
                               default=False),
    "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys (git: PGP keys; oci: cosign "
                           "public keys, omit it for keyless verification)."),
    "verify_provider": Field(Choice(("cosign", "notation")), "Signature provider (type oci).",
                             default="cosign"),
    "verify_identities": Field(Seq(OIDC_IDENTITY), "Keyless cosign: the OIDC identities a signature may "
                               "come from (type oci).", default=[]),
}, implies=(
    Implies("image_automation_branch", "image_automation", "enable image_automation or remove the branch"),
), when=(
    When("type", ("github",), required=_GITHUB_ONLY, forbidden=("url", *_OCI_ONLY),
         hint="a github source names owner and repository; use type git for a URL"),
    When("type", ("git",), required=("url",), forbidden=(*_GITHUB_ONLY, *_OCI_ONLY),
         hint="a git source is given by its url"),
    When("type", ("oci",), required=("url",),
         forbidden=(*_GITHUB_ONLY, *_GIT_ONLY, *_SSH_ONLY),
         hint="an oci source is given by its oci:// url and one of tag, semver or digest"),
))

NETWORK_POLICY = Obj({
    "enabled": Field(Flag(), "Create the tenant's default-deny NetworkPolicy.", default=True),
    "allow_same_namespace": Field(Flag(), "Allow traffic between pods of the tenant's namespace.",
                                  default=True),
    "ingress_from_namespaces": Field(names("namespace"), "Namespaces whose pods may connect in "
                                     "(e.g. the ingress controller's).", default=[]),
    "egress": Field(Choice(("namespace", "all")), "namespace: egress only inside the namespace and to "
                    "cluster DNS; all: egress unrestricted.", default="namespace"),
})

LIMIT_RANGE = Obj({
    "default_request": Field(Dict(RESOURCE, QUANTITY), "Container default requests (LimitRange "
                             "defaultRequest).", default={"cpu": "100m", "memory": "128Mi"}),
    "default": Field(Dict(RESOURCE, QUANTITY), "Container default limits (LimitRange default).",
                     default={"cpu": "500m", "memory": "512Mi"}),
})

TENANT = Obj({
    "name": Field(dataclasses.replace(NAME, reserved=RESERVED_NAMESPACES,
                                      reserved_hint="a tenant owns its namespace; pick a name of its own"),
                  "Tenant name (the toolkit.fluxcd.io/tenant label, its Flux objects' names, the "
                  "deploy-key title).", required=True),
    "namespace": Field(dataclasses.replace(NAME, reserved=RESERVED_NAMESPACES,
                                           reserved_hint="a tenant owns its namespace; pick one of its own"),
                       "The tenant's namespace (default: the tenant's name)."),
    "service_account": Field(NAME, "Name of the reconciler ServiceAccount the tenant's Flux objects run as.",
                             default="flux-reconciler"),
    "source": Field(TENANT_SOURCE, "The tenant's own repository or artifact.", required=True),
    "cluster_role": Field(dataclasses.replace(ROLE_NAME, reserved=("cluster-admin",),
                                              reserved_hint="bind admin or edit; the binding is namespaced"),
                          "ClusterRole bound (by a RoleBinding) in the tenant's namespace.", default="admin"),
    "quota": Field(Dict(RESOURCE, QUANTITY), "ResourceQuota spec.hard: resource -> quantity."),
    "interval": Field(DURATION, "Reconcile interval of the tenant's Kustomization.", default="5m"),
    "retry_interval": Field(DURATION, "Retry interval of the tenant's Kustomization after a failure.",
                            default="1m"),
    "timeout": Field(DURATION, "Timeout for apply and health checks of the tenant's Kustomization.",
                     default="3m"),
    "wait": Field(Flag(), "Wait for every applied object to become ready.", default=True),
    "pod_security": Field(Choice(("restricted", "baseline", "privileged")), "Pod Security Standard "
                          "enforced on the namespace (below restricted: a policy warning, FF020).",
                          default="restricted"),
    "network_policy": Field(NETWORK_POLICY, "The namespace's default-deny NetworkPolicy."),
    "limit_range": Field(LIMIT_RANGE, "Container defaults (a LimitRange, created whenever the quota "
                         "constrains requests or limits)."),
    "helm": Field(Obj({
        "repositories": Field(Seq(TENANT_REPOSITORY, key="name", noun="repository"),
                              "The tenant's HelmRepositories (in its namespace).", default=[]),
        "releases": Field(Seq(TENANT_RELEASE, key="name", noun="release"),
                          "The tenant's HelmReleases (in its namespace, run as its service account).",
                          default=[]),
    }), "The tenant's own Helm repositories and releases."),
    "depends_on": Field(names("layer"), "Platform layers the tenant's Kustomization waits for.", default=[],
                        ref=("layers",)),
    "prune": Field(Flag(), "Delete objects removed from the repository.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
    "decryption": Field(TENANT_DECRYPTION, "Decrypt SOPS-encrypted Secrets with the tenant's own key "
                        "(a Secret in its namespace: no cross-namespace reference under lockdown)."),
    **kustomize_fields("tenant"),
})
