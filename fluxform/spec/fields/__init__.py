"""The spec format as one table: every key, its kind, default, documentation and references.

The loader (validate.py, semantics.py), the JSON Schema (schema.py) and the reference table in
docs/spec.md (reference.py) are all read off this table, so none of them can drift from the
others. Defaults equal the dataclass defaults in fluxform.spec.model (a test holds them
together).

SPEC, the root, is here; its parts are kept by what they describe: common (descriptors several
parts share), fleet (cluster, Flux, fleet source, sync), layers (layers and their delivery:
patches, decryption, OCI sources, cluster vars, SOPS), helm, tenants, notifications and images.
Key order is the order of the schema, the docs table and error hints."""

from __future__ import annotations

from fluxform.spec.fields.common import (
    ANNOTATIONS,
    ARTIFACT_VERIFY,
    DEPLOY_KEY,
    OIDC_IDENTITY,
    REGISTRY_PROVIDERS,
)
from fluxform.spec.fields.fleet import CLUSTER, FLEET_OCI, FLUX, SOURCE, SYNC, TIERS
from fluxform.spec.fields.helm import HELM, RELEASE, REPOSITORY, TENANT_RELEASE, TENANT_REPOSITORY
from fluxform.spec.fields.images import (
    IMAGE_AUTOMATION,
    IMAGE_NAME,
    IMAGE_POLICY,
    IMAGE_REPOSITORY,
    IMAGE_UPDATE,
    ONE_LINE,
    ORDER,
)
from fluxform.spec.fields.layers import (
    CLUSTER_VARS,
    DECRYPTION,
    HEALTH_CHECK,
    LAYER,
    LAYER_SOURCE,
    PATCH,
    PATCH_TARGET,
    SOPS,
)
from fluxform.spec.fields.notifications import (
    ALERT,
    FLUX_KINDS,
    NOTIFICATIONS,
    OBJECT_REF,
    PROVIDER,
    PROVIDER_TYPES,
    RECEIVER,
    RECEIVER_TYPES,
)
from fluxform.spec.fields.tenants import (
    LIMIT_RANGE,
    NETWORK_POLICY,
    RESERVED_NAMESPACES,
    SOURCE_TYPES,
    TENANT,
    TENANT_DECRYPTION,
    TENANT_SOURCE,
)
from fluxform.spec.kinds import RULE_ID, Choice, Dict, Field, Obj, Seq, Whole

__all__ = [
    "ALERT", "ANNOTATIONS", "ARTIFACT_VERIFY", "CLUSTER", "CLUSTER_VARS", "DECRYPTION", "DEPLOY_KEY",
    "FLEET_OCI", "FLUX", "FLUX_KINDS", "HEALTH_CHECK", "HELM", "IMAGE_AUTOMATION", "IMAGE_NAME",
    "IMAGE_POLICY", "IMAGE_REPOSITORY", "IMAGE_UPDATE", "LAYER", "LAYER_SOURCE", "LIMIT_RANGE",
    "NETWORK_POLICY", "NOTIFICATIONS", "OBJECT_REF", "OIDC_IDENTITY", "ONE_LINE", "ORDER", "PATCH",
    "PATCH_TARGET", "PROVIDER", "PROVIDER_TYPES", "RECEIVER", "RECEIVER_TYPES", "REGISTRY_PROVIDERS",
    "RELEASE", "REPOSITORY", "RESERVED_NAMESPACES", "SOPS", "SOURCE", "SOURCE_TYPES", "SPEC", "SYNC",
    "TENANT", "TENANT_DECRYPTION", "TENANT_RELEASE", "TENANT_REPOSITORY", "TENANT_SOURCE", "TIERS",
]

SPEC = Obj({
    "version": Field(Whole(1, 1, "this fluxform reads spec format version 1"), "Format version; always 1.",
                     required=True),
    "cluster": Field(CLUSTER, "The cluster and how Pulumi reaches it.", required=True),
    "flux": Field(FLUX, "The Flux install.", required=True),
    "fleet": Field(SOURCE, "The fleet repository the root Kustomization syncs.", required=True),
    "sync": Field(SYNC, "Timing of the root Kustomization (flux-system)."),
    "layers": Field(Seq(LAYER, key="name", noun="layer"), "Platform layers (Kustomizations in flux-system).",
                    default=[]),
    "helm": Field(HELM, "Helm repositories and releases."),
    "tenants": Field(Seq(TENANT, key="name", noun="tenant"), "Tenants.", default=[]),
    "cluster_vars": Field(CLUSTER_VARS, "Values infrastructure knows that manifests need: the ConfigMap "
                          "cluster-vars in flux-system (and a copy in each tenant namespace) that layers "
                          "and tenants with `cluster_vars: true` substitute from."),
    "sops": Field(SOPS, "The cluster's SOPS decryption key for layers with `decryption`."),
    "image_automation": Field(IMAGE_AUTOMATION, "Image automation objects (needs flux.image_automation and "
                              "fleet.image_automation)."),
    "notifications": Field(NOTIFICATIONS, "Flux notifications."),
    "policy": Field(Obj({
        "severities": Field(Dict(RULE_ID, Choice(("error", "warning", "off"), aliases=((False, "off"),))),
                            "Per-stack severity of each policy rule.", default={}),
    }), "Policy settings."),
})
