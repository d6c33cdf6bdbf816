"""A tenant: its namespace, reconciler identity, RBAC, quota, deploy key and Flux sync.

Least privilege: the reconciler ServiceAccount is bound with a RoleBinding (never a
ClusterRoleBinding) to a ClusterRole inside the tenant's namespace only; `cluster-admin` is
refused. The tenant's Kustomization runs as that ServiceAccount and targets the namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from components.deploy_key import DeployKey
from components.flux_objects import MANAGED_BY
from components.gitops import register
from components.kinds import NAMESPACE, RESOURCE_QUOTA, ROLE_BINDING, SERVICE_ACCOUNT, KindResource

TENANT_LABEL = "toolkit.fluxcd.io/tenant"


class TenantArgs(TypedDict):
    namespace: str
    """Tenant namespace (also the tenant's name)."""
    cluster_name: str
    """Cluster name, for the deploy key title."""
    repository: str
    """The tenant's GitHub repository (owner from the github provider)."""
    path: str
    """Path in the tenant repository (part of the deploy key title)."""
    cluster_role: str
    """ClusterRole bound inside the namespace (default `admin`)."""
    service_account: str
    """Name of the reconciler ServiceAccount."""
    secret_name: str
    """Name of the Git credentials Secret in the namespace."""
    deploy_key_algorithm: str
    """ecdsa-p384 or ed25519."""
    deploy_key_rotation: str
    """Rotation trigger for the tenant's deploy key."""
    writable: bool
    """Image automation pushes to the tenant repository (key read-write)."""
    quota: NotRequired[Mapping[str, str] | None]
    """ResourceQuota spec.hard; none when omitted."""
    flux_objects: NotRequired[Sequence[dict[str, Any]]]
    """The tenant's GitRepository and Kustomization; empty when Flux applies them from Git."""


class Tenant(pulumi.ComponentResource):
    """Outputs: `namespace`, `service_account`, `public_key`."""

    def __init__(self, name: str, args: TenantArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:Tenant", name, None, opts)
        if args["cluster_role"] == "cluster-admin":
            raise ValueError(f"tenant {name}: binding to cluster-admin is not allowed")
        ns_name = args["namespace"]
        labels: dict[str, Any] = {**MANAGED_BY, TENANT_LABEL: ns_name}
        child = pulumi.ResourceOptions(parent=self)
        ns = KindResource(NAMESPACE, f"{name}-namespace",
                          {"metadata": {"name": ns_name, "labels": labels}}, opts=child)
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[ns])
        sa = KindResource(SERVICE_ACCOUNT, f"{name}-reconciler", {
            "metadata": {"name": args["service_account"], "namespace": ns_name, "labels": labels},
        }, opts=in_ns)
        KindResource(ROLE_BINDING, f"{name}-reconciler-binding", {
            "metadata": {"name": f"{args['service_account']}-{args['cluster_role']}",
                         "namespace": ns_name, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": args["cluster_role"]},
            "subjects": [{"kind": "ServiceAccount", "name": args["service_account"],
                          "namespace": ns_name}],
        }, opts=pulumi.ResourceOptions(parent=self, depends_on=[sa]))
        if args.get("quota"):
            KindResource(RESOURCE_QUOTA, f"{name}-quota", {
                "metadata": {"name": "tenant-quota", "namespace": ns_name, "labels": labels},
                "spec": {"hard": dict(args["quota"] or {})},
            }, opts=in_ns)
        key = DeployKey(
            f"{name}-key",
            {"repository": args["repository"], "namespace": ns_name,
             "secret_name": args["secret_name"],
             "title": f"fluxform {args['cluster_name']} {ns_name} {args['path']}",
             "algorithm": args["deploy_key_algorithm"], "rotation": args["deploy_key_rotation"],
             "read_only": not args["writable"]},
            opts=in_ns)
        for obj in args.get("flux_objects", ()):
            register(self, name, obj, [key.secret, sa])
        self.namespace = ns.output("metadata")["name"]
        self.service_account = sa.output("metadata")["name"]
        self.public_key = key.public_key
        self.register_outputs({"namespace": self.namespace, "service_account": self.service_account,
                               "public_key": self.public_key})
