"""Build the frozen model from a checked document (validate.py's result, defaults filled in).

Only shapes change here: lists become tuples, free mappings become sorted pairs, Helm values
become canonical JSON, and `helm`/`notifications` fold into Spec's fields. Every value has
already been checked, so nothing here can fail on user input.
"""

from __future__ import annotations

import json
from typing import Any

from fluxform.spec import model


def canonical_json(value: object) -> str:
    """Sorted keys, no spaces, non-ASCII kept: equal values always give the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _pairs(mapping: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(mapping.items()))


def _identities(items: list[dict[str, Any]]) -> tuple[model.OidcIdentity, ...]:
    return tuple(model.OidcIdentity(**i) for i in items)


def _source(d: dict[str, Any]) -> model.GitSource:
    oci = d["oci"]
    return model.GitSource(**{
        **d, "owner": d["owner"] or "", "repository": d["repository"] or "",
        "deploy_key": model.DeployKey(**d["deploy_key"]),
        "oci": model.OciSource(**{**oci, "interval": d["interval"], "timeout": d["timeout"],
                                  "verify_identities": _identities(oci["verify_identities"])})
        if oci is not None else None})


def _helm_repository(d: dict[str, Any]) -> dict[str, Any]:
    """A Helm repository mapping as the model's fields (identities as a tuple)."""
    return {**d, "verify_identities": _identities(d["verify_identities"])}


def _refs(items: list[dict[str, Any]]) -> tuple[model.EventSource, ...]:
    return tuple(model.EventSource(**item) for item in items)


_KUSTOMIZE_KEYS = ("health_checks", "patches", "components", "cluster_vars", "substitute", "decryption")


def _kustomize(d: dict[str, Any]) -> dict[str, Any]:
    """The fields layers and tenants share, as the model holds them."""
    def target(t: dict[str, Any] | None) -> model.PatchTarget | None:
        return model.PatchTarget(**t) if t is not None else None

    return dict(
        health_checks=tuple(model.HealthCheck(**h) for h in d["health_checks"]),
        patches=tuple(model.Patch(patch=p["patch"], target=target(p["target"])) for p in d["patches"]),
        components=tuple(d["components"]), cluster_vars=d["cluster_vars"],
        substitute=_pairs(d["substitute"]),
        decryption=model.Decryption(**d["decryption"]) if d["decryption"] is not None else None)


def _oci(d: dict[str, Any] | None) -> model.OciSource | None:
    if d is None:
        return None
    return model.OciSource(**{**d, "verify_identities": tuple(
        model.OidcIdentity(**i) for i in d["verify_identities"])})


def _layer(d: dict[str, Any]) -> model.Layer:
    rest = {k: v for k, v in d.items() if k not in _KUSTOMIZE_KEYS}
    return model.Layer(**{**rest, "depends_on": tuple(d["depends_on"]),
                          "annotations": _pairs(d["annotations"]), "source": _oci(d["source"]),
                          **_kustomize(d)})


def _release_fields(d: dict[str, Any]) -> dict[str, Any]:
    """A release mapping as the model's fields (values as canonical JSON, tuples for lists)."""
    return {**{k: v for k, v in d.items() if k != "values"},
            "values_json": canonical_json(d["values"]), "depends_on": tuple(d["depends_on"]),
            "annotations": _pairs(d["annotations"])}


def _release(d: dict[str, Any]) -> model.HelmRelease:
    return model.HelmRelease(**_release_fields(d))


def _tenant_source(d: dict[str, Any]) -> model.TenantSource:
    return model.TenantSource(**{
        **d, "owner": d["owner"] or "", "repository": d["repository"] or "",
        "deploy_key": model.DeployKey(**d["deploy_key"]),
        "verify_identities": tuple(model.OidcIdentity(**i) for i in d["verify_identities"]),
    })


def _tenant(d: dict[str, Any]) -> model.Tenant:
    net, limits, helm = d["network_policy"], d["limit_range"], d["helm"]
    rest = {k: v for k, v in d.items() if k != "helm" and k not in _KUSTOMIZE_KEYS}
    return model.Tenant(**{
        **rest, **_kustomize(d), "source": _tenant_source(d["source"]), "depends_on": tuple(d["depends_on"]),
        "quota": model.Quota(hard=_pairs(d["quota"])) if d["quota"] is not None else None,
        "annotations": _pairs(d["annotations"]),
        "network_policy": model.NetworkPolicy(**{
            **net, "ingress_from_namespaces": tuple(net["ingress_from_namespaces"])}),
        "limit_range": model.LimitRange(default_request=_pairs(limits["default_request"]),
                                        default=_pairs(limits["default"])),
        "helm_repositories": tuple(model.TenantHelmRepository(**_helm_repository(r))
                                  for r in helm["repositories"]),
        "helm_releases": tuple(model.TenantHelmRelease(**_release_fields(r))
                               for r in helm["releases"]),
    })


def _notifications(d: dict[str, Any]) -> model.Notifications:
    return model.Notifications(
        providers=tuple(model.NotificationProvider(**p) for p in d["providers"]),
        alerts=tuple(model.Alert(**{**a, "sources": _refs(a["sources"])}) for a in d["alerts"]),
        receivers=tuple(
            model.Receiver(**{**r, "events": tuple(r["events"]), "resources": _refs(r["resources"])})
            for r in d["receivers"]),
    )


def spec(d: dict[str, Any], source_file: str) -> model.Spec:
    """The Spec for a checked document read from `source_file`."""
    return model.Spec(
        source_file=source_file,
        cluster=model.Cluster(**d["cluster"]),
        flux=model.Flux(**d["flux"]),
        fleet=_source(d["fleet"]),
        sync=model.Sync(**d["sync"]),
        layers=tuple(_layer(layer) for layer in d["layers"]),
        helm_repositories=tuple(model.HelmRepository(**_helm_repository(r))
                                for r in d["helm"]["repositories"]),
        helm_releases=tuple(_release(r) for r in d["helm"]["releases"]),
        tenants=tuple(_tenant(t) for t in d["tenants"]),
        notifications=_notifications(d["notifications"]),
        policy=model.PolicySettings(severities=_pairs(d["policy"]["severities"])),  # type: ignore[arg-type]
        cluster_vars=_cluster_vars(d["cluster_vars"]),
        sops=_sops(d["sops"]),
        image_automation=_images(d["image_automation"]),
    )


def _images(d: dict[str, Any] | None) -> model.ImageAutomation | None:
    if d is None:
        return None
    return model.ImageAutomation(
        repositories=tuple(model.ImageRepository(**r) for r in d["repositories"]),
        policies=tuple(model.ImagePolicy(**p) for p in d["policies"]),
        update=model.ImageUpdate(**d["update"]))


def _cluster_vars(d: dict[str, Any] | None) -> model.ClusterVars | None:
    if d is None:
        return None
    return model.ClusterVars(region=d["region"], domain=d["domain"], ingress_class=d["ingress_class"],
                             values=_pairs(d["values"]), from_config=_pairs(d["from_config"]))


def _sops(d: dict[str, Any] | None) -> model.Sops | None:
    if d is None:
        return None
    kms = d["kms_annotations"]
    return model.Sops(age_recipients=tuple(d["age_recipients"]), age_key_config=d["age_key_config"],
                      kms_annotations=_pairs(kms) if kms is not None else None)
