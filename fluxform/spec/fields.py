"""The spec format as one table: every key, its kind, default, documentation and references.

The loader (validate.py, semantics.py), the JSON Schema (schema.py) and the reference table in
docs/spec.md (reference.py) are all read off this table, so none of them can drift from the
others. Defaults equal the dataclass defaults in model.py (a test holds them together).
"""

from __future__ import annotations

import dataclasses

from fluxform.spec.kinds import (
    ANNOTATION_KEY,
    ANNOTATION_VALUE,
    BRANCH,
    CHART,
    CHART_VERSION,
    CONFIG_KEY,
    CONTEXT,
    DURATION,
    EVENT,
    EVENT_TARGET,
    EXACT_VERSION,
    FREE,
    GITHUB_OWNER,
    GITHUB_REPO,
    NAME,
    QUANTITY,
    REL_PATH,
    RELEASE_NAME,
    RESOURCE,
    ROLE_NAME,
    ROTATION,
    RULE_ID,
    SUBDOMAIN,
    URL,
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

SOURCE = Obj({
    "owner": Field(GITHUB_OWNER, "GitHub organisation or user that owns the repository.", required=True),
    "repository": Field(GITHUB_REPO, "GitHub repository name.", required=True),
    "branch": Field(BRANCH, "Branch Flux syncs.", default="main"),
    "path": Field(REL_PATH, "Directory inside the repository that Flux applies.", default="./"),
    "interval": Field(DURATION, "How often Flux fetches the repository.", default="5m"),
    "deploy_key": Field(DEPLOY_KEY, "The repository's SSH deploy key."),
    "image_automation": Field(Flag(), "Image automation pushes here (the deploy key is then read-write).",
                              default=False),
    "image_automation_branch": Field(BRANCH, "Branch image automation pushes to (needs image_automation)."),
    "verify_signatures": Field(Flag(), "Verify commit signatures (spec.verify, mode HEAD).", default=False),
    "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys (for verify_signatures)."),
}, implies=(
    Implies("verify_signatures", "verify_secret", "name the Secret that holds the trusted public keys"),
    Implies("image_automation_branch", "image_automation", "enable image_automation or remove the branch"),
))

OBJECT_REF = Obj({
    "kind": Field(Choice(FLUX_KINDS), "Kind of the Flux object.", required=True),
    "name": Field(EVENT_TARGET, "Object name, or '*' for every object of the kind.", required=True),
    "namespace": Field(NAME, "Namespace of the object (default: the referring object's)."),
})

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
})

REPOSITORY = Obj({
    "name": Field(NAME, "HelmRepository name (in flux-system).", required=True),
    "url": Field(URL, "Chart repository: oci://... (preferred) or https://...", required=True),
    "interval": Field(DURATION, "How often Flux fetches the repository index.", default="1h"),
})

RELEASE = Obj({
    "name": Field(RELEASE_NAME, "HelmRelease and Helm release name.", required=True),
    "namespace": Field(NAME, "Namespace the release installs into (and its HelmRelease lives in).",
                       required=True),
    "repository": Field(NAME, "Name of a repository under helm.repositories.", required=True,
                        ref=("helm", "repositories")),
    "chart": Field(CHART, "Chart name in that repository.", required=True),
    "version": Field(CHART_VERSION, "Chart version; pin it exactly (policy FF005/FF006).", required=True),
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

TENANT = Obj({
    "name": Field(dataclasses.replace(NAME, reserved=RESERVED_NAMESPACES,
                                      reserved_hint="a tenant owns its namespace; pick a name of its own"),
                  "Tenant name; also its namespace.", required=True),
    "source": Field(SOURCE, "The tenant's own repository.", required=True),
    "cluster_role": Field(dataclasses.replace(ROLE_NAME, reserved=("cluster-admin",),
                                              reserved_hint="bind admin or edit; the binding is namespaced"),
                          "ClusterRole bound (by a RoleBinding) in the tenant's namespace.", default="admin"),
    "quota": Field(Dict(RESOURCE, QUANTITY), "ResourceQuota spec.hard: resource -> quantity."),
    "depends_on": Field(_names("layer"), "Platform layers the tenant's Kustomization waits for.", default=[],
                        ref=("layers",)),
    "prune": Field(Flag(), "Delete objects removed from the repository.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "annotations": ANNOTATIONS,
})

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

SPEC = Obj({
    "version": Field(Whole(1, 1, "this fluxform reads spec format version 1"), "Format version; always 1.",
                     required=True),
    "cluster": Field(Obj({
        "name": Field(NAME, "Cluster name: names the Kubernetes provider and every deploy-key title.",
                      required=True),
        "environment": Field(NAME, "Environment (dev, prod...); prod enables the production policy rules.",
                             required=True),
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
    "layers": Field(Seq(LAYER, key="name", noun="layer"), "Platform layers (Kustomizations in flux-system).",
                    default=[]),
    "helm": Field(Obj({
        "repositories": Field(Seq(REPOSITORY, key="name", noun="repository"), "HelmRepositories.",
                              default=[]),
        "releases": Field(Seq(RELEASE, key="name", noun="release"), "HelmReleases.", default=[]),
    }), "Helm repositories and releases."),
    "tenants": Field(Seq(TENANT, key="name", noun="tenant"), "Tenants.", default=[]),
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
