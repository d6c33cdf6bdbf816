"""What each command's process loads: the fixed cost every plan and render pays.

Structural checks, not timings: a plan must not load the generated provider classes the kinds
table replaces, and rendering or validating a spec must not load the Pulumi SDK at all.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

import components

GENERATED = ("pulumi_github", "pulumi_kubernetes.core", "pulumi_kubernetes.rbac",
             "pulumi_kubernetes.helm", "requests")
LOADED = ("import json, sys, types\n"
          "loaded = [m for m, mod in sys.modules.items() if type(mod) is types.ModuleType]\n"
          "print(json.dumps([result, loaded]))\n")


def loaded_after(code: str) -> tuple[object, list[str]]:
    """Run `code` (which sets `result`) in a fresh interpreter; the modules really loaded
    (pulumi packages leave lazy placeholders in sys.modules for subpackages never loaded)."""
    proc = subprocess.run([sys.executable, "-c", code + "\n" + LOADED], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    result, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, loaded


def test_a_plan_never_loads_the_generated_classes_the_table_replaces() -> None:
    count, loaded = loaded_after("from fluxform.stackrun import capture_stack\n"
                                 f"result = len(capture_stack({str(ROOT)!r}, 'prod'))")
    assert count == len((ROOT / "tests/program/golden/prod.txt").read_text().splitlines())
    assert "pulumi_kubernetes.apiextensions.CustomResource" in loaded
    assert [m for m in loaded if m.startswith(GENERATED)] == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rendering_and_validating_never_load_the_pulumi_sdk(stack: str) -> None:
    files, loaded = loaded_after(
        "from fluxform.project import load_stack\n"
        "from fluxform.render import render_tree\n"
        f"config = load_stack({str(ROOT)!r}, {stack!r})\n"
        "result = len(render_tree(config.load_spec(), config.spec_label))")
    assert isinstance(files, int) and files > 0
    assert "components.flux_objects" in loaded
    assert [m for m in loaded if m == "pulumi" or m.startswith(("pulumi.", "pulumi_"))] == []


def test_components_exports_every_component_lazily() -> None:
    assert sorted(components.__all__) == sorted(components._HOME)
    assert set(components.__all__) <= set(dir(components))
    for name in components.__all__:
        value = getattr(components, name)
        assert value.__name__ == name and value.__module__.startswith("components.")
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = components.Nope  # type: ignore[attr-defined]
