"""The rule registry: one row per rule. The functions live in modules by theme.

Severity is per rule (`severity` by default, `prod_severity` when the stack is production)
and per stack (`policy.severities` in the spec, or CrossGuard's enforcement level online).
"""

from __future__ import annotations

from fluxform.policy.credentials import (
    deploy_key_read_only,
    image_automation_branch,
    receiver_auth,
    token_length,
)
from fluxform.policy.gitops import https_helm, ownership, suspension, verify_commits
from fluxform.policy.model import Rule
from fluxform.policy.schedule import depends_on, reconcile_interval, source_interval, timeouts
from fluxform.policy.tenancy import (
    cluster_admin,
    cluster_role_binding,
    cross_namespace,
    service_account,
)
from fluxform.policy.versions import api_versions, exact_chart, floating_chart

RULES: tuple[Rule, ...] = (
    Rule("FF001", "tenant reconcilers impersonate a service account", "error", "error",
         "set spec.serviceAccountName to the tenant's reconciler account", service_account),
    Rule("FF002", "no ClusterRoleBinding for tenants", "error", "error",
         "bind with a RoleBinding in the tenant's namespace", cluster_role_binding),
    Rule("FF003", "no tenant bound to cluster-admin", "error", "error",
         "bind the admin or edit ClusterRole with a namespaced RoleBinding", cluster_admin),
    Rule("FF004", "no cross-namespace references from tenant objects", "error", "error",
         "keep the tenant's sources and secrets in its own namespace", cross_namespace),
    Rule("FF005", "chart versions never float (`*`, unset, ranges)", "error", "error",
         "pin an exact chart version such as 1.2.3", floating_chart),
    Rule("FF006", "chart versions are exact x.y.z", "warning", "error",
         "pin an exact semver version such as 1.2.3", exact_chart),
    Rule("FF007", "source intervals of at least 1m", "error", "error",
         "poll at 1m or slower; use a Receiver for fast feedback", source_interval),
    Rule("FF008", "reconcile intervals of at least 1m", "warning", "warning",
         "reconcile at 1m or slower", reconcile_interval),
    Rule("FF009", "timeout within the interval, bounded retries", "warning", "warning",
         "keep timeout <= interval, retryInterval >= 10s, remediation retries >= 0", timeouts),
    Rule("FF010", "dependsOn is acyclic and resolves", "error", "error",
         "remove the cycle or point dependsOn at an existing object", depends_on),
    Rule("FF011", "receivers authenticate", "error", "error",
         "use generic-hmac or a provider type (github, gitlab...) with a secretRef", receiver_auth),
    Rule("FF012", "tokens of at least 32 bytes", "error", "error",
         "generate the token from at least 32 random bytes", token_length),
    Rule("FF013", "deploy keys read-only unless image automation writes", "error", "error",
         "set read_only, or enable image_automation for that repository", deploy_key_read_only),
    Rule("FF014", "image automation never pushes to the production branch", "warning", "error",
         "set image_automation_branch to a branch other than the synced one",
         image_automation_branch),
    Rule("FF015", "one owner per object: Pulumi or Flux from Git", "error", "error",
         "manage the object in one delivery only", ownership),
    Rule("FF016", "suspensions carry an owner and a reason", "error", "error",
         "annotate fluxform.io/suspended-by and fluxform.io/suspend-reason", suspension),
    Rule("FF017", "production Git sources verify commit signatures", "warning", "warning",
         "set spec.verify (verify_signatures and a verify secret in the spec)", verify_commits),
    Rule("FF018", "production Helm repositories prefer OCI", "warning", "warning",
         "serve the chart from an oci:// repository with verification", https_helm),
    Rule("FF019", "only current Flux API versions", "error", "error",
         "move to the current API version (source v1, kustomize v1, helm v2, "
         "notification v1beta3, Receiver v1)", api_versions),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
