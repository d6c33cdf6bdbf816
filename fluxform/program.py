"""The Pulumi program: one environment spec -> the cluster layer and its Flux objects.

`pulumi up` runs it through stacks/__main__.py; `fluxform plan` runs the very same code under
the recording mock engine. Every Kubernetes resource goes through one explicit provider built
from the stack's own config and named after the cluster, never the ambient kubeconfig; the
spec's expected context must match the stack's, so a dev stack can never touch prod.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import FluxBootstrap, FluxObjects, Notifications, Tenant
from components.kinds import GITHUB_PROVIDER, KindProvider
from fluxform import manifests
from fluxform.errors import ConfigError
from fluxform.spec import load_spec
from fluxform.spec.model import Spec


@dataclass(frozen=True)
class StackSettings:
    """What the stack's Pulumi config says about reaching the cluster and GitHub."""

    kube_context: str | None
    kubeconfig: str | None
    github_owner: str


def check_interlock(spec: Spec, settings: StackSettings) -> None:
    """Refuse a stack whose config points somewhere the spec does not expect."""
    if (settings.kube_context is None) == (settings.kubeconfig is None):
        raise ConfigError("stack config: set exactly one of fluxform:kubeContext or "
                          "fluxform:kubeconfig (hint: the program never uses the ambient kubeconfig)")
    if spec.cluster.context is not None and spec.cluster.context != settings.kube_context:
        raise ConfigError(
            f"{spec.source_file}: cluster.context is {spec.cluster.context!r} but the stack's "
            f"fluxform:kubeContext is {settings.kube_context!r} (hint: this stack is meant for "
            "another cluster; fix the stack config, not the spec)")
    if spec.cluster.kubeconfig is not None and spec.cluster.kubeconfig != settings.kubeconfig:
        raise ConfigError(f"{spec.source_file}: cluster.kubeconfig does not match fluxform:kubeconfig")
    owners = {spec.fleet.owner, *(t.source.owner for t in spec.tenants)}
    foreign = sorted(owners - {settings.github_owner})
    if foreign:
        raise ConfigError(
            f"{spec.source_file}: repository owner {foreign[0]!r} differs from the stack's "
            f"fluxform:githubOwner {settings.github_owner!r} (hint: one GitHub owner per stack)")


def build(spec: Spec, settings: StackSettings) -> dict[str, pulumi.Output[str]]:
    """Register every resource of the environment; returns the stack outputs."""
    check_interlock(spec, settings)
    cfg = pulumi.Config("fluxform")
    if settings.kube_context is not None:
        kube = k8s.Provider(spec.cluster.name, context=settings.kube_context,
                            enable_server_side_apply=True)
    else:
        with open(str(settings.kubeconfig), encoding="utf-8") as handle:
            kube = k8s.Provider(spec.cluster.name, kubeconfig=handle.read(),
                                enable_server_side_apply=True)
    gh = KindProvider(GITHUB_PROVIDER, f"github-{settings.github_owner}",
                      {"owner": settings.github_owner})
    providers = pulumi.ResourceOptions(providers={"kubernetes": kube, "github": gh})
    by_pulumi = spec.flux.delivery == "pulumi"

    boot = FluxBootstrap("flux", {
        "cluster_name": spec.cluster.name, "chart_version": spec.flux.chart_version,
        "chart_repository": spec.flux.chart_repository,
        "image_automation": spec.flux.image_automation, "network_policy": spec.flux.network_policy,
        "multitenant_lockdown": spec.flux.multitenant_lockdown,
        "fleet_repository": spec.fleet.repository, "fleet_path": spec.fleet.path,
        "fleet_writable": spec.fleet.image_automation,
        "deploy_key_algorithm": spec.fleet.deploy_key.algorithm,
        "deploy_key_rotation": spec.fleet.deploy_key.rotation,
        "root_objects": manifests.bootstrap_objects(spec),
    }, opts=providers)
    after_boot = pulumi.ResourceOptions.merge(providers, pulumi.ResourceOptions(depends_on=[boot]))

    if by_pulumi:
        FluxObjects("platform", manifests.layer_objects(spec) + manifests.helm_objects(spec),
                    opts=after_boot)
    for tenant in spec.tenants:
        Tenant(f"tenant-{tenant.name}", {
            "namespace": tenant.name, "cluster_name": spec.cluster.name,
            "repository": tenant.source.repository, "path": tenant.source.path,
            "cluster_role": tenant.cluster_role,
            "service_account": manifests.TENANT_SERVICE_ACCOUNT,
            "secret_name": manifests.TENANT_SECRET,
            "deploy_key_algorithm": tenant.source.deploy_key.algorithm,
            "deploy_key_rotation": tenant.source.deploy_key.rotation,
            "writable": tenant.source.image_automation,
            "quota": dict(tenant.quota.hard) if tenant.quota else None,
            "flux_objects": manifests.tenant_objects(spec, tenant) if by_pulumi else [],
        }, opts=after_boot)
    notif = spec.notifications
    if notif.providers or notif.receivers:
        Notifications("notifications", {
            "provider_addresses": {
                manifests.provider_secret_name(p.name): cfg.require_secret(p.secret_config)
                for p in notif.providers if p.secret_config
            },
            "receiver_tokens": [manifests.receiver_secret_name(r.name) for r in notif.receivers],
            "flux_objects": manifests.notification_objects(spec) if by_pulumi else [],
        }, opts=after_boot)
    outputs = {"fleetPublicKey": boot.fleet_public_key,
               "cluster": pulumi.Output.from_input(spec.cluster.name)}
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs


def settings_from_config() -> StackSettings:
    cfg = pulumi.Config("fluxform")
    return StackSettings(kube_context=cfg.get("kubeContext"), kubeconfig=cfg.get("kubeconfig"),
                         github_owner=cfg.require("githubOwner"))


def main() -> None:
    """Entry point of stacks/__main__.py: read the stack config, load the spec, build."""
    cfg = pulumi.Config("fluxform")
    spec_path = cfg.require("spec")
    spec = load_spec(os.path.join(os.getcwd(), spec_path), display=spec_path)
    build(spec, settings_from_config())
