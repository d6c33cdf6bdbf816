"""The spec format as one data table: keys, types, defaults and docs.

Both the loader's type checks (validate.py) and the published JSON Schema (schema.py) are
driven by this table, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class F:
    """One field: its kind, whether it is required, its default and its documentation.

    kinds: str, bool, int, duration, name (DNS-1123 label), path (relative), version (exact
    semver), chart-version (exact or, for the policy to judge, a constraint), enum, quantities
    (mapping of string to quantity), labels (mapping of string to string), any (free
    mapping), obj (nested fields), list (of `item`), names (list of names), ghname.
    """

    kind: str
    doc: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    fields: Mapping[str, F] = field(default_factory=dict)
    item: F | None = None


DEPLOY_KEY = F("obj", "SSH deploy key settings.", fields={
    "algorithm": F("enum", "Key algorithm.", default="ecdsa-p384", choices=("ecdsa-p384", "ed25519")),
    "rotation": F("str", "Change to rotate the key, the GitHub deploy key and the Secret together.",
                  default="1"),
})

SOURCE_FIELDS: dict[str, F] = {
    "owner": F("ghname", "GitHub organisation or user.", required=True),
    "repository": F("ghname", "GitHub repository name.", required=True),
    "branch": F("str", "Branch to sync.", default="main"),
    "path": F("path", "Path inside the repository.", default="./"),
    "interval": F("duration", "How often Flux fetches the repository.", default="5m"),
    "deploy_key": DEPLOY_KEY,
    "image_automation": F("bool", "Image automation pushes to this repository (key is read-write).",
                          default=False),
    "image_automation_branch": F("str", "Branch image automation pushes to."),
    "verify_signatures": F("bool", "Verify commit signatures (spec.verify, mode HEAD).", default=False),
    "verify_secret": F("name", "Secret holding the trusted public keys for verification."),
}

EVENT_SOURCE = F("obj", "An object reference.", fields={
    "kind": F("enum", "Flux kind.", required=True, choices=(
        "GitRepository", "HelmRepository", "OCIRepository", "Bucket", "HelmChart",
        "Kustomization", "HelmRelease", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation")),
    "name": F("str", "Object name, or '*' for all.", required=True),
    "namespace": F("name", "Namespace (defaults to the referencing object's)."),
})

SPEC = F("obj", "A fluxform environment spec.", fields={
    "version": F("int", "Spec format version; must be 1.", required=True, choices=("1",)),
    "cluster": F("obj", "The cluster and how Pulumi reaches it.", required=True, fields={
        "name": F("name", "Cluster name (names the provider, makes deploy-key titles unique).",
                  required=True),
        "environment": F("name", "Environment; `prod` enables production rules.", required=True),
        "context": F("str", "Expected kubeconfig context (must match the stack config)."),
        "kubeconfig": F("path", "Expected kubeconfig file (relative path)."),
    }),
    "flux": F("obj", "The Flux install.", required=True, fields={
        "chart_version": F("version", "Exact version of the fluxcd-community flux2 chart.",
                           required=True),
        "chart_repository": F("str", "Helm repository of the flux2 chart.",
                              default="https://fluxcd-community.github.io/helm-charts"),
        "image_automation": F("bool", "Install the image automation controllers.", default=False),
        "network_policy": F("bool", "Install Flux's network policies.", default=True),
        "multitenant_lockdown": F("bool", "Multi-tenancy lockdown flags.", default=True),
        "delivery": F("enum", "Who applies the non-bootstrap Flux objects.", default="pulumi",
                      choices=("pulumi", "git")),
    }),
    "fleet": F("obj", "The fleet repository the root Kustomization syncs.", required=True,
               fields=SOURCE_FIELDS),
    "layers": F("list", "Platform layers (Kustomizations in flux-system).", default=[],
                item=F("obj", fields={
        "name": F("name", "Layer name.", required=True),
        "path": F("path", "Path in the fleet repository.", required=True),
        "interval": F("duration", "Reconcile interval.", default="10m"),
        "retry_interval": F("duration", "Retry interval after a failure.", default="2m"),
        "timeout": F("duration", "Apply/health timeout.", default="5m"),
        "prune": F("bool", "Garbage-collect removed objects.", default=True),
        "wait": F("bool", "Wait for applied objects to become ready.", default=True),
        "suspend": F("bool", "Suspend reconciliation.", default=False),
        "depends_on": F("names", "Layers this one waits for.", default=[]),
        "annotations": F("labels", "Extra annotations (e.g. suspension owner/reason).", default={}),
    })),
    "helm": F("obj", "Helm repositories and releases.", default={}, fields={
        "repositories": F("list", "HelmRepositories (in flux-system).", default=[], item=F("obj", fields={
            "name": F("name", "Repository name.", required=True),
            "url": F("str", "oci://... (preferred) or https://...", required=True),
            "interval": F("duration", "Fetch interval.", default="1h"),
        })),
        "releases": F("list", "HelmReleases.", default=[], item=F("obj", fields={
            "name": F("name", "Release name.", required=True),
            "namespace": F("name", "Target namespace of the release.", required=True),
            "repository": F("name", "Name of a repository above.", required=True),
            "chart": F("str", "Chart name.", required=True),
            "version": F("chart-version", "Chart version (exact in prod).", required=True),
            "interval": F("duration", "Reconcile interval.", default="10m"),
            "chart_interval": F("duration", "Chart fetch interval.", default="1h"),
            "timeout": F("duration", "Helm action timeout.", default="5m"),
            "retries": F("int", "Install/upgrade remediation retries.", default=3),
            "values": F("any", "Helm values.", default={}),
            "depends_on": F("names", "Releases this one waits for.", default=[]),
            "create_namespace": F("bool", "Create the target namespace.", default=True),
            "suspend": F("bool", "Suspend reconciliation.", default=False),
            "annotations": F("labels", "Extra annotations.", default={}),
        })),
    }),
    "tenants": F("list", "Tenants: namespace, RBAC, their own repository.", default=[],
                 item=F("obj", fields={
        "name": F("name", "Tenant name (and namespace).", required=True),
        "source": F("obj", "The tenant's repository.", required=True, fields=SOURCE_FIELDS),
        "cluster_role": F("name", "ClusterRole bound in the namespace.", default="admin"),
        "quota": F("quantities", "ResourceQuota spec.hard."),
        "depends_on": F("names", "Platform layers the tenant waits for.", default=[]),
        "prune": F("bool", "Garbage-collect removed objects.", default=True),
        "suspend": F("bool", "Suspend reconciliation.", default=False),
        "annotations": F("labels", "Extra annotations.", default={}),
    })),
    "notifications": F("obj", "Flux notification objects.", default={}, fields={
        "providers": F("list", "Providers.", default=[], item=F("obj", fields={
            "name": F("name", "Provider name.", required=True),
            "type": F("name", "Flux provider type (slack, msteams, github, ...).", required=True),
            "channel": F("str", "Channel."),
            "address": F("str", "Non-secret address."),
            "secret_config": F("str", "Pulumi config key (fluxform namespace) of the secret address."),
        })),
        "alerts": F("list", "Alerts.", default=[], item=F("obj", fields={
            "name": F("name", "Alert name.", required=True),
            "provider": F("name", "Name of a provider above.", required=True),
            "severity": F("enum", "Minimum severity.", default="info", choices=("info", "error")),
            "sources": F("list", "Event sources.", default=[], item=EVENT_SOURCE),
            "summary": F("str", "Summary text."),
        })),
        "receivers": F("list", "Webhook receivers.", default=[], item=F("obj", fields={
            "name": F("name", "Receiver name.", required=True),
            "type": F("name", "Receiver type (github, gitlab, generic-hmac, ...).", required=True),
            "events": F("list", "Events.", default=[], item=F("str")),
            "resources": F("list", "Objects to reconcile.", default=[], item=EVENT_SOURCE),
        })),
    }),
    "policy": F("obj", "Policy settings.", default={}, fields={
        "severities": F("severities", "Rule id (FF001...) -> error | warning | off.", default={}),
    }),
})
