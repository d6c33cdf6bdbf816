"""The rendered tree itself: golden files, `kubectl kustomize` builds, CRD-valid, stable bytes."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, UPDATE
from render_cases import CASES, GOLDEN, IDS, label, spec_for, tree

from fluxform.crds import validate_object
from fluxform.errors import RenderError
from fluxform.manifests import gitops_objects
from fluxform.render import render_tree, write_tree
from fluxform.render.tree import KUSTOMIZE_API, header, identity

KUBECTL = shutil.which("kubectl")


def objects(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The Kubernetes objects of a tree (every file but the kustomization.yaml files)."""
    docs = [yaml.safe_load(c) for p, c in files.items()
            if not p.endswith(("/kustomization.yaml", "/.sops.yaml"))]
    return [d for d in docs if d]


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_golden_tree(stack: str, mode: str) -> None:
    files = tree(stack, mode)
    golden = GOLDEN / f"{stack}-{mode}"
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        for rel, content in files.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(content)
    if not golden.is_dir():
        pytest.fail(f"golden tree {golden} is missing (run with FLUXFORM_UPDATE_GOLDEN=1)")
    on_disk = {str(p.relative_to(golden)): p.read_bytes()
               for p in sorted(golden.rglob("*")) if p.is_file()}
    assert sorted(on_disk) == sorted(files), "file list differs (FLUXFORM_UPDATE_GOLDEN=1 refreshes)"
    for rel, content in files.items():
        assert on_disk[rel] == content, f"{rel} differs from the golden tree"


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_layout(stack: str, mode: str) -> None:
    files = tree(stack, mode)
    root = f"clusters/{stack}"
    assert spec_for(stack, mode).fleet.path == f"./{root}"
    if mode == "pulumi":
        # Pulumi owns every Flux object: the root Kustomization gets an empty, valid build.
        assert list(files) == [f"{root}/.sops.yaml", f"{root}/kustomization.yaml"]
        assert yaml.safe_load(files[f"{root}/kustomization.yaml"])["resources"] == []
        return
    spec = spec_for(stack, mode)
    top = yaml.safe_load(files[f"{root}/kustomization.yaml"])
    assert top == {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization",
                   "resources": ["helm", *(["images"] if spec.image_automation else []), "layers",
                                 "notifications", "tenants"]}
    tenants = yaml.safe_load(files[f"{root}/tenants/kustomization.yaml"])["resources"]
    assert tenants == sorted(t.name for t in spec.tenants)
    for t in spec.tenants:
        kinds = {yaml.safe_load(c)["kind"] for p, c in files.items()
                 if p.startswith(f"{root}/tenants/{t.name}/") and not p.endswith("/kustomization.yaml")}
        assert kinds == {"GitRepository", "Kustomization"}
    for rel in files:
        assert rel.startswith(f"{root}/")
        directory = rel.rsplit("/", 1)[0]
        assert f"{directory}/kustomization.yaml" in files, f"{directory} has no kustomization.yaml"
    for sub in ("layers", "helm", "notifications", *(("images",) if spec.image_automation else ())):
        listed = yaml.safe_load(files[f"{root}/{sub}/kustomization.yaml"])["resources"]
        assert listed == sorted(p.rsplit("/", 1)[1] for p in files
                                if p.startswith(f"{root}/{sub}/") and not p.endswith("/kustomization.yaml"))


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (CI has it; the machine image ships it)")
@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_kubectl_kustomize_builds_the_tree(stack: str, mode: str, tmp_path: Path) -> None:
    files = tree(stack, mode)
    write_tree(files, tmp_path)
    proc = subprocess.run([str(KUBECTL), "kustomize", str(tmp_path / "clusters" / stack)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = [d for d in yaml.safe_load_all(proc.stdout) if d]
    expected = gitops_objects(spec_for(stack, mode)) if mode == "git" else []
    assert len(built) == len(expected)
    assert sorted(map(identity, built)) == sorted(map(identity, expected))
    for obj in built:
        assert validate_object(obj) == [], identity(obj)


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_every_rendered_object_validates_against_the_flux_crds(stack: str, mode: str) -> None:
    files = tree(stack, mode)
    for obj in objects(files):
        assert obj["apiVersion"].split("/")[0].endswith(".toolkit.fluxcd.io")
        assert validate_object(obj) == [], identity(obj)
    if mode == "git":
        assert len(objects(files)) == len(gitops_objects(spec_for(stack, mode)))


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_files_have_the_header_and_a_stable_key_order(stack: str, mode: str) -> None:
    for rel, content in tree(stack, mode).items():
        text = content.decode()
        assert text.startswith(header(label(stack))), rel
        if rel.endswith("/.sops.yaml"):
            continue
        assert "---" not in text and "{" not in text and "&id" not in text, rel  # block style, one doc
        doc = yaml.safe_load(content)
        keys = list(doc)
        assert keys[:2] == ["apiVersion", "kind"], rel
        if "metadata" in doc:
            assert keys[2:4] == ["metadata", "spec"], rel
            assert list(doc["spec"]) == sorted(doc["spec"]), rel


def test_render_is_byte_identical_across_runs_and_hash_seeds() -> None:
    assert tree("prod", "git") == tree("prod", "git")
    script = ("import sys, hashlib, dataclasses; sys.path.insert(0, 'tests/render'); "
              "sys.path.insert(0, 'tests'); from render_cases import tree; "
              "f = tree('prod', 'git'); "
              "print(hashlib.sha256(b''.join(k.encode() + v for k, v in f.items())).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, text=True,
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}
                              ).stdout for seed in ("1", "2")}
    assert len(digests) == 1


def test_a_secret_is_never_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    leaked = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flux-system",
              "namespace": "flux-system"}, "stringData": {"identity": "PRIVATE"}}
    monkeypatch.setattr("fluxform.render.tree.gitops_objects", lambda spec: [*gitops_objects(spec), leaked])
    with pytest.raises(RenderError, match="refusing to render Secret flux-system"):
        tree("dev", "git")


def test_an_unplaced_kind_is_an_error_not_a_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "Bucket",
           "metadata": {"name": "x", "namespace": "flux-system"}, "spec": {}}
    monkeypatch.setattr("fluxform.render.tree.gitops_objects", lambda spec: [odd])
    with pytest.raises(RenderError, match="no place in the rendered layout for kind Bucket"):
        tree("dev", "git")


def test_fleet_path_at_the_repository_root_and_multiline_values() -> None:
    spec = spec_for("dev", "git")
    values = {"config": "line one\nline two\n", "plain": "x"}
    release = dataclasses.replace(spec.helm_releases[0], values_json=json.dumps(values, sort_keys=True))
    spec = dataclasses.replace(spec, fleet=dataclasses.replace(spec.fleet, path="./"),
                               helm_releases=(release,))
    files = render_tree(spec, "stacks/dev.yaml")
    assert "kustomization.yaml" in files and "helm/helmrelease-podinfo.yaml" in files
    text = files["helm/helmrelease-podinfo.yaml"].decode()
    assert "config: |\n" in text
    assert yaml.safe_load(text)["spec"]["values"]["config"] == "line one\nline two\n"


@pytest.mark.parametrize("path", ["/abs/clusters", "./../outside", "clusters\\dev"])
def test_a_fleet_path_outside_the_repository_is_refused(path: str) -> None:
    spec = spec_for("dev", "git")
    spec = dataclasses.replace(spec, fleet=dataclasses.replace(spec.fleet, path=path))
    with pytest.raises(RenderError, match=r"fleet\.path"):
        render_tree(spec, "stacks/dev.yaml")
