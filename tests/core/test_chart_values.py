"""Every value fluxform sets on the flux2 chart is one the chart's templates read.

Helm ignores a values key no template reads, so a misspelt or renamed key (for example
`kustomizeController.serviceAccount.annotations`, which carries the KMS workload identity)
would install Flux without the setting and no error anywhere. tests/core/data/
flux2-chart-values.json lists the `.Values` paths the templates of each supported chart version
reference (written by scripts/chart_values_read.py from fluxcd-community/helm-charts, tags
flux2-<version>, charts/flux2/templates/).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from components.bootstrap import flux_chart_values
from fluxform.fluxversions import CHARTS
from tests.conftest import ROOT

READ: dict[str, list[str]] = json.loads(
    (ROOT / "tests" / "core" / "data" / "flux2-chart-values.json").read_text())["charts"]
# Values fluxform hands over whole: the chart renders them with toYaml / range.
WHOLE = ("annotations", "additionalArgs")
KMS = {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/flux-sops"}


def leaf_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and key not in WHOLE:
            yield from leaf_paths(value, path + ".")
        else:
            yield path


def every_values() -> Iterator[dict[str, Any]]:
    for image, netpol, lockdown, kms in itertools.product((False, True), repeat=4):
        yield flux_chart_values(image_automation=image, network_policy=netpol, lockdown=lockdown,
                                kms_annotations=KMS if kms else None)


def test_the_table_covers_every_supported_chart() -> None:
    assert sorted(READ) == sorted(CHARTS)


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_value_set_is_read_by_the_chart(chart: str) -> None:
    read = set(READ[chart])
    set_paths = {path for values in every_values() for path in leaf_paths(values)}
    assert "kustomizeController.serviceAccount.annotations" in set_paths
    assert {path for path in set_paths if path not in read} == set()


def test_a_misspelt_key_would_be_caught() -> None:
    read = set(READ["2.17.2"])
    misspelt = {"kustomizeController": {"serviceAcount": {"annotations": KMS}},
                "imageReflectorController": {"create": True}}
    assert sorted(p for p in leaf_paths(misspelt) if p not in read) == [
        "imageReflectorController.create", "kustomizeController.serviceAcount.annotations"]
