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

from components import FluxBootstrap, FluxObjects, Notifications, Tenant
from components.kinds import GITHUB_PROVIDER, KUBERNETES_PROVIDER, KindProvider
from fluxform import manifests
from fluxform.errors import ConfigError
from fluxform.spec import load_spec
from fluxform.spec.model import Spec

GITHUB_API = "https://api.github.com/"
# pulumi-kubernetes settings the provider would otherwise read from PULUMI_K8S_* variables of
# whoever runs the program (provider/pkg/provider/provider.go, Configure). enableSecretMutable:
# a credentials Secret whose key changes is updated in place rather than deleted and created
# again (diff.go, forceNewProperties), so Flux never finds it missing.
KUBERNETES_SETTINGS: dict[str, str] = {
    "enableServerSideApply": "true",
    "enableSecretMutable": "true",
    "enableConfigMapMutable": "false",
    "enablePatchForce": "false",
    "deleteUnreachable": "false",
    "skipUpdateUnreachable": "false",
    "upsertExistingObjects": "false",
    "suppressDeprecationWarnings": "false",
    "suppressHelmHookWarnings": "false",
}


@dataclass(frozen=True)
class StackSettings:
    """What the stack's Pulumi config says about reaching the cluster and GitHub."""

    kube_context: str | None
    kubeconfig: str | None
    github_owner: str | None  # optional: only a stack that registers deploy keys needs it


def github_owners(spec: Spec) -> list[str]:
    """The GitHub owners whose repositories get a deploy key from this stack (sorted); empty
    when nothing touches GitHub (an OCI fleet, tenants from OCI, https:// or another Git host):
    such a stack then has no GitHub provider at all and needs no fluxform:githubOwner."""
    fleet_owner = (spec.fleet.owner,) if spec.fleet.needs_deploy_key else ()  # an OCI fleet has none
    owners = {*fleet_owner, *(t.source.owner for t in spec.tenants if t.source.registers_deploy_key)}
    return sorted(o for o in owners if o)


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
    owners = github_owners(spec)
    if owners and settings.github_owner is None:
        raise ConfigError(
            f"stack config: fluxform:githubOwner is not set, but {spec.source_file} registers deploy "
            f"keys on GitHub repositories of {owners[0]!r} (hint: pulumi config set "
            f"fluxform:githubOwner {owners[0]})")
    foreign = [o for o in owners if o != settings.github_owner]
    if foreign:
        raise ConfigError(
            f"{spec.source_file}: repository owner {foreign[0]!r} differs from the stack's "
            f"fluxform:githubOwner {settings.github_owner!r} (hint: one GitHub owner per stack)")


