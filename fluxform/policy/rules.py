"""The production rules of Flux, each a small function over PolicyObjects. Listed in RULES."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fluxform.cycles import find_cycle
from fluxform.policy.model import Context, PolicyObject, Rule

Hits = Iterator[tuple[str, str]]
RECONCILERS = ("Kustomization", "HelmRelease")
SOURCES = ("GitRepository", "HelmRepository", "OCIRepository", "Bucket", "HelmChart")
CURRENT_API = {
    "GitRepository": "source.toolkit.fluxcd.io/v1", "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1", "Bucket": "source.toolkit.fluxcd.io/v1",
    "HelmChart": "source.toolkit.fluxcd.io/v1", "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2", "Provider": "notification.toolkit.fluxcd.io/v1beta3",
    "Alert": "notification.toolkit.fluxcd.io/v1beta3", "Receiver": "notification.toolkit.fluxcd.io/v1",
}
FLUX_GROUPS = {v.split("/")[0] for v in CURRENT_API.values()}
EXACT = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
OPEN_RANGE = re.compile(r"(^\*$)|[*xX](\.|$)|>|\^|~|\|\||^\s*$")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
SUSPEND_ANNOTATIONS = ("fluxform.io/suspended-by", "fluxform.io/suspend-reason")
MIN_TOKEN_BYTES = 32


def seconds(duration: object) -> float | None:
    if not isinstance(duration, str) or not duration:
        return None
    parts = DURATION_PART.findall(duration)
    if "".join(a + b for a, b in parts) != duration:
        return None
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def _of(objs: list[PolicyObject], *kinds: str) -> Iterator[PolicyObject]:
    return (o for o in objs if o.kind in kinds and o.type.startswith("kubernetes:"))


def service_account(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, *RECONCILERS):
        if o.is_tenant and not o.spec.get("serviceAccountName"):
            yield o.subject, f"tenant {o.kind} {o.namespace}/{o.name} has no serviceAccountName"


def cluster_role_binding(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, "ClusterRoleBinding"):
        subjects = o.props.get("subjects") or []
        if any(isinstance(s, dict) and s.get("namespace") not in (None, "", "flux-system")
               for s in subjects):
            yield o.subject, f"ClusterRoleBinding {o.name} grants a tenant cluster-wide rights"


def cluster_admin(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, "RoleBinding", "ClusterRoleBinding"):
        ref = o.props.get("roleRef") or {}
        if isinstance(ref, dict) and ref.get("name") == "cluster-admin" and (
                o.is_tenant or o.kind == "ClusterRoleBinding"):
            yield o.subject, f"{o.kind} {o.namespace}/{o.name} binds cluster-admin"


def cross_namespace(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in objs:
        if not o.is_tenant or o.kind not in (*RECONCILERS, *SOURCES, "Alert", "Receiver"):
            continue
        spec = o.spec
        refs = [spec.get("sourceRef"), (spec.get("chart") or {}).get("spec", {}).get("sourceRef")
                if isinstance(spec.get("chart"), dict) else None, spec.get("secretRef"),
                spec.get("kubeConfig", {}).get("secretRef")
                if isinstance(spec.get("kubeConfig"), dict) else None]
        for ref in refs:
            if isinstance(ref, dict) and ref.get("namespace") not in (None, "", o.namespace):
                yield o.subject, (f"tenant {o.kind} {o.namespace}/{o.name} references "
                                  f"{ref.get('name')} in namespace {ref.get('namespace')}")
        if spec.get("kubeConfig"):
            yield o.subject, f"tenant {o.kind} {o.namespace}/{o.name} uses a kubeConfig"


def _chart_version(o: PolicyObject) -> str:
    chart = o.spec.get("chart")
    spec = chart.get("spec") if isinstance(chart, dict) else None
    return str(spec.get("version", "")) if isinstance(spec, dict) else ""


def floating_chart(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, "HelmRelease"):
        version = _chart_version(o)
        if not version or OPEN_RANGE.search(version):
            yield o.subject, f"HelmRelease {o.namespace}/{o.name} floats (version {version or 'unset'!r})"


def exact_chart(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, "HelmRelease"):
        version = _chart_version(o)
        if version and not OPEN_RANGE.search(version) and not EXACT.match(version):
            yield o.subject, f"HelmRelease {o.namespace}/{o.name} pins no exact version ({version!r})"


def source_interval(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, *SOURCES):
        sec = seconds(o.spec.get("interval"))
        if sec is not None and sec < 60:
            yield o.subject, f"{o.kind} {o.namespace}/{o.name} polls every {o.spec['interval']} (< 1m)"


def reconcile_interval(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, *RECONCILERS):
        sec = seconds(o.spec.get("interval"))
        if sec is not None and sec < 60:
            yield o.subject, f"{o.kind} {o.namespace}/{o.name} reconciles every {o.spec['interval']} (< 1m)"


def timeouts(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, *RECONCILERS):
        interval, timeout = seconds(o.spec.get("interval")), seconds(o.spec.get("timeout"))
        if interval and timeout and timeout > interval:
            yield o.subject, f"{o.kind} {o.namespace}/{o.name} timeout exceeds its interval"
        if o.kind == "Kustomization" and o.spec.get("retryInterval") is None:
            yield o.subject, f"Kustomization {o.namespace}/{o.name} sets no retryInterval"


def depends_on(objs: list[PolicyObject], ctx: Context) -> Hits:
    for kind in RECONCILERS:
        nodes = {(o.namespace, o.name): o for o in _of(objs, kind)}
        edges: dict[tuple[str, str], list[tuple[str, str]]] = {
            key: [(str(d.get("namespace") or key[0]), str(d.get("name")))
                  for d in (o.spec.get("dependsOn") or []) if isinstance(d, dict)]
            for key, o in nodes.items()}
        for key, deps in sorted(edges.items()):
            for dep in deps:
                if dep not in nodes:
                    yield nodes[key].subject, f"{kind} {key[0]}/{key[1]} depends on missing {dep[0]}/{dep[1]}"
        cycle = find_cycle(edges)
        if cycle:
            yield nodes[cycle[0]].subject, f"{kind} dependsOn cycle: " + " -> ".join(n for _, n in cycle)


def receiver_auth(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, "Receiver"):
        if o.spec.get("type") == "generic":
            yield o.subject, f"Receiver {o.namespace}/{o.name} is type generic (unauthenticated)"
        if not o.spec.get("secretRef"):
            yield o.subject, f"Receiver {o.namespace}/{o.name} has no secretRef token"


def token_length(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in objs:
        if o.type in ("random:index/randomBytes:RandomBytes", "random:index/randomPassword:RandomPassword"):
            length = o.props.get("length")
            if isinstance(length, int) and length < MIN_TOKEN_BYTES:
                yield o.subject, f"token {o.subject.split('::')[-1]} is {length} bytes (< {MIN_TOKEN_BYTES})"


def deploy_key_read_only(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in objs:
        deploy_key = o.type == "github:index/repositoryDeployKey:RepositoryDeployKey"
        if deploy_key and o.props.get("readOnly") is False:
            repo = str(o.props.get("repository"))
            if repo not in ctx.writable_repositories:
                yield o.subject, f"deploy key for {repo} is read-write but nothing pushes to it"


def image_automation_branch(objs: list[PolicyObject], ctx: Context) -> Hits:
    if not ctx.production:
        return
    for ia in ctx.image_automation:
        if ia.push_branch in (None, ia.branch):
            yield ia.repository, f"image automation pushes to {ia.repository}'s production branch {ia.branch}"


def ownership(objs: list[PolicyObject], ctx: Context) -> Hits:
    owned = {o.identity for o in objs if o.origin == "pulumi" and o.name}
    for o in objs:
        if o.origin == "rendered" and o.identity in owned:
            yield o.subject, f"{o.kind} {o.namespace}/{o.name} is applied by both Pulumi and Flux"


def suspension(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in _of(objs, *RECONCILERS, *SOURCES):
        if o.spec.get("suspend") is True:
            notes = (o.props.get("metadata") or {}).get("annotations") or {}
            if not all(notes.get(a) for a in SUSPEND_ANNOTATIONS):
                yield o.subject, f"{o.kind} {o.namespace}/{o.name} is suspended without owner and reason"


def verify_commits(objs: list[PolicyObject], ctx: Context) -> Hits:
    if ctx.production:
        for o in _of(objs, "GitRepository"):
            if not o.spec.get("verify"):
                yield o.subject, f"GitRepository {o.namespace}/{o.name} does not verify commit signatures"


def https_helm(objs: list[PolicyObject], ctx: Context) -> Hits:
    if ctx.production:
        for o in _of(objs, "HelmRepository"):
            if o.spec.get("type") != "oci":
                yield o.subject, f"HelmRepository {o.namespace}/{o.name} is plain HTTPS, not OCI"


def api_versions(objs: list[PolicyObject], ctx: Context) -> Hits:
    for o in objs:
        group = o.api_version.split("/")[0]
        if group in FLUX_GROUPS and CURRENT_API.get(o.kind) not in (None, o.api_version):
            yield o.subject, (f"{o.kind} {o.namespace}/{o.name} uses {o.api_version}, "
                              f"not {CURRENT_API[o.kind]}")


RULES: tuple[Rule, ...] = (
    Rule("FF001", "tenant reconcilers impersonate a service account", "error", "error",
         "set spec.serviceAccountName to the tenant's reconciler", service_account),
    Rule("FF002", "no ClusterRoleBinding for tenants", "error", "error",
         "use a RoleBinding in the tenant namespace", cluster_role_binding),
    Rule("FF003", "no binding to cluster-admin", "error", "error",
         "bind admin or edit inside the namespace", cluster_admin),
    Rule("FF004", "no cross-namespace references from tenant objects", "error", "error",
         "keep sources and secrets in the tenant's own namespace", cross_namespace),
    Rule("FF005", "chart versions never float", "error", "error",
         "pin an exact version such as 1.2.3", floating_chart),
    Rule("FF006", "exact chart versions", "warning", "error",
         "pin an exact semver version", exact_chart),
    Rule("FF007", "source intervals of at least 1m", "error", "error",
         "poll at 1m or more; use a Receiver for fast feedback", source_interval),
    Rule("FF008", "reconcile intervals of at least 1m", "warning", "warning",
         "reconcile at 1m or more", reconcile_interval),
    Rule("FF009", "sensible timeouts and retries", "warning", "warning",
         "timeout <= interval; set retryInterval", timeouts),
    Rule("FF010", "dependsOn is acyclic and resolves", "error", "error",
         "remove the cycle or the dangling edge", depends_on),
    Rule("FF011", "receivers authenticate", "error", "error",
         "use a provider type with a secretRef, or generic-hmac", receiver_auth),
    Rule("FF012", "receiver tokens of at least 32 bytes", "error", "error",
         "generate at least 32 random bytes", token_length),
    Rule("FF013", "deploy keys read-only unless image automation writes", "error", "error",
         "set read_only, or enable image_automation for that repository", deploy_key_read_only),
    Rule("FF014", "image automation never pushes to the production branch", "warning", "error",
         "set image_automation_branch to a separate branch", image_automation_branch),
    Rule("FF015", "one owner per object (Pulumi or Flux from Git)", "error", "error",
         "pick one delivery for the object", ownership),
    Rule("FF016", "suspensions carry an owner and a reason", "error", "error",
         "annotate fluxform.io/suspended-by and fluxform.io/suspend-reason", suspension),
    Rule("FF017", "production Git sources verify commit signatures", "warning", "warning",
         "set verify_signatures and verify_secret", verify_commits),
    Rule("FF018", "production Helm repositories use OCI", "warning", "warning",
         "prefer an oci:// repository with verification", https_helm),
    Rule("FF019", "only current Flux API versions", "error", "error",
         "move to the current API version", api_versions),
)
