"""Scenario pairs built from the example stacks: (before, after) graphs for golden plans."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from conftest import ROOT

from fluxform.capture import capture
from fluxform.graph import Graph
from fluxform.program import StackSettings, build
from fluxform.project import load_stack, placeholder
from fluxform.spec import load_spec
from fluxform.spec.model import GitSource, Spec, Tenant

Config = dict[str, str]
Mutation = Callable[[Spec, Config], tuple[Spec, Config]]
SECRET_KEY = "fluxform:slackWebhookUrl"


def base(stack: str) -> tuple[Spec, Config]:
    """The stack's spec and its whole config (Pulumi.<stack>.yaml, secrets as placeholders),
    with the Slack address's placeholder fixed for the scenarios that change it."""
    spec = load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")
    config = dict(load_stack(ROOT, stack).config)
    return spec, {**config, SECRET_KEY: placeholder(f"v1:{stack}-ciphertext-1")}


def graph_of(spec: Spec, config: Config, stack: str) -> Graph:
    settings = StackSettings(spec.cluster.context, None, "acme")

    def program() -> None:
        build(spec, settings)

    secrets = sorted({SECRET_KEY, *load_stack(ROOT, stack).secret_keys})
    return capture(program, project="fluxform", stack=stack, config=config, secret_keys=secrets)


def add_tenant(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    team = Tenant(name="team-c", source=GitSource(owner="acme", repository="team-c-apps",
                                                 path="./deploy/prod"), depends_on=("infra-configs",))
    return dataclasses.replace(spec, tenants=(*spec.tenants, team)), cfg


def remove_tenant(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    return dataclasses.replace(spec, tenants=spec.tenants[:1]), cfg


def bump_chart(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    releases = tuple(dataclasses.replace(r, version="6.8.0") if r.name == "podinfo" else r
                     for r in spec.helm_releases)
    return dataclasses.replace(spec, helm_releases=releases), cfg


def rotate_key(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    key = dataclasses.replace(spec.fleet.deploy_key, rotation="2027-01")
    return dataclasses.replace(spec, fleet=dataclasses.replace(spec.fleet, deploy_key=key)), cfg


def rename_release_namespace(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    releases = tuple(dataclasses.replace(r, namespace="web") if r.name == "podinfo" else r
                     for r in spec.helm_releases)
    return dataclasses.replace(spec, helm_releases=releases), cfg


def rename_tenant(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    renamed = dataclasses.replace(spec.tenants[1], name="team-blue")
    return dataclasses.replace(spec, tenants=(spec.tenants[0], renamed)), cfg


def reorder_lists(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    n = spec.notifications
    alerts = tuple(dataclasses.replace(a, sources=tuple(reversed(a.sources))) for a in n.alerts)
    receivers = tuple(dataclasses.replace(r, events=tuple(reversed(r.events))) for r in n.receivers)
    return dataclasses.replace(spec, notifications=dataclasses.replace(
        n, alerts=alerts, receivers=receivers)), cfg


def change_secret(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    return spec, {**cfg, SECRET_KEY: placeholder(f"v1:{spec.cluster.environment}-ciphertext-2")}


def prune_off_then_suspend(spec: Spec, cfg: Config) -> tuple[Spec, Config]:
    layers = tuple(dataclasses.replace(layer, suspend=True, annotations=(
        ("fluxform.io/suspend-reason", "incident"), ("fluxform.io/suspended-by", "oncall")))
        if layer.name == "infra-configs" else layer for layer in spec.layers)
    return dataclasses.replace(spec, layers=layers), cfg


SCENARIOS: dict[str, tuple[str, Mutation]] = {
    "add-tenant": ("prod", add_tenant),
    "remove-tenant": ("prod", remove_tenant),
    "bump-chart-version": ("prod", bump_chart),
    "rotate-deploy-key": ("dev", rotate_key),
    "rename-release-namespace": ("prod", rename_release_namespace),
    "rename-tenant": ("dev", rename_tenant),
    "reorder-lists": ("prod", reorder_lists),
    "change-secret": ("dev", change_secret),
    "suspend-layer": ("prod", prune_off_then_suspend),
}


def scenario(name: str) -> tuple[Graph, Graph]:
    stack, mutation = SCENARIOS[name]
    spec, cfg = base(stack)
    after_spec, after_cfg = mutation(spec, cfg)
    return graph_of(spec, cfg, stack), graph_of(after_spec, after_cfg, stack)
