"""The spec format as one table: every key, its kind, default, documentation and references.

The loader (validate.py, semantics.py), the JSON Schema (schema.py) and the reference table in
docs/spec.md (reference.py) are all read off this table, so none of them can drift from the
others. Defaults equal the dataclass defaults in model.py (a test holds them together).
"""

from __future__ import annotations

import dataclasses

from fluxform.spec.kinds import (
    AGE_RECIPIENT,
    ANNOTATION_KEY,
    ANNOTATION_VALUE,
    API_VERSION,
    BRANCH,
    CHART,
    CHART_VERSION,
    CONFIG_KEY,
    CONTEXT,
    DIGEST,
    DURATION,
    EVENT,
    EVENT_TARGET,
    EXACT_VERSION,
    FREE,
    GITHUB_OWNER,
    GITHUB_REPO,
    KIND_NAME,
    KNOWN_HOSTS,
    NAME,
    OCI_TAG,
    OIDC,
    PATCH_TEXT,
    QUANTITY,
    REL_PATH,
    RELEASE_NAME,
    RESOURCE,
    ROLE_NAME,
    ROTATION,
    RULE_ID,
    SELECTOR,
    SEMVER_RANGE,
    SOURCE_URL,
    SUBDOMAIN,
    TARGET_NAME,
    URL,
    VAR_NAME,
    VAR_VALUE,
    WEB_URL,
    Choice,
    Dict,
    Field,
    Flag,
    Implies,
    Json,
    Obj,
    OneOf,
    Seq,
    Text,
    When,
    Whole,
)

RESERVED_NAMESPACES = ("default", "flux-system", "kube-node-lease", "kube-public", "kube-system")
FLUX_KINDS = ("Bucket", "GitRepository", "HelmChart", "HelmRelease", "HelmRepository", "ImagePolicy",
              "ImageRepository", "ImageUpdateAutomation", "Kustomization", "OCIRepository")
PROVIDER_TYPES = (  # notification.toolkit.fluxcd.io/v1beta3 Provider .spec.type
    "alertmanager", "azuredevops", "azureeventhub", "bitbucket", "bitbucketserver", "datadog",
    "discord", "generic", "generic-hmac", "gitea", "giteapullrequestcomment", "github",
    "githubdispatch", "githubpullrequestcomment", "gitlab", "gitlabmergerequestcomment",
    "googlechat", "googlepubsub", "grafana", "incident.io", "lark", "matrix", "msteams", "nats",
    "opsgenie", "otel", "pagerduty", "rocket", "sentry", "slack", "telegram", "webex", "zoom", "zulip")
RECEIVER_TYPES = ("acr", "bitbucket", "cdevents", "dockerhub", "gcr", "generic", "generic-hmac",
                  "generic-oidc", "github", "gitlab", "harbor", "nexus", "quay")

ANNOTATIONS = Field(Dict(ANNOTATION_KEY, ANNOTATION_VALUE), "Extra annotations on the Flux object.",
                    default={})


def _names(noun: str) -> Seq:
    return Seq(NAME, unique=True, noun=noun)


DEPLOY_KEY = Obj({
    "algorithm": Field(Choice(("ecdsa-p384", "ed25519")),
                       "SSH key algorithm (ECDSA P-384, as `flux bootstrap` uses).", default="ecdsa-p384"),
    "rotation": Field(ROTATION, "Change it to replace the key, the GitHub deploy key and the Secret.",
                      default="1"),
})

OIDC_IDENTITY = Obj({
    "issuer": Field(OIDC, "Regular expression the OIDC issuer of the signature must match.", required=True),
    "subject": Field(OIDC, "Regular expression the OIDC subject of the signature must match.", required=True),
})

REGISTRY_PROVIDERS = ("generic", "aws", "azure", "gcp")
_FLEET_GIT_ONLY = ("owner", "repository", "branch", "deploy_key", "image_automation",
                   "image_automation_branch", "verify_signatures", "verify_secret")

