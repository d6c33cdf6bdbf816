"""Which Flux a pinned chart installs, and which vendored CRDs describe it.

The spec pins the fluxcd-community `flux2` chart (`flux.chart_version`); the chart installs one
Flux release (its `appVersion`) and the CRDs in its templates. Objects are validated against
those CRDs, so the table below maps a chart version to the Flux version it installs and to the
vendored CRD set (fluxform/data/crds/flux-<set>/) equal to the CRDs it installs. Facts read from
fluxcd-community/helm-charts (charts/flux2/Chart.yaml and templates/*.crds.yaml at each tag):

- flux2-2.17.0 and 2.17.1 install Flux 2.7.2, 2.17.2 installs Flux 2.7.5; the CRD templates
  of the three tags are the same files (the six controllers' `*-controller.crds.yaml`: helm,
  kustomize, notification, source, image-reflector, image-automation), vendored as set 2.7.5.
  2.17.0 and 2.17.1 pin the image controllers v1.0.2, 2.17.2 v1.0.4; their CRD files are
  the same bytes in the three tags.
- flux2-2.18.3 installs Flux 2.8.5 (set 2.8.5; image controllers v1.1.1, whose two CRD files
  are byte-identical to 2.17.x's). 2.18.0 to 2.18.2 ship other CRD files and are not listed:
  vendor their CRDs first.
- No set has `signingKey.type` on ImageUpdateAutomation (SSH commit signing came with
  image-automation-controller v1.2): the spec refuses `signing_key_type: ssh` for them.

To support another chart version: `python scripts/refresh_crds.py SRC_DIR FLUX_VERSION` with
its CRDs, then add a row here (tests check every row has its CRD set).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fluxform.errors import SpecError
from fluxform.spec.model import Spec


@dataclass(frozen=True)
class ChartRelease:
    """What one fluxcd-community flux2 chart version installs."""

    flux: str
    """The Flux version (the chart's appVersion)."""
    crds: str
    """The vendored CRD set equal to the chart's CRDs (a directory flux-<crds>)."""


CHARTS: dict[str, ChartRelease] = {
    "2.17.0": ChartRelease(flux="2.7.2", crds="2.7.5"),
    "2.17.1": ChartRelease(flux="2.7.2", crds="2.7.5"),
    "2.17.2": ChartRelease(flux="2.7.5", crds="2.7.5"),
    "2.18.3": ChartRelease(flux="2.8.5", crds="2.8.5"),
}

DEFAULT_CRDS = "2.7.5"
"""The CRD set of the chart the example stacks pin (2.17.2)."""

CHART_FIELD = ("flux", "chart_version")


def chart_line(spec_path: str | Path | None, label: str) -> int | None:
    """The line of `flux.chart_version` in the spec file, when it can be read again."""
    if spec_path is None:
        return None
    from fluxform.spec.loader import MAX_BYTES, parse

    try:
        with open(spec_path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        return parse(raw, label).line(CHART_FIELD)
    except (OSError, SpecError):
        return None


def release_for(spec: Spec, spec_path: str | Path | None = None) -> ChartRelease:
    """The ChartRelease of the spec's pinned chart, or one SpecError naming the spec's line."""
    release = CHARTS.get(spec.flux.chart_version)
    if release is not None:
        return release
    known = ", ".join(sorted(CHARTS, key=lambda v: tuple(int(p) for p in v.split("."))))
    raise SpecError(
        spec.source_file, chart_line(spec_path, spec.source_file), ".".join(CHART_FIELD),
        f"fluxcd-community flux2 chart {spec.flux.chart_version}: fluxform has no Flux CRDs "
        "for it",
        f"known: {known}; or vendor its CRDs, see fluxform/fluxversions.py")
