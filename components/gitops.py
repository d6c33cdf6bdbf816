"""Register Flux object dicts (from components.flux_objects) as Kubernetes CustomResources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def register(parent: pulumi.Resource, prefix: str, obj: dict[str, Any],
             depends_on: Sequence[pulumi.Resource] = ()) -> k8s.apiextensions.CustomResource:
    """One CustomResource named `<prefix>-<kind>-<name>` (unique URN within the stack)."""
    meta = obj["metadata"]
    name = f"{prefix}-{obj['kind'].lower()}-{meta['name']}"
    return k8s.apiextensions.CustomResource(
        name,
        api_version=obj["apiVersion"],
        kind=obj["kind"],
        metadata=meta,
        spec=obj["spec"],
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


class FluxObjects(pulumi.ComponentResource):
    """A group of Flux objects (platform layers, Helm repositories and releases).

    Outputs: `names` — the `Kind/namespace/name` of every object registered.
    """

    def __init__(self, name: str, objects: Sequence[dict[str, Any]],
                 depends_on: Sequence[pulumi.Resource] = (),
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fluxform:index:FluxObjects", name, None, opts)
        for obj in objects:
            register(self, name, obj, depends_on)
        self.names = [f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}"
                      for o in objects]
        self.register_outputs({"names": self.names})