ARTIFACT_VERIFY: dict[str, Field] = {
    "verify_signatures": Field(Flag(), "Verify the artifact's signature (spec.verify).", default=False),
    "verify_provider": Field(Choice(("cosign", "notation")), "Signature provider.", default="cosign"),
    "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys (omit it for keyless cosign)."),
    "verify_identities": Field(Seq(OIDC_IDENTITY), "Keyless cosign: the OIDC identities a signature may "
                               "come from.", default=[]),
}
"""The signature verification keys of an OCI artifact source (fleet.oci, a layer's source); checked
together by fluxform.spec.delivery.verify_options."""

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

OBJECT_REF = Obj({
    "kind": Field(Choice(FLUX_KINDS), "Kind of the Flux object.", required=True),
    "name": Field(EVENT_TARGET, "Object name, or '*' for every object of the kind.", required=True),
    "namespace": Field(NAME, "Namespace of the object (default: the referring object's)."),
})

HEALTH_CHECK = Obj({
    "api_version": Field(API_VERSION, "API version of the object (default: the preferred version)."),
    "kind": Field(KIND_NAME, "Kind of the object (e.g. Deployment, HelmRelease).", required=True),
    "name": Field(SUBDOMAIN, "Name of the object.", required=True),
    "namespace": Field(NAME, "Namespace of the object (default: the Kustomization's)."),
})

PATCH_TARGET = Obj({
    "group": Field(NAME, "API group of the objects patched (empty for the core group)."),
    "version": Field(NAME, "API version of the objects patched."),
    "kind": Field(KIND_NAME, "Kind of the objects patched."),
    "name": Field(TARGET_NAME, "Name (a regular expression) of the objects patched."),
    "namespace": Field(TARGET_NAME, "Namespace (a regular expression) of the objects patched."),
    "label_selector": Field(SELECTOR, "Label selector of the objects patched."),
    "annotation_selector": Field(SELECTOR, "Annotation selector of the objects patched."),
}, optional=True)

PATCH = Obj({
    "patch": Field(PATCH_TEXT, "The patch: a YAML mapping (strategic merge) or a YAML/JSON list of "
                   "JSON6902 operations (op, path, value); a JSON6902 patch needs a target.",
                   required=True),
    "target": Field(PATCH_TARGET, "The objects the patch applies to (default: the object the "
                    "strategic merge patch names)."),
})

DECRYPTION = Obj({
    "provider": Field(Choice(("sops",)), "Decryption engine.", default="sops"),
    "secret_ref": Field(SUBDOMAIN, "Secret with the decryption keys (default: the key fluxform "
                        "provisions from sops.age_key_config; none with sops.kms_annotations)."),
}, optional=True)

TENANT_DECRYPTION = Obj({
    "provider": Field(Choice(("sops",)), "Decryption engine.", default="sops"),
    "secret_ref": Field(SUBDOMAIN, "Secret with the tenant's decryption keys in its namespace "
                        "(default: sops-age, created from age_key_config)."),
    "age_key_config": Field(CONFIG_KEY, "Stack config key (fluxform namespace, set with --secret) of the "
                            "tenant's own age private key: fluxform creates the Secret in its namespace."),
}, optional=True)


def _kustomize_fields(noun: str) -> dict[str, Field]:
    """What layers and tenants both say about their Kustomization beyond its timing."""
    return {
        "health_checks": Field(Seq(HEALTH_CHECK), f"Objects whose health the {noun} waits for (needs "
                               "wait: false; with wait every applied object is checked).", default=[]),
        "patches": Field(Seq(PATCH), "Strategic merge or JSON6902 patches applied after the build.",
                         default=[]),
        "components": Field(Seq(REL_PATH, unique=True), "Kustomize components (paths relative to the "
                            "applied path).", default=[]),
        "cluster_vars": Field(Flag(), "Substitute ${VAR}s from the cluster-vars ConfigMap (postBuild."
                              "substituteFrom; see cluster_vars).", default=False),
        "substitute": Field(Dict(VAR_NAME, VAR_VALUE), "Literal ${VAR} substitutions (postBuild."
                            "substitute); never secrets.", default={}),
    }


