"""Synthetic but realistic fleets, written as a Pulumi project with one or more stacks.

A fleet is N tenants, M platform layers and K Helm releases over a few chart repositories, plus
notification providers, alerts and receivers, in the spec format of stacks/dev.yaml. Registered
resources per item (delivery `pulumi`, see components/ and fluxform/manifests.py):

    tenant    10 or 11: Tenant component, Namespace, ServiceAccount, RoleBinding, ResourceQuota
              (most tenants), DeployKey component (TLS key, GitHub deploy key, Secret),
              GitRepository, Kustomization
    layer     1 Kustomization;  repository 1 HelmRepository;  release 1 HelmRelease
    provider  2 (Secret holding the address from a config secret, Provider);  alert 1
    receiver  3 (RandomBytes token, Secret, Receiver)

plus about 15 fixed ones (providers, Flux bootstrap). Everything varies the way real fleets do
(quotas, roles, key algorithms, intervals, layer and release dependencies, nested Helm
values), drawn from a seeded PRNG, so the same arguments always write the same bytes.

`drift=True` writes the *previous* state of the same fleet, for a pull-request-style plan:
about 1% of the tenants do not exist yet (creates), a few retired tenants still do (deletes),
about 2% of the releases run an older chart version and one layer another interval (updates),
and one tenant's deploy key has an older rotation marker (replacements).

    python bench/fleet.py DIR --size 1000 [--stack NAME] [--delivery git] [--drift]
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXED = 15
"""Resources every fleet registers whatever its size (providers, Flux bootstrap, components)."""
PER_TENANT = 10.8
"""Average registered resources per tenant (11 with a quota, 10 without; 80% have one)."""
MAX_SPEC_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Shape:
    """How many of each item a fleet has."""

    tenants: int
    layers: int
    releases: int
    repositories: int
    providers: int
    alerts: int
    receivers: int

    @property
    def expected(self) -> int:
        """Resources this shape should register (the benchmark reports the captured count)."""
        return round(FIXED + self.tenants * PER_TENANT + self.layers + self.releases
                     + self.repositories + 2 * self.providers + self.alerts + 3 * self.receivers)


def shape_for(target: int) -> Shape:
    """A shape of about `target` registered resources: tenants carry most of them, as in a
    multi-tenant platform; one release per ~20 resources, one layer per ~100."""
    releases = max(1, target // 20)
    repositories = max(1, releases // 25)
    layers = max(2, target // 100)
    providers = 1 + target // 2500
    alerts = 2 * providers
    receivers = 1 + target // 5000
    rest = (target - FIXED - releases - repositories - layers - 2 * providers - alerts
            - 3 * receivers)
    return Shape(max(1, round(rest / PER_TENANT)), layers, releases, repositories, providers,
                 alerts, receivers)


def _quota(rng: random.Random) -> dict[str, str] | None:
    if rng.random() >= 0.8:
        return None
    options = {"pods": str(rng.choice([10, 20, 50, 100])),
               "requests.cpu": str(rng.choice([1, 2, 4, 8])),
               "requests.memory": f"{rng.choice([1, 2, 4, 8, 16])}Gi",
               "limits.memory": f"{rng.choice([2, 4, 8, 16, 32])}Gi",
               "services.loadbalancers": str(rng.choice([0, 1, 2]))}
    keys = sorted(rng.sample(sorted(options), rng.randint(1, 4)))
    return {k: options[k] for k in keys}


def _tenant(rng: random.Random, name: str, env: str, layer_names: list[str],
            rotation: str = "1") -> dict[str, Any]:
    source: dict[str, Any] = {"owner": "acme", "repository": f"{name}-apps",
                              "path": f"./deploy/{env}",
                              "interval": rng.choice(["1m", "2m", "5m", "10m"])}
    if rng.random() < 0.4:
        source["deploy_key"] = {"algorithm": "ed25519", "rotation": rotation}
    elif rotation != "1":
        source["deploy_key"] = {"rotation": rotation}
    if rng.random() < 0.1:
        source["image_automation"] = True
        source["image_automation_branch"] = "image-updates"
    tenant: dict[str, Any] = {"name": name, "source": source,
                              "cluster_role": "admin" if rng.random() < 0.7 else "edit"}
    quota = _quota(rng)
    if quota:
        tenant["quota"] = quota
    tenant["depends_on"] = sorted(set(rng.sample(layer_names, min(len(layer_names),
                                                                  rng.randint(1, 2)))))
    if rng.random() < 0.1:
        tenant["annotations"] = {"fluxform.dev/owner": f"{name}@acme.example"}
    return tenant


def _values(rng: random.Random, i: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "replicaCount": rng.randint(1, 5),
        "image": {"repository": f"ghcr.io/acme/app-{i:05d}", "tag": f"v{rng.randint(1, 9)}."
                  f"{rng.randint(0, 30)}.{rng.randint(0, 9)}"},
        "resources": {"requests": {"cpu": f"{rng.choice([50, 100, 250, 500])}m",
                                   "memory": f"{rng.choice([64, 128, 256, 512])}Mi"}},
    }
    if rng.random() < 0.5:
        values["ingress"] = {"enabled": True, "className": "nginx",
                             "hosts": [{"host": f"app-{i:05d}.acme.example",
                                        "paths": [{"path": "/", "pathType": "Prefix"}]}]}
    if rng.random() < 0.3:
        values["env"] = [{"name": "LOG_LEVEL", "value": rng.choice(["info", "debug", "warn"])}]
    return values


def fleet_spec(shape: Shape, env: str = "bench", *, seed: int = 1, delivery: str = "pulumi",
               drift: bool = False) -> dict[str, Any]:
    """The spec document (a dict ready for YAML) of a fleet of `shape` in environment `env`."""
    rng = random.Random(f"{seed}-{env}")
    layer_names = [f"layer-{i:03d}" for i in range(shape.layers)]
    layers = []
    for i, name in enumerate(layer_names):
        layer: dict[str, Any] = {"name": name, "path": f"./infrastructure/{name}"}
        if i:
            deps = {layer_names[i - 1]}
            if i > 2 and rng.random() < 0.3:
                deps.add(layer_names[rng.randrange(i - 1)])
            layer["depends_on"] = sorted(deps)
        if rng.random() < 0.3:
            layer["interval"] = rng.choice(["5m", "15m", "30m"])
        layers.append(layer)
    if drift and layers:
        layers[len(layers) // 2]["interval"] = "1h"

    repos = []
    for i in range(shape.repositories):
        url = (f"oci://ghcr.io/acme/charts-{i:03d}" if i % 3 else
               f"https://charts-{i:03d}.acme.example")
        repos.append({"name": f"charts-{i:03d}", "url": url})
    releases = []
    for i in range(shape.releases):
        version = f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        if drift and i % 50 == 7:
            version = "0.9.0"
        release: dict[str, Any] = {
            "name": f"app-{i:05d}", "namespace": f"app-{i:05d}",
            "repository": repos[i % len(repos)]["name"], "chart": f"chart-{rng.randrange(40):02d}",
            "version": version, "values": _values(rng, i)}
        if i and rng.random() < 0.1:
            release["depends_on"] = [f"app-{rng.randrange(i):05d}"]
        if rng.random() < 0.2:
            release["interval"] = rng.choice(["5m", "30m", "1h"])
        releases.append(release)

    tenants = []
    deps_pool = layer_names[-3:] or layer_names
    for i in range(shape.tenants):
        trng = random.Random(f"{seed}-{env}-tenant-{i}")  # a tenant is the same in both states
        tenant = _tenant(trng, f"team-{i:05d}", env, deps_pool,
                         rotation="0" if drift and i == shape.tenants // 3 else "1")
        if drift and i % 100 == 42:
            continue  # added by the change under review
        tenants.append(tenant)
    if drift:
        for i in range(max(1, shape.tenants // 200)):
            tenants.append(_tenant(random.Random(f"{seed}-retired-{i}"), f"retired-{i:03d}", env,
                                   deps_pool))

    providers, alerts = [], []
    for i in range(shape.providers):
        kind = ["slack", "msteams", "discord"][i % 3]
        providers.append({"name": f"{kind}-{i:02d}", "type": kind, "channel": f"#flux-{env}-{i}",
                          "secret_config": f"webhook{i:02d}"})
    for i in range(shape.alerts):
        provider = providers[i % len(providers)]["name"]
        kinds = ["Kustomization", "HelmRelease", "GitRepository"][: 1 + i % 3]
        alerts.append({"name": f"alert-{i:02d}", "provider": provider,
                       "severity": "error" if i % 2 else "info",
                       "sources": [{"kind": k, "name": "*"} for k in kinds]})
    receivers = [{"name": f"push-{i:02d}", "type": "github", "events": ["ping", "push"],
                  "resources": [{"kind": "GitRepository", "name": "flux-system"}]}
                 for i in range(shape.receivers)]
    return {
        "version": 1,
        "cluster": {"name": f"{env}-cluster", "environment": env, "context": f"{env}-ctx"},
        "flux": {"chart_version": "2.17.2", "multitenant_lockdown": True, "delivery": delivery},
        "fleet": {"owner": "acme", "repository": "fleet", "path": f"./clusters/{env}"},
        "layers": layers,
        "helm": {"repositories": repos, "releases": releases},
        "tenants": tenants,
        "notifications": {"providers": providers, "alerts": alerts, "receivers": receivers},
    }


def stack_config(name: str, shape: Shape) -> dict[str, Any]:
    """Pulumi.<name>.yaml: the spec path, the cluster and owner, one secret per provider."""
    config: dict[str, Any] = {"fluxform:spec": f"stacks/{name}.yaml",
                              "fluxform:kubeContext": f"{name}-ctx",
                              "fluxform:githubOwner": "acme"}
    for i in range(shape.providers):
        config[f"fluxform:webhook{i:02d}"] = {"secure": f"v1:bench-{name}-{i}"}
    return {"config": config}


def make_project(dest: Path, stacks: dict[str, int], *, seed: int = 1, delivery: str = "pulumi",
                 drift: bool = False) -> Path:
    """A project at `dest` (Pulumi.yaml and the program copied from this repository) with one
    stack per `name -> target resource count`; the environment is the stack name."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Pulumi.yaml", dest / "Pulumi.yaml")
    (dest / "stacks").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "stacks" / "__main__.py", dest / "stacks" / "__main__.py")
    for name, target in stacks.items():
        shape = shape_for(target)
        spec = fleet_spec(shape, env=name, seed=seed, delivery=delivery, drift=drift)
        text = yaml.safe_dump(spec, sort_keys=False, width=120)
        if len(text.encode()) > MAX_SPEC_BYTES:
            raise ValueError(f"{name}: a {target}-resource spec is over the 1 MiB spec limit")
        (dest / "stacks" / f"{name}.yaml").write_text(text)
        (dest / f"Pulumi.{name}.yaml").write_text(
            yaml.safe_dump(stack_config(name, shape), sort_keys=False))
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--stack", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--delivery", choices=["pulumi", "git"], default="pulumi")
    parser.add_argument("--drift", action="store_true", help="write the previous state instead")
    args = parser.parse_args()
    make_project(args.dest, {args.stack: args.size}, seed=args.seed, delivery=args.delivery,
                 drift=args.drift)
    print(f"{args.dest}: stack {args.stack}, about {shape_for(args.size).expected} resources")


if __name__ == "__main__":
    main()
