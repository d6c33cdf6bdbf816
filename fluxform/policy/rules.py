"""The rule registry: one row per rule. The functions live in modules by theme.

Columns: id, title, default severity, production severity, why (description), fix (hint),
check. Severity is per rule and per stack (`policy.severities` in the spec offline, the
policy config's enforcement level online). docs/policy.md mirrors this table; a test keeps
the two in step.
"""

from __future__ import annotations

from fluxform.policy.credentials import (
    deploy_key_read_only,
    image_automation_branch,
    plain_credentials,
    receiver_auth,
    token_length,
)
from fluxform.policy.gitops import (
    decryption_keys,
    exact_charts,
    floating_charts,
    https_helm,
    ownership,
    suspension,
    verify_commits,
    verify_oci,
)
from fluxform.policy.model import Rule
from fluxform.policy.schedule import depends_on, reconcile_interval, source_interval, timeouts
from fluxform.policy.tenancy import (
    cluster_admin,
    cluster_role_binding,
    container_defaults,
    cross_namespace,
    network_isolation,
    pod_security,
    pod_security_level,
    service_account,
)
from fluxform.policy.versions import api_versions

RULES: tuple[Rule, ...] = (
    Rule("FF001", "tenant reconcilers impersonate a service account", "error", "error",
         "without it the controller applies the tenant's manifests with its own cluster-wide "
         "rights; impersonation confines them to what the tenant's RoleBinding allows",
         "set spec.serviceAccountName to the tenant's reconciler account", service_account),
    Rule("FF002", "no ClusterRoleBinding for tenants", "error", "error",
         "a ClusterRoleBinding grants a tenant rights in every namespace, the boundary "
         "multi-tenancy rests on",
         "bind with a RoleBinding in the tenant's namespace", cluster_role_binding),
    Rule("FF003", "no tenant bound to cluster-admin", "error", "error",
         "cluster-admin lets a tenant rewrite RBAC, read every Secret and take over Flux",
         "bind the admin or edit ClusterRole with a namespaced RoleBinding", cluster_admin),
    Rule("FF004", "no cross-namespace references from tenant objects", "error", "error",
         "a reference into another namespace reads another team's source or credentials; "
         "the lockdown flag --no-cross-namespace-refs rejects it only at reconcile time",
         "keep the tenant's sources, secrets and targets in its own namespace", cross_namespace),
    Rule("FF005", "chart versions never float (`*`, unset, ranges; chartRef: the OCIRepository's ref)",
         "error", "error",
         "a floating version lets an upstream chart release change the cluster without a "
         "commit: no review, no diff, no rollback point",
         "pin an exact chart version such as 1.2.3 (a chartRef release: its OCIRepository's "
         "tag or digest)", floating_charts),
    Rule("FF006", "chart versions are exact x.y.z", "warning", "error",
         "partial versions (`1.2`) and operators (`=1.2.3`) read like pins but are not all "
         "pins; production keeps Git history equal to deploy history",
         "pin an exact semver version such as 1.2.3", exact_charts),
    Rule("FF007", "source intervals of at least 1m", "error", "error",
         "every poll is a clone or index download against the host's rate limit; once it is "
         "throttled no source in the cluster updates (an error: it hurts every tenant)",
         "poll at 1m or slower; use a Receiver for fast feedback", source_interval),
    Rule("FF008", "reconcile intervals of at least 1m", "warning", "warning",
         "reconciling faster than sources change only costs controller CPU and API-server "
         "writes (managedFields bloat); drift is still corrected at the interval",
         "reconcile at 1m or slower", reconcile_interval),
    Rule("FF009", "timeouts within the interval, retries present and bounded", "warning",
         "warning",
         "a timeout past the interval stacks runs; no retry leaves a failure waiting a whole "
         "interval (or a Helm install stalled); a retry under 10s or endless remediation "
         "hammers the API server and hides the failure",
         "keep timeout <= interval; set retryInterval >= 10s on Kustomizations and "
         "install/upgrade remediation retries >= 1 on HelmReleases", timeouts),
    Rule("FF010", "dependsOn is acyclic and resolves", "error", "error",
         "an object on a cycle, or depending on a missing object, waits forever without "
         "failing",
         "remove the cycle or point dependsOn at an existing object", depends_on),
    Rule("FF011", "receivers authenticate", "error", "error",
         "an unauthenticated webhook lets anyone who learns the URL trigger reconciliations",
         "use generic-hmac or a provider type (github, gitlab...) with a secretRef", receiver_auth),
    Rule("FF012", "tokens of at least 32 bytes", "error", "error",
         "the receiver's token signs payloads and derives its URL; a short one is guessable",
         "generate the token from at least 32 random bytes", token_length),
    Rule("FF013", "deploy keys read-only unless image automation writes", "error", "error",
         "a read-write key in the cluster lets whoever reads that Secret push to the "
         "repository Flux trusts; only image automation needs to write",
         "set read_only, or enable image_automation for that repository", deploy_key_read_only),
    Rule("FF014", "image automation never pushes to the production branch", "warning", "error",
         "a push to the synced branch deploys an image update to production unreviewed",
         "set image_automation_branch to a branch other than the synced one and merge by "
         "pull request", image_automation_branch),
    Rule("FF015", "one owner per object: Pulumi or Flux from Git", "error", "error",
         "two appliers revert each other's changes, and deleting from one side leaves the "
         "object to the other (or prunes it unexpectedly)",
         "manage the object in one delivery only (flux.delivery)", ownership),
    Rule("FF016", "suspensions carry an owner and a reason", "error", "error",
         "a suspended object silently stops reconciling; without an owner and a reason no "
         "one knows whether resuming is safe, and drift piles up",
         "annotate fluxform.io/suspended-by and fluxform.io/suspend-reason (spec: annotations)",
         suspension),
    Rule("FF017", "production Git sources verify commit signatures", "warning", "warning",
         "without verification anyone who can push to the branch, or a compromised Git host, "
         "deploys to production",
         "set verify_signatures and verify_secret on the source (spec.verify, mode HEAD)",
         verify_commits),
    Rule("FF018", "production Helm repositories prefer OCI", "warning", "warning",
         "an HTTPS index is downloaded whole on every interval and its charts cannot be "
         "signature-verified; OCI charts can (cosign, notation)",
         "serve the chart from an oci:// repository and verify it", https_helm),
    Rule("FF019", "only current Flux API versions", "error", "error",
         "older versions (v1beta1/2, v2beta1/2) are removed from Flux 2.8 on: a current "
         "cluster rejects the object",
         "move to the current API version (source v1, kustomize v1, helm v2, "
         "notification v1beta3, Receiver v1, image v1)", api_versions),
    Rule("FF020", "no credentials in Helm values or URLs", "error", "error",
         "Helm values and URLs are plain text in the plan, the Pulumi state, the rendered "
         "fleet repository and the cluster's HelmRelease objects; a password or token there "
         "is readable by everyone who can read any of them",
         "put the credential in a Secret and reference it: spec.valuesFrom (kind: Secret) on "
         "the HelmRelease, the chart's existingSecret, or secretRef on sources and providers",
         plain_credentials),
    Rule("FF021", "tenant namespaces enforce Pod Security", "error", "error",
         "without an enforce label the cluster default (usually privileged) applies: a tenant "
         "with admin in its namespace can run privileged, hostPath or host-network pods",
         "label the namespace pod-security.kubernetes.io/enforce (spec: tenants[].pod_security)",
         pod_security),
    Rule("FF022", "tenant Pod Security is restricted", "warning", "warning",
         "baseline and privileged admit pods that run as root or escalate privileges; an "
         "exception should be visible in every plan",
         "enforce restricted, or keep the exception deliberate (severity off per stack)",
         pod_security_level),
    Rule("FF023", "tenant namespaces deny network traffic by default", "warning", "error",
         "without a default-deny NetworkPolicy any pod in the cluster reaches the tenant's "
         "pods, and the tenant's pods reach everything",
         "keep tenants[].network_policy enabled (default-deny, traffic inside the namespace "
         "allowed)", network_isolation),
    Rule("FF024", "quota-constrained tenant namespaces give containers defaults", "error",
         "error",
         "a ResourceQuota on requests or limits refuses every pod that does not state them; "
         "a LimitRange with defaults lets the tenant's pods be admitted",
         "add a LimitRange with defaultRequest/default (created with the tenant when the quota "
         "constrains requests or limits)", container_defaults),
    Rule("FF025", "SOPS decryption keys never in Git or plain values", "error", "error",
         "whoever holds the age private key decrypts every Secret of the cluster from Git; in "
         "the fleet repository, a Helm value or a plain input it is readable by everyone who "
         "reads those",
         "keep the key a secret stack config value (sops.age_key_config); fluxform provisions "
         "the Secret, and only the public recipients go to Git (.sops.yaml)", decryption_keys),
    Rule("FF026", "production OCI sources verify signatures", "error", "error",
         "an unverified artifact is whatever was last pushed to the registry tag: a leaked "
         "registry credential deploys to production",
         "set verify_signatures with verify_identities (keyless cosign) or verify_secret",
         verify_oci),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
