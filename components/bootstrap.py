"""Flux bootstrap: namespace, pinned Flux install, fleet deploy key, root sync.

Install method: a Pulumi-managed Helm release (`helm.v3.Release`) of the fluxcd-community
`flux2` chart at an exact chart version. One owner per object: Pulumi owns the release, Helm
owns the controllers it renders, and Flux never manages its own install from Git (no
gotk-components.yaml in the fleet repo), so an upgrade is a reviewed `chart_version` change in
the spec, visible in `fluxform plan`. Lockdown flags are passed as explicit controller args
rather than through the chart's multitenancy switch, so the plan shows exactly what runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from components.deploy_key import DeployKey
from components.flux_objects import FLUX_NAMESPACE, MANAGED_BY
from components.gitops import register
from components.kinds import HELM_RELEASE, NAMESPACE, SECRET, KindResource, _k8s

CONFIG_MAP = _k8s("v1", "ConfigMap", "binaryData data immutable metadata")
CLUSTER_VARS = "cluster-vars"
SOPS_SECRET = "sops-age"
SOPS_KEY = "age.agekey"
DECRYPTION_LABEL = {"fluxform.io/purpose": "sops-decryption"}

LOCKDOWN_ARGS: dict[str, list[str]] = {
    "kustomizeController": ["--no-cross-namespace-refs=true", "--no-remote-bases=true",
                            "--default-service-account=default"],
    "helmController": ["--no-cross-namespace-refs=true", "--default-service-account=default"],
    "notificationController": ["--no-cross-namespace-refs=true"],
    "imageReflectionController": ["--no-cross-namespace-refs=true"],
    "imageAutomationController": ["--no-cross-namespace-refs=true"],
}
IMAGE_CONTROLLERS = ("imageReflectionController", "imageAutomationController")


def flux_chart_values(*, image_automation: bool, network_policy: bool,
                      lockdown: bool, kms_annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Values for the flux2 chart (pure, so tests and the plan can see every flag).
    `kms_annotations` annotate kustomize-controller's ServiceAccount (cloud KMS decryption
    through workload identity, instead of a key Secret)."""
    values: dict[str, Any] = {
        "installCRDs": True,
        "multitenancy": {"enabled": False},
        "policies": {"create": network_policy},
    }
    if kms_annotations:
        values["kustomizeController"] = {"serviceAccount": {"annotations": dict(kms_annotations)}}
    for controller in IMAGE_CONTROLLERS:
        values[controller] = {"create": image_automation}
    if lockdown:
        for controller, args in LOCKDOWN_ARGS.items():
            if controller in IMAGE_CONTROLLERS and not image_automation:
                continue
            values.setdefault(controller, {})["container"] = {"additionalArgs": list(args)}
    return values


class FluxBootstrapArgs(TypedDict):
    cluster_name: str
    """Cluster name (used in the deploy key title)."""
    chart_version: str
    """Exact flux2 chart version."""
    chart_repository: str
    """Helm repository URL of the flux2 chart."""
    image_automation: bool
    """Install the image automation controllers."""
    network_policy: bool
    """Install Flux's network policies."""
    multitenant_lockdown: bool
    """Pass the multi-tenancy lockdown flags to the controllers."""
    fleet_repository: str
    """Fleet repository name (owner comes from the github provider)."""
    fleet_path: str
    """Path the root Kustomization syncs (part of the deploy key title)."""
    fleet_writable: bool
    """Image automation pushes to the fleet repository (the deploy key is then read-write)."""
    deploy_key_algorithm: str
    """ecdsa-p384 or ed25519."""
    deploy_key_rotation: str
    """Rotation marker of the fleet deploy key: change it to rotate the key (docs/rotation.md;
    the Secret `flux-system` is switched in place, the old GitHub key deleted last)."""
    root_objects: Sequence[dict[str, Any]]
    """The root source and Kustomization (fluxform.manifests.bootstrap_objects). A root
    GitRepository gets the fleet deploy key and its Secret `flux-system`; a root OCIRepository
    (an OCI fleet) neither, and the `fleet_*`/`deploy_key_*` arguments are then unused."""
    cluster_vars: NotRequired[Mapping[str, pulumi.Input[str]] | None]
    """Variables for the ConfigMap `cluster-vars` in flux-system (none when None). Never
    secrets: a ConfigMap is readable by anyone who can read the namespace."""
    sops_age_key: NotRequired[pulumi.Input[str] | None]
    """The age private key (a Pulumi secret) for the Secret `sops-age` in flux-system."""
    kms_annotations: NotRequired[Mapping[str, str] | None]
    """kustomize-controller ServiceAccount annotations for cloud KMS (instead of an age key)."""


