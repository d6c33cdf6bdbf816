"""A tenant: its namespace (hardened), reconciler identity, RBAC, quota, credentials and Flux sync.

Least privilege: the reconciler ServiceAccount is bound with a RoleBinding (never a
ClusterRoleBinding) to a ClusterRole inside the tenant's namespace only; `cluster-admin` is
refused. Every Flux object of the tenant runs as that ServiceAccount in the namespace.

Hardened by default: the namespace enforces the Pod Security Standard `restricted`, a
default-deny NetworkPolicy lets only the namespace's own pods (and cluster DNS) talk, and a
LimitRange gives containers default requests and limits whenever the quota constrains them
(otherwise every pod without them fails admission).

Credentials are only what the source needs: a GitHub deploy key (`repository`), an SSH key
for another Git host whose `known_hosts` are pinned in the Secret, or nothing (a public
https:// repository, an OCI artifact, or a Secret the tenant manages itself).

A few lines build a complete tenant from a Pulumi program that does not use the YAML spec::

    Tenant("dev-team", {
        "namespace": "apps", "service_account": "dev-team",
        "sync": {"url": "https://github.com/fluxcd/flux2-multi-tenancy", "branch": "dev-team",
                 "path": "./staging"},
    }, opts=pulumi.ResourceOptions(providers=[k8s_provider]))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict

import pulumi

from components import flux_objects as fo
from components.bootstrap import SOPS_SECRET, cluster_vars_map, decryption_secret
from components.flux_objects import MANAGED_BY
from components.gitops import register
from components.kinds import (
    LIMIT_RANGE,
    NAMESPACE,
    NETWORK_POLICY,
    RESOURCE_QUOTA,
    ROLE_BINDING,
    SECRET,
    SERVICE_ACCOUNT,
    KindResource,
)

TENANT_LABEL = "toolkit.fluxcd.io/tenant"
DEFAULT_SERVICE_ACCOUNT = "flux-reconciler"
DEFAULT_SECRET = "flux-git-credentials"
Credentials = Literal["github-deploy-key", "ssh-key", "none"]
DEFAULT_REQUESTS = {"cpu": "100m", "memory": "128Mi"}
DEFAULT_LIMITS = {"cpu": "500m", "memory": "512Mi"}


class NetworkPolicyArgs(TypedDict, total=False):
    allow_same_namespace: bool
    """Pods of the namespace may talk to each other (default true)."""
    ingress_from_namespaces: Sequence[str]
    """Namespaces whose pods may connect in (e.g. the ingress controller's)."""
    egress: str
    """`namespace` (default: the namespace's pods and cluster DNS only) or `all`."""


class LimitRangeArgs(TypedDict, total=False):
    default_request: Mapping[str, str]
    """Container default requests (default cpu 100m, memory 128Mi)."""
    default: Mapping[str, str]
    """Container default limits (default cpu 500m, memory 512Mi)."""


class TenantSyncArgs(TypedDict, total=False):
    """The tenant's source and Kustomization, built by the component (`url` is required)."""

    url: str
    """https:// (public, or with secret_ref), ssh:// or oci://."""
    branch: str
    """Git branch (default main)."""
    tag: str
    """OCI tag (oci:// sources; default latest)."""
    path: str
    """Directory applied (default ./)."""
    interval: str
    """Source interval (default 5m)."""
    secret_ref: str
    """A credentials Secret the tenant manages itself."""
    kustomization_interval: str
    """Kustomization interval (default 5m)."""
    retry_interval: str
    """Kustomization retry interval (default 1m)."""
    timeout: str
    """Kustomization timeout (default 3m)."""
    wait: bool
    """Wait for applied objects to become ready (default true)."""
    prune: bool
    """Prune objects removed from the source (default true)."""


class TenantArgs(TypedDict):
    namespace: str
    """The tenant's namespace."""
    tenant: NotRequired[str]
    """Tenant name (label `toolkit.fluxcd.io/tenant`, names of its Flux objects); default: namespace."""
    service_account: NotRequired[str]
    """Name of the reconciler ServiceAccount (default `flux-reconciler`)."""
    cluster_role: NotRequired[str]
    """ClusterRole bound inside the namespace (default `admin`; `cluster-admin` is refused)."""
    quota: NotRequired[Mapping[str, str] | None]
    """ResourceQuota spec.hard; none when omitted."""
    pod_security: NotRequired[str]
    """Pod Security Standard enforced: `restricted` (default), `baseline` or `privileged`."""
    network_policy: NotRequired[NetworkPolicyArgs | None]
    """The default-deny NetworkPolicy (created unless None)."""
    limit_range: NotRequired[LimitRangeArgs | None]
    """Container defaults; created when given, or (with defaults) when the quota constrains
    requests or limits. None: never."""
    credentials: NotRequired[Credentials]
    """How the Git credentials Secret comes about: a GitHub deploy key (default when
    `repository` is given), an SSH key for another host (needs `known_hosts`), or none."""
    cluster_name: NotRequired[str]
    """Cluster name, for the deploy key title."""
    repository: NotRequired[str]
    """The tenant's GitHub repository (owner from the github provider)."""
    path: NotRequired[str]
    """Path in the tenant repository (part of the deploy key title)."""
    secret_name: NotRequired[str]
    """Name of the generated Git credentials Secret (default `flux-git-credentials`)."""
    known_hosts: NotRequired[str]
    """SSH host keys of a Git host other than GitHub (credentials `ssh-key`)."""
    deploy_key_algorithm: NotRequired[str]
    """ecdsa-p384 (default) or ed25519."""
    deploy_key_rotation: NotRequired[str]
    """Rotation trigger for the tenant's key."""
    writable: NotRequired[bool]
    """Image automation pushes to the tenant repository (key read-write)."""
    sync: NotRequired[TenantSyncArgs]
    """Build the tenant's source and Kustomization from these (instead of `flux_objects`)."""
    flux_objects: NotRequired[Sequence[dict[str, Any]]]
    """The tenant's Flux objects, built elsewhere; empty when Flux applies them from Git."""
    cluster_vars: NotRequired[Mapping[str, pulumi.Input[str]] | None]
    """A copy of the cluster variables as the ConfigMap `cluster-vars` in the namespace (its
    Kustomization cannot read flux-system's under lockdown). Never secrets."""
    sops_age_key: NotRequired[pulumi.Input[str] | None]
    """The tenant's own age private key (a Pulumi secret), for its decryption Secret."""
    sops_secret_name: NotRequired[str]
    """Name of that Secret (default `sops-age`)."""


def _credentials(args: TenantArgs) -> Credentials:
    if "credentials" in args:
        return args["credentials"]
    sync = args.get("sync")
    if sync is not None:
        url = sync.get("url", "")
        if sync.get("secret_ref") or not url.startswith("ssh://"):
            return "none"
        return "github-deploy-key" if url.startswith("ssh://git@github.com/") else "ssh-key"
    return "github-deploy-key" if "repository" in args else "none"


def sync_objects(tenant: str, namespace: str, service_account: str, sync: TenantSyncArgs,
                 secret_name: str | None) -> list[dict[str, Any]]:
    """The source and Kustomization a `sync` argument stands for (pure)."""
    if "url" not in sync:
        raise ValueError(f"tenant {tenant}: sync needs a url")
    url, interval = sync["url"], sync.get("interval", "5m")
    secret = sync.get("secret_ref") or secret_name
    if url.startswith("oci://"):
        source = fo.oci_repository(tenant, namespace, url=url, interval=interval,
                                   tag=sync.get("tag", "latest"), secret_name=sync.get("secret_ref"))
    else:
        source = fo.git_repository(tenant, namespace, url=url, branch=sync.get("branch", "main"),
                                   interval=interval, secret_name=secret)
    return [source, fo.kustomization(
        tenant, namespace, source=tenant, source_kind=source["kind"], path=sync.get("path", "./"),
        interval=sync.get("kustomization_interval", "5m"), retry_interval=sync.get("retry_interval", "1m"),
        timeout=sync.get("timeout", "3m"), wait=sync.get("wait", True), prune=sync.get("prune", True),
        service_account=service_account, target_namespace=namespace)]


class Tenant(pulumi.ComponentResource):
    """Outputs: `namespace`, `service_account`, `public_key` (None without a generated key)."""

    def __init__(self, name: str, args: TenantArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:Tenant", name, None, opts)
        role = args.get("cluster_role", "admin")
        if role == "cluster-admin":
            raise ValueError(f"tenant {name}: binding to cluster-admin is not allowed")
        ns_name = args["namespace"]
        tenant = args.get("tenant", ns_name)
        account = args.get("service_account", DEFAULT_SERVICE_ACCOUNT)
        labels: dict[str, Any] = {**MANAGED_BY, TENANT_LABEL: tenant}
        child = pulumi.ResourceOptions(parent=self)
        ns = KindResource(NAMESPACE, f"{name}-namespace", {"metadata": {
            "name": ns_name,
            "labels": {**labels, **fo.pod_security_labels(args.get("pod_security", "restricted"))}},
        }, opts=child)
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[ns])
        sa = KindResource(SERVICE_ACCOUNT, f"{name}-reconciler", {
            "metadata": {"name": account, "namespace": ns_name, "labels": labels},
        }, opts=in_ns)
        KindResource(ROLE_BINDING, f"{name}-reconciler-binding", {
            "metadata": {"name": f"{account}-{role}", "namespace": ns_name, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": ns_name}],
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=[sa]))
        self._harden(name, args, labels, in_ns)
        waits: list[pulumi.Resource] = [sa]
        self.public_key: pulumi.Output[str] | None = None
        secret_name = args.get("secret_name", DEFAULT_SECRET)
        credentials = _credentials(args)
        if credentials != "none":
            secret, self.public_key = self._key(name, args, credentials, secret_name, in_ns)
            waits.append(secret)
        variables = args.get("cluster_vars")
        in_ns_named = pulumi.ResourceOptions(parent=self, depends_on=[ns], delete_before_replace=True)
        if variables is not None:
            waits.append(cluster_vars_map(f"{name}-cluster-vars", ns_name, variables, in_ns_named))
        age_key = args.get("sops_age_key")
        if age_key is not None:
            waits.append(decryption_secret(f"{name}-sops-age", ns_name,
                                           args.get("sops_secret_name", SOPS_SECRET), age_key, in_ns_named))
        objects = list(args.get("flux_objects", ()))
        if "sync" in args:
            objects += sync_objects(tenant, ns_name, account, args["sync"],
                                    secret_name if credentials != "none" else None)
        for obj in objects:
            register(self, name, obj, waits)
        self.namespace = ns.output("metadata")["name"]
        self.service_account = sa.output("metadata")["name"]
        self.register_outputs({"namespace": self.namespace, "service_account": self.service_account,
                               "public_key": self.public_key})

    def _harden(self, name: str, args: TenantArgs, labels: dict[str, Any],
                opts: pulumi.ResourceOptions) -> None:
        ns_name = args["namespace"]
        quota = args.get("quota")
        if quota:
            KindResource(RESOURCE_QUOTA, f"{name}-quota", {
                "metadata": {"name": "tenant-quota", "namespace": ns_name, "labels": labels},
                "spec": {"hard": dict(quota)},
            }, opts=opts)
        no_settings: NetworkPolicyArgs = {}
        net = args.get("network_policy", no_settings)
        if net is not None:
            policy = fo.network_policy(ns_name, labels=labels, **net)
            KindResource(NETWORK_POLICY, f"{name}-network-policy",
                         {"metadata": policy["metadata"], "spec": policy["spec"]}, opts=opts)
        limits = args.get("limit_range", _default_limits(quota))
        if limits is not None:
            lr = fo.limit_range(ns_name, labels=labels,
                                default_request=limits.get("default_request", DEFAULT_REQUESTS),
                                default=limits.get("default", DEFAULT_LIMITS))
            KindResource(LIMIT_RANGE, f"{name}-limits", {"metadata": lr["metadata"], "spec": lr["spec"]},
                         opts=opts)

    def _key(self, name: str, args: TenantArgs, credentials: Credentials, secret_name: str,
             opts: pulumi.ResourceOptions) -> tuple[pulumi.Resource, pulumi.Output[str]]:
        from components.deploy_key import ALGORITHMS, DeployKey

        ns_name = args["namespace"]
        algorithm = args.get("deploy_key_algorithm", "ecdsa-p384")
        rotation = args.get("deploy_key_rotation", "1")
        if credentials == "github-deploy-key":
            repository = args.get("repository") or _github_repository(args)
            key = DeployKey(f"{name}-key", {
                "repository": repository, "namespace": ns_name, "secret_name": secret_name,
                "title": f"fluxform {args.get('cluster_name', 'cluster')} {args.get('tenant', ns_name)} "
                         f"{args.get('path', args.get('sync', {}).get('path', './'))}",
                "algorithm": algorithm, "rotation": rotation, "read_only": not args.get("writable", False),
            }, opts=opts)
            return key.secret, key.public_key
        known_hosts = args.get("known_hosts")
        if not known_hosts:
            raise ValueError(f"tenant {name}: an SSH key for a host other than GitHub needs known_hosts")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"tenant {name}: unknown algorithm {algorithm!r}")
        import pulumi_tls as tls

        from components.deploy_key import generation

        # As components/deploy_key.py: each generation of the key is its own PrivateKey (a new
        # one is created, the old one deleted after the update), and the Secret keeps its name
        # and takes the new key in place, with no replacement trigger (one would make the
        # engine replace it create-before-delete: AlreadyExists on the same-named Secret).
        gen = generation(rotation=rotation, algorithm=algorithm, read_only=True,
                         repository=ns_name, title=secret_name)
        key_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            replacement_trigger=rotation, aliases=[pulumi.Alias(name=f"{name}-key")]))
        private = tls.PrivateKey(f"{name}-key-{gen}", **ALGORITHMS[algorithm], opts=key_opts)
        secret = KindResource(SECRET, f"{name}-key-secret", {
            "metadata": {"name": secret_name, "namespace": ns_name, "labels": dict(MANAGED_BY)},
            "type": "Opaque",
            "stringData": {"identity": private.private_key_openssh,
                           "identity.pub": private.public_key_openssh, "known_hosts": known_hosts},
        }, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True)))
        return secret, private.public_key_openssh


def _default_limits(quota: Mapping[str, str] | None) -> LimitRangeArgs | None:
    """Default container requests/limits when the quota would otherwise refuse pods without them."""
    keys = set(quota or {})
    if any(k in ("cpu", "memory", "ephemeral-storage") or k.startswith(("requests.", "limits."))
           for k in keys):
        return {}
    return None


def _github_repository(args: TenantArgs) -> str:
    url = args.get("sync", {}).get("url", "")
    repository = url.removeprefix("ssh://git@github.com/").split("/")[-1].removesuffix(".git")
    if not repository:
        raise ValueError(f"tenant {args['namespace']}: a GitHub deploy key needs the repository")
    return repository
