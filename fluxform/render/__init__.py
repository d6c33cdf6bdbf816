"""`fluxform render`: the Flux side of the boundary, written into the fleet repository.

Under the fleet path the root Kustomization syncs (`fleet.path`, e.g. clusters/dev/):

    kustomization.yaml                     lists the subdirectories below; `resources: []`
                                           with `flux.delivery: pulumi`
    layers/kustomization-<layer>.yaml      platform-layer Kustomizations      (git delivery)
    helm/helmrepository-<name>.yaml        HelmRepositories and HelmReleases  (git delivery)
    helm/helmrelease-<name>.yaml
    notifications/<kind>-<name>.yaml       Provider, Alert, Receiver          (git delivery)
    tenants/<tenant>/gitrepository-<tenant>.yaml   a tenant's onboarding     (git delivery)
    tenants/<tenant>/kustomization-<tenant>.yaml

each directory with its own kustomization.yaml, plus `.fluxform-render.json` at the top of
the output directory. Secrets are never rendered. docs/render.md has the full story:
ownership, the atomicity guarantee and `--check` in CI.
"""

from fluxform.render.manifest import MANIFEST
from fluxform.render.tree import fleet_dir, render_tree
from fluxform.render.write import check_tree, write_tree

__all__ = ["MANIFEST", "check_tree", "fleet_dir", "render_tree", "write_tree"]