LAYER_SOURCE = Obj({
    "url": Field(SOURCE_URL, "The artifact: oci://<registry>/<repository> (required)."),
    "tag": Field(OCI_TAG, "Artifact tag (one of tag, semver, digest)."),
    "semver": Field(SEMVER_RANGE, "Semver range of artifact tags."),
    "digest": Field(DIGEST, "Artifact digest."),
    "interval": Field(DURATION, "How often Flux fetches the artifact.", default="5m"),
    "timeout": Field(DURATION, "Timeout of each fetch.", default="60s"),
    "secret_ref": Field(SUBDOMAIN, "Registry credentials Secret in flux-system (managed outside fluxform)."),
    **ARTIFACT_VERIFY,
}, optional=True)

LAYER = Obj({
    "name": Field(NAME, "Layer name (the Kustomization's name in flux-system).", required=True),
    "path": Field(REL_PATH, "Directory of the fleet repository the layer applies.", required=True),
    "interval": Field(DURATION, "Reconcile interval.", default="10m"),
    "retry_interval": Field(DURATION, "Retry interval after a failure.", default="2m"),
    "timeout": Field(DURATION, "Timeout for apply and health checks.", default="5m"),
    "prune": Field(Flag(), "Delete objects removed from the repository.", default=True),
    "wait": Field(Flag(), "Wait for every applied object to become ready.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "depends_on": Field(_names("layer"), "Layers applied before this one.", default=[], ref=("layers",)),
    "annotations": ANNOTATIONS,
    "source": Field(LAYER_SOURCE, "An OCI artifact the layer applies instead of the fleet repository "
                    "(an OCIRepository named after the layer, in flux-system); `path` is then inside it."),
    "decryption": Field(DECRYPTION, "Decrypt SOPS-encrypted Secrets before applying them."),
    **_kustomize_fields("layer"),
})

def _chart_ref_fields() -> dict[str, Field]:
    """What a Helm repository says about serving its charts from OCIRepositories (chart_ref)."""
    return {
        "chart_ref": Field(Flag(), "Serve this registry's charts the current Flux way: an OCIRepository "
                           "per release (the Helm chart layer, operation copy) and the HelmRelease's "
                           "spec.chartRef, instead of a HelmRepository (needs an oci:// url).",
                           default=False),
        "provider": Field(Choice(REGISTRY_PROVIDERS), "Registry authentication of the chart "
                          "OCIRepositories (chart_ref): generic or the cloud's workload identity.",
                          default="generic"),
        "verify_signatures": Field(Flag(), "Verify each chart artifact's signature (chart_ref; "
                                   "spec.verify of its OCIRepository).", default=False),
        "verify_provider": Field(Choice(("cosign", "notation")), "Signature provider (chart_ref).",
                                 default="cosign"),
        "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys, beside the releases "
                               "(omit it for keyless cosign)."),
        "verify_identities": Field(Seq(OIDC_IDENTITY), "Keyless cosign: the OIDC identities a chart's "
                                   "signature may come from.", default=[]),
    }


_CHART_DIGEST = Field(DIGEST, "Chart artifact digest (a repository with chart_ref): pins the exact "
                      "artifact (spec.ref.digest; `version` stays the tag it was published as).")


REPOSITORY = Obj({
    "name": Field(NAME, "HelmRepository name (in flux-system).", required=True),
    "url": Field(URL, "Chart repository: oci://... (preferred) or https://...", required=True),
    "interval": Field(DURATION, "How often Flux fetches the repository index.", default="1h"),
    **_chart_ref_fields(),
})