class FluxBootstrap(pulumi.ComponentResource):
    """Outputs: `namespace`, `release_name`, `fleet_public_key` (empty for an OCI fleet: there
    is no deploy key)."""

    def __init__(self, name: str, args: FluxBootstrapArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:FluxBootstrap", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = KindResource(NAMESPACE, f"{name}-namespace", {
            "metadata": {"name": FLUX_NAMESPACE, "labels": {
                **MANAGED_BY,
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
            }},
        }, opts=child)
        release = KindResource(HELM_RELEASE, f"{name}-flux", {
            "name": "flux",
            "chart": "flux2",
            "version": args["chart_version"],
            "repositoryOpts": {"repo": args["chart_repository"]},
            "namespace": FLUX_NAMESPACE,
            "atomic": True,
            "values": flux_chart_values(image_automation=args["image_automation"],
                                        network_policy=args["network_policy"],
                                        lockdown=args["multitenant_lockdown"],
                                        kms_annotations=args.get("kms_annotations")),
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=[ns]))
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[ns], delete_before_replace=True)
        variables = args.get("cluster_vars")
        if variables is not None:
            cluster_vars_map(f"{name}-cluster-vars", FLUX_NAMESPACE, variables, in_ns)
        age_key = args.get("sops_age_key")
        if age_key is not None:
            decryption_secret(f"{name}-sops-age", FLUX_NAMESPACE, SOPS_SECRET, age_key, in_ns)
        # Only what the fleet source needs: a GitRepository reads the deploy key's Secret; an
        # OCIRepository (an OCI fleet) pulls anonymously, with a Secret managed outside
        # fluxform or with the cloud's workload identity, so no key and no Secret exist.
        git_root = any(obj["kind"] == "GitRepository" for obj in args["root_objects"])
        after: list[pulumi.Resource] = [release]
        self.fleet_public_key: pulumi.Output[str] = pulumi.Output.from_input("")
        if git_root:
            key = DeployKey(
                f"{name}-fleet-key",
                {"repository": args["fleet_repository"], "namespace": FLUX_NAMESPACE,
                 "secret_name": "flux-system",
                 "title": f"fluxform {args['cluster_name']} {args['fleet_path']}",
                 "algorithm": args["deploy_key_algorithm"], "rotation": args["deploy_key_rotation"],
                 "read_only": not args["fleet_writable"]},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[ns]),
            )
            after.append(key.secret)
            self.fleet_public_key = key.public_key
        self.root = [register(self, name, obj, after) for obj in args["root_objects"]]
        self.namespace = ns.output("metadata")["name"]
        self.release_name = release.output("name")
        self.register_outputs({"namespace": self.namespace, "release_name": self.release_name,
                               "fleet_public_key": self.fleet_public_key})


def cluster_vars_map(name: str, namespace: str, variables: Mapping[str, pulumi.Input[str]],
                     opts: pulumi.ResourceOptions) -> KindResource:
    """The ConfigMap `cluster-vars` (replaced delete-before-replace: it keeps its name)."""
    return KindResource(CONFIG_MAP, name, {
        "metadata": {"name": CLUSTER_VARS, "namespace": namespace, "labels": dict(MANAGED_BY)},
        "data": dict(variables),
    }, opts=opts)


def decryption_secret(name: str, namespace: str, secret_name: str, age_key: pulumi.Input[str],
                      opts: pulumi.ResourceOptions) -> KindResource:
    """An age key Secret kustomize-controller decrypts with (key `age.agekey`). The value
    stays a Pulumi secret: the plan shows only that it changed, never the key."""
    return KindResource(SECRET, name, {
        "metadata": {"name": secret_name, "namespace": namespace,
                     "labels": {**MANAGED_BY, **DECRYPTION_LABEL}},
        "type": "Opaque",
        "stringData": {SOPS_KEY: pulumi.Output.secret(age_key)},
    }, opts=opts)
