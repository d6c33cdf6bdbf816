"""Synthetic but realistic fleets: a project directory with one or more generated stacks.

A fleet has N tenants (each ~11 resources: namespace, service account, role binding, quota,
deploy key with key/GitHub key/Secret, GitRepository, Kustomization), M platform layers, K Helm
releases over a few repositories, plus providers, alerts and a receiver. Deterministic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PER_TENANT = 11


def fleet_spec(tenants: int, layers: int, releases: int, env: str = "bench") -> dict[str, object]:
    layer_names = [f"layer-{i:03d}" for i in range(layers)]
    repos = [f"charts-{i}" for i in range(max(1, releases // 20 + 1))]
    return {
        "version": 1,
        "cluster": {"name": f"{env}-cluster", "environment": env, "context": f"{env}-ctx"},
        "flux": {"chart_version": "2.17.2", "multitenant_lockdown": True},
        "fleet": {"owner": "acme", "repository": "fleet", "path": f"./clusters/{env}"},
        "layers": [{"name": n, "path": f"./infrastructure/{n}",
                    "depends_on": [layer_names[i - 1]] if i else []}
                   for i, n in enumerate(layer_names)],
        "helm": {
            "repositories": [{"name": r, "url": f"oci://ghcr.io/acme/{r}"} for r in repos],
            "releases": [{"name": f"app-{i:04d}", "namespace": f"app-{i:04d}",
                          "repository": repos[i % len(repos)], "chart": f"chart-{i % 7}",
                          "version": f"1.{i % 10}.{i % 3}",
                          "values": {"replicaCount": 1 + i % 3, "image": {"tag": f"v{i}"}}}
                         for i in range(releases)],
        },
        "tenants": [{"name": f"team-{i:04d}",
                     "source": {"owner": "acme", "repository": f"team-{i:04d}-apps",
                                "path": f"./deploy/{env}"},
                     "depends_on": layer_names[-1:], "quota": {"pods": str(10 + i % 50)}}
                    for i in range(tenants)],
        "notifications": {
            "providers": [{"name": "slack", "type": "slack", "channel": "#alerts",
                           "secret_config": "slackWebhookUrl"}],
            "alerts": [{"name": "all", "provider": "slack", "severity": "error",
                        "sources": [{"kind": "Kustomization", "name": "*"}]}],
            "receivers": [{"name": "push", "type": "github", "events": ["push"],
                           "resources": [{"kind": "GitRepository", "name": "flux-system"}]}],
        },
    }


def sized(target: int) -> tuple[int, int, int]:
    """(tenants, layers, releases) for about `target` registered resources."""
    releases = max(1, target // 20)
    layers = max(2, target // 100)
    tenants = max(1, (target - releases - layers - 20) // PER_TENANT)
    return tenants, layers, releases


def make_project(dest: Path, stacks: dict[str, int]) -> Path:
    """A project at `dest` with one stack per name -> target resource count."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Pulumi.yaml", dest / "Pulumi.yaml")
    (dest / "stacks").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "stacks" / "__main__.py", dest / "stacks" / "__main__.py")
    for name, target in stacks.items():
        tenants, layers, releases = sized(target)
        spec = fleet_spec(tenants, layers, releases, env=name)
        (dest / "stacks" / f"{name}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
        config = {"config": {
            "fluxform:spec": f"stacks/{name}.yaml", "fluxform:kubeContext": f"{name}-ctx",
            "fluxform:githubOwner": "acme",
            "fluxform:slackWebhookUrl": {"secure": f"v1:bench-{name}"}}}
        (dest / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return dest