RELEASE = Obj({
    "name": Field(RELEASE_NAME, "HelmRelease and Helm release name.", required=True),
    "namespace": Field(NAME, "Namespace the release installs into (targetNamespace; the HelmRelease "
                       "object itself lives in flux-system beside its repository).",
                       required=True),
    "repository": Field(NAME, "Name of a repository under helm.repositories.", required=True,
                        ref=("helm", "repositories")),
    "chart": Field(CHART, "Chart name in that repository.", required=True),
    "version": Field(CHART_VERSION, "Chart version; pin it exactly (policy FF005/FF006).", required=True),
    "digest": _CHART_DIGEST,
    "interval": Field(DURATION, "Reconcile interval.", default="10m"),
    "chart_interval": Field(DURATION, "How often the chart is fetched.", default="1h"),
    "timeout": Field(DURATION, "Timeout of each Helm action.", default="5m"),
    "retries": Field(Whole(0, 100), "Install and upgrade remediation retries.", default=3),
    "values": Field(Json(), "Helm values (any mapping; stored as canonical JSON).", default={}),
    "depends_on": Field(_names("release"), "Releases installed before this one.", default=[],
                        ref=("helm", "releases")),
    "create_namespace": Field(Flag(), "Create the namespace if it is missing.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
})

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
    "ingress_from_namespaces": Field(_names("namespace"), "Namespaces whose pods may connect in "
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

TENANT_REPOSITORY = Obj({
    "name": Field(NAME, "HelmRepository name (in the tenant's namespace).", required=True),
    "url": Field(URL, "Chart repository: oci://... (preferred) or https://...", required=True),
    "interval": Field(DURATION, "How often Flux fetches the repository index.", default="1h"),
    "secret_ref": Field(SUBDOMAIN, "A credentials Secret the tenant manages in its namespace."),
    **_chart_ref_fields(),
})

TENANT_RELEASE = Obj({
    "name": Field(RELEASE_NAME, "HelmRelease and Helm release name (in the tenant's namespace).",
                  required=True),
    "repository": Field(NAME, "Name of a repository under this tenant's helm.repositories.", required=True),
    "chart": Field(CHART, "Chart name in that repository.", required=True),
    "version": Field(CHART_VERSION, "Chart version; pin it exactly (policy FF005/FF006; an error in "
                     "production).", required=True),
    "digest": _CHART_DIGEST,
    "interval": Field(DURATION, "Reconcile interval.", default="10m"),
    "chart_interval": Field(DURATION, "How often the chart is fetched.", default="1h"),
    "timeout": Field(DURATION, "Timeout of each Helm action.", default="5m"),
    "retries": Field(Whole(0, 100), "Install and upgrade remediation retries.", default=3),
    "values": Field(Json(), "Helm values (any mapping; stored as canonical JSON).", default={}),
    "depends_on": Field(_names("release"), "This tenant's releases installed before this one.", default=[]),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
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
    "depends_on": Field(_names("layer"), "Platform layers the tenant's Kustomization waits for.", default=[],
                        ref=("layers",)),
    "prune": Field(Flag(), "Delete objects removed from the repository.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
    "decryption": Field(TENANT_DECRYPTION, "Decrypt SOPS-encrypted Secrets with the tenant's own key "
                        "(a Secret in its namespace: no cross-namespace reference under lockdown)."),
    **_kustomize_fields("tenant"),
})

SYNC = Obj({
    "interval": Field(DURATION, "Reconcile interval of the root Kustomization.", default="10m"),
    "retry_interval": Field(DURATION, "Retry interval after a failure.", default="2m"),
    "timeout": Field(DURATION, "Timeout for apply and health checks.", default="5m"),
    "wait": Field(Flag(), "Wait for every applied object to become ready.", default=True),
})

TIERS = ("production", "staging", "dev")

PROVIDER = Obj({
    "name": Field(NAME, "Provider name (in flux-system).", required=True),
    "type": Field(Choice(PROVIDER_TYPES), "Flux provider type.", required=True),
    "channel": Field(FREE, "Channel (Slack, Teams...)."),
    "address": Field(WEB_URL, "Non-secret address, e.g. an API URL."),
    "secret_config": Field(CONFIG_KEY, "Stack config key (fluxform namespace) of the secret address."),
}, one_of=(OneOf(("address", "secret_config"), "a secret address belongs in the stack config (secret_config)",
                 required=False),))

ALERT = Obj({
    "name": Field(NAME, "Alert name (in flux-system).", required=True),
    "provider": Field(NAME, "Name of a provider under notifications.providers.", required=True,
                      ref=("notifications", "providers")),
    "severity": Field(Choice(("info", "error")), "Lowest severity sent.", default="info"),
    "sources": Field(Seq(OBJECT_REF), "Objects whose events are sent.", default=[]),
    "summary": Field(FREE, "Summary added to every message."),
})

RECEIVER = Obj({
    "name": Field(NAME, "Receiver name (in flux-system).", required=True),
    "type": Field(Choice(RECEIVER_TYPES), "Webhook sender type.", required=True),
    "events": Field(Seq(EVENT, unique=True), "Events that trigger a reconcile (e.g. push).", default=[]),
    "resources": Field(Seq(OBJECT_REF), "Objects reconciled on a webhook.", default=[]),
})

CLUSTER_VARS = Obj({
    "region": Field(VAR_VALUE, "CLUSTER_REGION."),
    "domain": Field(VAR_VALUE, "CLUSTER_DOMAIN."),
    "ingress_class": Field(VAR_VALUE, "INGRESS_CLASS."),
    "values": Field(Dict(VAR_NAME, VAR_VALUE), "More variables: name -> literal value (never a secret).",
                    default={}),
    "from_config": Field(Dict(VAR_NAME, CONFIG_KEY), "More variables: name -> stack config key (fluxform "
                         "namespace) whose plain value the program reads; a secret config value is refused.",
                         default={}),
}, optional=True)

SOPS = Obj({
    "age_recipients": Field(Seq(AGE_RECIPIENT, unique=True), "Public age keys files under the cluster path "
                            "are encrypted for (written to .sops.yaml by render).", default=[]),
    "age_key_config": Field(CONFIG_KEY, "Stack config key (fluxform namespace, set with --secret) of the age "
                            "private key: fluxform provisions it as the Secret sops-age in flux-system."),
    "kms_annotations": Field(Dict(ANNOTATION_KEY, ANNOTATION_VALUE), "Cloud KMS instead of an age key: "
                             "annotations for kustomize-controller's ServiceAccount (workload identity); "
                             "no Secret is created."),
}, one_of=(OneOf(("age_key_config", "kms_annotations"), "one decryption identity per cluster",
                 required=False),), optional=True)

# Free text that goes into one header line (a commit author): as FREE, without the newline
# and tab multi-line text may hold (a newline there would start another header).
ONE_LINE = Text("text", "", 1024, "any text", echo=False)
IMAGE_NAME = Text("an image name", "^[a-z0-9]+([._/:-][a-z0-9]+)*$", 255, "ghcr.io/acme/web",
                  "registry/repository without a tag, e.g. ghcr.io/acme/web")
ORDER = Choice(("asc", "desc"))

IMAGE_REPOSITORY = Obj({
    "name": Field(NAME, "ImageRepository name (in flux-system).", required=True),
    "image": Field(IMAGE_NAME, "The image whose tags are scanned (no tag).", required=True),
    "interval": Field(DURATION, "How often the registry is scanned.", default="5m"),
    "provider": Field(Choice(("generic", "aws", "azure", "gcp")), "Registry authentication: generic "
                      "(secret_ref or anonymous) or the cloud's workload identity.", default="generic"),
    "secret_ref": Field(SUBDOMAIN, "Registry credentials Secret in flux-system (managed outside fluxform)."),
})

IMAGE_POLICY = Obj({
    "name": Field(NAME, "ImagePolicy name (in flux-system; the name setters refer to).", required=True),
    "repository": Field(NAME, "Name of an image_automation.repositories entry.", required=True,
                        ref=("image_automation", "repositories")),
    "semver": Field(SEMVER_RANGE, "Pick the highest tag in this semver range."),
    "alphabetical": Field(ORDER, "Pick the last tag in alphabetical order (asc) or the first (desc)."),
    "numerical": Field(ORDER, "Pick the highest number (asc) or the lowest (desc)."),
    "filter_pattern": Field(OIDC, "Regular expression tags must match (filterTags.pattern)."),
    "filter_extract": Field(VAR_VALUE, "What of the match is ordered, e.g. $ts (filterTags.extract; needs "
                            "filter_pattern)."),
}, implies=(Implies("filter_extract", "filter_pattern", "extract from a pattern's named group"),))

IMAGE_UPDATE = Obj({
    "interval": Field(DURATION, "How often the automation runs.", default="30m"),
    "path": Field(REL_PATH, "Directory of the fleet repository whose setters are updated (default: "
                  "fleet.path)."),
    "strategy": Field(Choice(("Setters",)), "Update strategy (setter markers in the manifests).",
                      default="Setters"),
    "author_name": Field(ONE_LINE, "Commit author name.", default="fluxcdbot"),
    "author_email": Field(ONE_LINE, "Commit author e-mail.", default="fluxcdbot@users.noreply.github.com"),
    "message_template": Field(FREE, "Commit message template."),
    "signing_key_secret": Field(SUBDOMAIN, "Secret (in flux-system, managed outside fluxform) with the "
                                "key commits are signed with."),
    "signing_key_type": Field(Choice(("gpg", "ssh")), "Kind of that signing key.", default="gpg"),
})

IMAGE_AUTOMATION = Obj({
    "repositories": Field(Seq(IMAGE_REPOSITORY, key="name", noun="image repository"),
                          "Images whose tags are scanned (ImageRepository).", default=[]),
    "policies": Field(Seq(IMAGE_POLICY, key="name", noun="image policy"),
                      "How the latest tag is picked (ImagePolicy): one of semver, alphabetical, numerical.",
                      default=[]),
    "update": Field(IMAGE_UPDATE, "The ImageUpdateAutomation flux-system: checks out fleet.branch, commits "
                    "and pushes to fleet.image_automation_branch."),
}, optional=True)

SPEC = Obj({
    "version": Field(Whole(1, 1, "this fluxform reads spec format version 1"), "Format version; always 1.",
                     required=True),
    "cluster": Field(Obj({
        "name": Field(NAME, "Cluster name: names the Kubernetes provider and every deploy-key title.",
                      required=True),
        "environment": Field(NAME, "Environment name (free; labels the stack). Without `tier`, "
                             "prod/production, staging/stage and dev/development name their tier.",
                             required=True),
        "tier": Field(Choice(TIERS), "The production switch: production turns on the production policy "
                      "rules (default: read from environment, else dev)."),
        "context": Field(CONTEXT, "kubeconfig context of the cluster (must equal the stack's)."),
        "kubeconfig": Field(REL_PATH, "kubeconfig file of the cluster, relative to the project root."),
    }, one_of=(OneOf(("context", "kubeconfig"), "a stack reaches exactly one cluster"),)),
        "The cluster and how Pulumi reaches it.", required=True),
    "flux": Field(Obj({
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
    }), "The Flux install.", required=True),
    "fleet": Field(SOURCE, "The fleet repository the root Kustomization syncs.", required=True),
    "sync": Field(SYNC, "Timing of the root Kustomization (flux-system)."),
    "layers": Field(Seq(LAYER, key="name", noun="layer"), "Platform layers (Kustomizations in flux-system).",
                    default=[]),
    "helm": Field(Obj({
        "repositories": Field(Seq(REPOSITORY, key="name", noun="repository"), "HelmRepositories.",
                              default=[]),
        "releases": Field(Seq(RELEASE, key="name", noun="release"), "HelmReleases.", default=[]),
    }), "Helm repositories and releases."),
    "tenants": Field(Seq(TENANT, key="name", noun="tenant"), "Tenants.", default=[]),
    "cluster_vars": Field(CLUSTER_VARS, "Values infrastructure knows that manifests need: the ConfigMap "
                          "cluster-vars in flux-system (and a copy in each tenant namespace) that layers "
                          "and tenants with `cluster_vars: true` substitute from."),
    "sops": Field(SOPS, "The cluster's SOPS decryption key for layers with `decryption`."),
    "image_automation": Field(IMAGE_AUTOMATION, "Image automation objects (needs flux.image_automation and "
                              "fleet.image_automation)."),
    "notifications": Field(Obj({
        "providers": Field(Seq(PROVIDER, key="name", noun="provider"), "Notification providers.", default=[]),
        "alerts": Field(Seq(ALERT, key="name", noun="alert"), "Alerts.", default=[]),
        "receivers": Field(Seq(RECEIVER, key="name", noun="receiver"), "Webhook receivers.", default=[]),
    }), "Flux notifications."),
    "policy": Field(Obj({
        "severities": Field(Dict(RULE_ID, Choice(("error", "warning", "off"), aliases=((False, "off"),))),
                            "Per-stack severity of each policy rule.", default={}),
    }), "Policy settings."),
})