def build(spec: Spec, settings: StackSettings) -> dict[str, pulumi.Output[str]]:
    """Register every resource of the environment; returns the stack outputs."""
    check_interlock(spec, settings)
    cfg = pulumi.Config("fluxform")
    # Every provider setting the program depends on is explicit, so that neither the plan nor
    # `pulumi up` takes one from the environment it runs in (KUBECONFIG, PULUMI_K8S_*,
    # GITHUB_BASE_URL); the provider kinds read none (components/kinds.py).
    kube_settings: dict[str, pulumi.Input[str]] = dict(KUBERNETES_SETTINGS)
    if settings.kube_context is not None:
        kube_settings["context"] = settings.kube_context
    else:
        # A kubeconfig holds credentials: a capture that reads it is never cached (no digest
        # of the file is written anywhere; fluxform/cache.py).
        from fluxform.cache import note_credential

        note_credential("the stack reads its kubeconfig file (credentials)")
        with open(str(settings.kubeconfig), encoding="utf-8") as handle:
            kube_settings["kubeconfig"] = pulumi.Output.secret(handle.read())
    kube = KindProvider(KUBERNETES_PROVIDER, spec.cluster.name, kube_settings)
    chosen: dict[str, pulumi.ProviderResource] = {"kubernetes": kube}
    if github_owners(spec) and settings.github_owner is not None:
        # Least privilege: the GitHub provider (and the token `pulumi up` gives it) exists only
        # for a stack that registers deploy keys; an OCI-only stack never touches GitHub.
        chosen["github"] = KindProvider(GITHUB_PROVIDER, f"github-{settings.github_owner}",
                                        {"owner": settings.github_owner, "baseUrl": GITHUB_API})
    providers = pulumi.ResourceOptions(providers=chosen)
    by_pulumi = spec.flux.delivery == "pulumi"

    variables = cluster_variables(spec, cfg)
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
        "cluster_vars": variables,
        "sops_age_key": (cfg.require_secret(key) if (key := spec.sops and spec.sops.age_key_config)
                         else None),
        "kms_annotations": dict(spec.sops.kms_annotations or {}) if spec.sops else None,
    }, opts=providers)
    after_boot = pulumi.ResourceOptions.merge(providers, pulumi.ResourceOptions(depends_on=[boot]))

    if by_pulumi:
        FluxObjects("platform", manifests.layer_objects(spec) + manifests.helm_objects(spec)
                    + manifests.image_objects(spec), opts=after_boot)
    for tenant in spec.tenants:
        src = tenant.source
        Tenant(f"tenant-{tenant.name}", {
            "namespace": tenant.namespace, "tenant": tenant.name, "cluster_name": spec.cluster.name,
            "repository": src.repository, "path": src.path,
            "cluster_role": tenant.cluster_role, "service_account": tenant.service_account,
            "credentials": ("github-deploy-key" if src.registers_deploy_key
                            else "ssh-key" if src.generates_key else "none"),
            "known_hosts": src.known_hosts or "", "secret_name": manifests.TENANT_SECRET,
            "deploy_key_algorithm": src.deploy_key.algorithm,
            "deploy_key_rotation": src.deploy_key.rotation,
            "writable": src.image_automation,
            "quota": dict(tenant.quota.hard) if tenant.quota else None,
            **manifests.tenant_hardening(tenant),  # type: ignore[typeddict-item]
            "flux_objects": manifests.tenant_objects(spec, tenant) if by_pulumi else [],
            "cluster_vars": variables if tenant.cluster_vars else None,
            "sops_age_key": (cfg.require_secret(key) if (key := manifests.tenant_key_config(tenant))
                             else None),
            "sops_secret_name": (tenant.decryption and tenant.decryption.secret_ref) or manifests.SOPS_SECRET,
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
    outputs = {"fleetPublicKey": boot.fleet_public_key} if spec.fleet.needs_deploy_key else {}
    outputs["cluster"] = pulumi.Output.from_input(spec.cluster.name)  # an OCI fleet has no key
    for name, value in outputs.items():
        pulumi.export(name, value)
    return outputs


def cluster_variables(spec: Spec, cfg: pulumi.Config) -> dict[str, pulumi.Input[str]] | None:
    """The cluster-vars ConfigMap's data (None when no layer or tenant substitutes from it):
    the spec's literals plus the plain stack config values it names. A secret config value is
    refused: a ConfigMap is no place for it."""
    if not manifests.uses_cluster_vars(spec):
        return None
    out: dict[str, pulumi.Input[str]] = dict(manifests.cluster_vars(spec))
    for var, key in manifests.cluster_vars_config(spec).items():
        if pulumi.runtime.is_config_secret(f"fluxform:{key}"):
            raise ConfigError(f"{spec.source_file}: cluster_vars.from_config.{var}: fluxform:{key} is a "
                              "secret (hint: cluster variables are a ConfigMap; reference a Secret "
                              "from the manifests instead)")
        out[var] = cfg.require(key)
    return dict(sorted(out.items()))


def settings_from_config() -> StackSettings:
    cfg = pulumi.Config("fluxform")
    return StackSettings(kube_context=cfg.get("kubeContext"), kubeconfig=cfg.get("kubeconfig"),
                         github_owner=cfg.get("githubOwner"))


def main() -> None:
    """Entry point of stacks/__main__.py: read the stack config, load the spec, build."""
    cfg = pulumi.Config("fluxform")
    spec_path = cfg.require("spec")
    spec = load_spec(os.path.join(os.getcwd(), spec_path), display=spec_path)
    build(spec, settings_from_config())
