"""Platform layers and how they are delivered: health checks, patches, SOPS decryption,
OCI artifact sources, and the cluster-wide cluster vars and SOPS key they draw on."""

from __future__ import annotations

import dataclasses

from fluxform.spec.fields.common import ANNOTATIONS, ARTIFACT_VERIFY, names
from fluxform.spec.kinds import (
    AGE_RECIPIENT,
    ANNOTATION_KEY,
    ANNOTATION_VALUE,
    API_VERSION,
    CONFIG_KEY,
    DIGEST,
    DURATION,
    KIND_NAME,
    NAME,
    OCI_TAG,
    PATCH_TEXT,
    REL_PATH,
    SELECTOR,
    SEMVER_RANGE,
    SOURCE_URL,
    SUBDOMAIN,
    TARGET_NAME,
    VAR_NAME,
    VAR_VALUE,
    Choice,
    Dict,
    Field,
    Flag,
    Obj,
    OneOf,
    Seq,
)

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


def kustomize_fields(noun: str) -> dict[str, Field]:
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
    "name": Field(dataclasses.replace(NAME, reserved=("flux-system",),
                                      reserved_hint="flux-system is the root sync and the fleet's source; "
                                                    "pick a name of its own"),
                  "Layer name (the Kustomization's name in flux-system).", required=True),
    "path": Field(REL_PATH, "Directory of the fleet repository the layer applies.", required=True),
    "interval": Field(DURATION, "Reconcile interval.", default="10m"),
    "retry_interval": Field(DURATION, "Retry interval after a failure.", default="2m"),
    "timeout": Field(DURATION, "Timeout for apply and health checks.", default="5m"),
    "prune": Field(Flag(), "Delete objects removed from the repository.", default=True),
    "wait": Field(Flag(), "Wait for every applied object to become ready.", default=True),
    "suspend": Field(Flag(), "Suspend reconciliation.", default=False),
    "depends_on": Field(names("layer"), "Layers applied before this one.", default=[], ref=("layers",)),
    "annotations": ANNOTATIONS,
    "source": Field(LAYER_SOURCE, "An OCI artifact the layer applies instead of the fleet repository "
                    "(an OCIRepository named after the layer, in flux-system); `path` is then inside it."),
    "decryption": Field(DECRYPTION, "Decrypt SOPS-encrypted Secrets before applying them."),
    **kustomize_fields("layer"),
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
