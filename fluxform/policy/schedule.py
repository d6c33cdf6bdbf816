"""Scheduling rules: intervals, timeouts and retries, and the dependsOn graph."""

from __future__ import annotations

from fluxform.cycles import find_cycle
from fluxform.policy.model import Context, Hits, PolicyObject, absent, of, seconds, sub, text
from fluxform.policy.tenancy import RECONCILERS, SOURCES

MIN_INTERVAL = 60.0
MIN_RETRY = 10.0
Key = tuple[str, str]


def _too_often(o: PolicyObject, what: str) -> Hits:
    interval = o.spec.get("interval")
    sec = seconds(interval)
    if sec is not None and sec < MIN_INTERVAL:
        yield o.subject, f"{o.label} {what} every {interval} (under 1m)"


def source_interval(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF007: sources polling the Git/Helm host more than once a minute."""
    for o in of(objs, *SOURCES):
        yield from _too_often(o, "polls its source")


def reconcile_interval(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF008: Kustomizations/HelmReleases reconciling more than once a minute."""
    for o in of(objs, *RECONCILERS):
        yield from _too_often(o, "reconciles")


def _retries(o: PolicyObject) -> Hits:
    """Kustomizations retry on their own schedule; HelmReleases remediate a bounded number of times."""
    if o.kind == "Kustomization":
        retry = o.spec.get("retryInterval")
        sec = seconds(retry)
        if absent(o.props, "spec", "retryInterval"):
            yield o.subject, f"{o.label} sets no retryInterval (a failure waits a full interval)"
        elif sec is not None and sec < MIN_RETRY:
            yield o.subject, f"{o.label} retries every {retry} (under 10s)"
        return
    for phase in ("install", "upgrade"):
        retries = sub(o.spec, phase, "remediation", "retries")
        if absent(o.props, "spec", phase, "remediation", "retries") or retries == 0:
            yield o.subject, f"{o.label} sets no {phase} remediation retries (a failure stalls)"
        elif isinstance(retries, int) and not isinstance(retries, bool) and retries < 0:
            yield o.subject, f"{o.label} {phase} remediation retries forever ({retries})"


def timeouts(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF009: timeout longer than the interval; retries missing, hammering or never ending."""
    for o in of(objs, *RECONCILERS, *SOURCES):
        interval, timeout = seconds(o.spec.get("interval")), seconds(o.spec.get("timeout"))
        if interval and timeout and timeout > interval:
            yield o.subject, (f"{o.label} timeout {o.spec['timeout']} is longer than its interval "
                              f"{o.spec['interval']}")
        if o.kind in RECONCILERS:
            yield from _retries(o)


def depends_on(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF010: dependsOn edges to objects that do not exist, and cycles (per kind)."""
    for kind in RECONCILERS:
        nodes: dict[Key, PolicyObject] = {}
        for o in of(objs, kind):
            nodes.setdefault((o.namespace, o.name), o)
        edges: dict[Key, list[Key]] = {}
        for key, o in nodes.items():
            raw = o.spec.get("dependsOn")
            deps = raw if isinstance(raw, list) else []
            edges[key] = [(text(sub(d, "namespace")) or key[0], text(sub(d, "name")) or "")
                          for d in deps if text(sub(d, "name"))]
        for key in sorted(edges):
            for dep in edges[key]:
                if dep not in nodes:
                    yield nodes[key].subject, (f"{nodes[key].label} depends on {kind} "
                                               f"{dep[0]}/{dep[1]}, which does not exist")
        cycle = find_cycle({k: edges[k] for k in sorted(edges)})
        if cycle:
            path = " -> ".join(f"{ns}/{name}" for ns, name in cycle)
            yield nodes[cycle[0]].subject, f"{kind} dependsOn cycle: {path}"
