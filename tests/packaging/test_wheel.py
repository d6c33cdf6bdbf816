"""The published package: `python -m build` gives an sdist and a wheel that `twine check`
accepts, that carry the vendored CRDs, the JSON Schema and the policy pack, and whose wheel,
installed into an empty venv, plans the example project.

Offline by construction: the build runs without isolation (the setuptools at hand), and the
fresh venv gets the wheel with `--no-deps --no-index`; its dependencies (pulumi...) come from
this test run's own site-packages through a path entry, whose .pth files (the editable install
of this checkout) are not processed, so the venv can only import fluxform from the wheel.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.packaging

SKIP = {".git", ".venv", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", "build",
        "dist", "__pycache__", "out"}


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """sdist and wheel built from a copy of the source (the checkout stays untouched); the wheel
    is built from the sdist, as `python -m build` does, so the sdist must be complete."""
    base = tmp_path_factory.mktemp("packaging")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=lambda d, names: [
        n for n in names if n in SKIP or n.endswith(".egg-info")])
    out = base / "dist"
    run(sys.executable, "-m", "build", "--no-isolation", "--skip-dependency-check",
        "--outdir", out, src)
    yield out


def only(directory: Path, pattern: str) -> Path:
    (path,) = sorted(directory.glob(pattern))
    return path


def test_twine_accepts_both(dist: Path) -> None:
    proc = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()))
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_the_wheel_carries_the_crds_and_the_sdist_the_schema_and_pack(dist: Path) -> None:
    wheel = set(zipfile.ZipFile(only(dist, "*.whl")).namelist())
    for crd_set in ["2.7.5", "2.8.5"]:
        assert f"fluxform/data/crds/flux-{crd_set}/PROVENANCE.md" in wheel
        assert f"fluxform/data/crds/flux-{crd_set}/kustomizations.kustomize.toolkit.fluxcd.io.json" in wheel
    assert {"fluxform/data/crds/NOTICE", "fluxform/py.typed", "components/py.typed",
            "fluxform/policy/rules.py", "fluxform/policy/crossguard.py"} <= wheel
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"schema/fluxform-spec.schema.json", "policy-pack/__main__.py",
            "policy-pack/PulumiPolicy.yaml", "policy-pack/requirements.txt",
            "scripts/refresh_crds.py", "fluxform/data/crds/NOTICE"} <= names


def test_the_wheel_in_an_empty_venv_plans_the_example_project(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
                   .stdout.strip())
    # This run's site-packages as a plain path entry, after the venv's own.
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--quiet", only(dist, "*.whl"))
    where = run(python, "-c", "import fluxform, components; print(fluxform.__file__); "
                "print(components.__file__)", cwd=tmp_path).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where

    project = tmp_path / "project"
    project.mkdir()
    for name in ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]:
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "stacks", project / "stacks",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLUXFORM_CRDS_DIR")}
    fluxform = venv / "bin" / "fluxform"
    assert run(fluxform, "validate", "stacks/dev.yaml", cwd=project, env=env).stdout == (
        "ok: stacks/dev.yaml\n")
    plan = run(fluxform, "plan", "--stack", "dev", "--no-color", cwd=project, env=env).stdout
    assert "fluxform:index:FluxBootstrap" in plan or "FluxBootstrap" in plan, plan[:2000]
