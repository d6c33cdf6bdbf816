"""One owner per object, and no secret in the tree, proven on the real program of each stack.

Each case copies the project with the example specs switched to the delivery mode, captures
the stack's own program (stacks/__main__.py with Pulumi.<stack>.yaml) under the recording
mock engine, and renders the same spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from render_cases import CASES, IDS, MODES, copy_project

from fluxform.capture import PlanMocks
from fluxform.graph import Graph
from fluxform.manifests import bootstrap_objects, gitops_objects
from fluxform.project import load_stack
from fluxform.render import render_tree, write_tree
from fluxform.render.tree import Identity, identity
from fluxform.spec.model import Spec
from fluxform.stackrun import capture_config

FLUX_GROUP = ".toolkit.fluxcd.io"
CLUSTER_LAYER = {"Namespace", "Secret", "ServiceAccount", "RoleBinding", "ResourceQuota"}
SIG_KEY = "4dabf18193072939515e22adb298388d"  # the SDK's marker key for a wrapped secret


def strings(value: Any) -> Iterator[str]:
    """Every string leaf of a deserialized input (secret wrappers looked through)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != SIG_KEY:
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


class CanaryMocks(PlanMocks):
    """Gives every key and random token a recognizable value, and notes what Secrets hold."""

    def __init__(self) -> None:
        self.canaries: set[str] = set()
        self.in_secrets: set[str] = set()

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        id_, state = super().new_resource(args)
        if args.typ.startswith("tls:"):
            for key in ("privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"):
                state[key] = f"CANARY-{key}-{args.name}"
            state["publicKeyOpenssh"] = f"ssh-ed25519 PUBLIC-{args.name}"
        elif args.typ.startswith("random:"):
            for key in ("hex", "base64"):
                state[key] = f"CANARY-{key}-{args.name}"
        self.canaries |= {v for k, v in state.items()
                          if isinstance(v, str) and v.startswith("CANARY-")}
        if args.typ == "kubernetes:core/v1:Secret":
            for section in ("stringData", "data"):
                self.in_secrets |= set(strings(args.inputs.get(section)))
        return id_, state


class Case:
    """One stack in one delivery mode: its spec, captured program, mocks and rendered tree."""

    def __init__(self, project: Path, stack: str) -> None:
        self.config = load_stack(project, stack)
        self.spec: Spec = self.config.load_spec()
        self.mocks = CanaryMocks()
        self.graph: Graph = capture_config(self.config, self.mocks)
        self.files = render_tree(self.spec, self.config.spec_label)

    def registered(self) -> list[Identity]:
        return [r.k8s_identity for r in self.graph if r.k8s_identity]

    def rendered(self) -> list[dict[str, Any]]:
        return [yaml.safe_load(c) for p, c in self.files.items()
                if not p.endswith(("/kustomization.yaml", "/.sops.yaml"))]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Case]:
    projects = {m: copy_project(tmp_path_factory.mktemp(f"project-{m}"), delivery=m) for m in MODES}
    return {(s, m): Case(projects[m], s) for s, m in CASES}


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_every_object_has_exactly_one_owner(stack: str, mode: str,
                                            cases: dict[tuple[str, str], Case]) -> None:
    case = cases[(stack, mode)]
    assert case.spec.flux.delivery == mode
    registered = case.registered()
    assert len(registered) == len(set(registered)), "Pulumi registers an object twice"
    pulumi_side = set(registered)
    pulumi_flux = {i for r in case.graph if (i := r.k8s_identity) and FLUX_GROUP in r.type}
    git_side = [identity(o) for o in case.rendered()]
    assert len(git_side) == len(set(git_side))
    gitops = {identity(o) for o in gitops_objects(case.spec)}
    bootstrap = {identity(o) for o in bootstrap_objects(case.spec)}

    assert pulumi_side.isdisjoint(git_side), "an object is both applied by Pulumi and in Git"
    assert pulumi_flux | set(git_side) == gitops | bootstrap, "an object has no owner"
    if mode == "git":
        assert set(git_side) == gitops and pulumi_flux == bootstrap
    else:
        assert git_side == [] and pulumi_flux == gitops | bootstrap
    # The cluster layer is Pulumi's in both modes, and none of it is ever rendered.
    assert {kind for kind, _, _ in pulumi_side} >= CLUSTER_LAYER
    assert not CLUSTER_LAYER & {kind for kind, _, _ in git_side}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_moving_an_object_to_git_does_not_change_it(stack: str,
                                                    cases: dict[tuple[str, str], Case]) -> None:
    applied = {r.k8s_identity: r.inputs for r in cases[(stack, "pulumi")].graph
               if r.k8s_identity and FLUX_GROUP in r.type}
    for obj in cases[(stack, "git")].rendered():
        assert obj == applied[identity(obj)], identity(obj)


@pytest.mark.parametrize("stack, mode", CASES, ids=IDS)
def test_no_secret_value_the_program_knows_is_in_the_tree(
        stack: str, mode: str, cases: dict[tuple[str, str], Case], tmp_path: Path) -> None:
    case = cases[(stack, mode)]
    config_secrets = {case.config.config[k] for k in case.config.secret_keys}
    assert config_secrets and case.mocks.canaries
    # The canaries really reached the program's Secrets: the scan below is not vacuous.
    used = {c for c in case.mocks.canaries if c.startswith(("CANARY-privateKeyOpenssh-", "CANARY-hex-"))}
    assert len(used) == len(case.spec.tenants) + 1 + len(case.spec.notifications.receivers)
    assert config_secrets | used <= case.mocks.in_secrets
    assert "CANARY" not in case.graph.to_json()  # and the graph redacted them
    known = {v for v in config_secrets | case.mocks.canaries | case.mocks.in_secrets if len(v) >= 8}

    write_tree(case.files, tmp_path, spec_name=case.config.spec_label)
    written = [p for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    assert len(written) == len(case.files) + 1  # the tree and its manifest
    for path in written:
        content = path.read_bytes()
        for value in known:
            assert value.encode() not in content, f"{path.name} holds a secret value"
        assert b"kind: Secret" not in content
        # .sops.yaml names the fields sops encrypts (encrypted_regex: ^(data|stringData)$).
        assert b"stringData" not in content or path.name == ".sops.yaml"
    for obj in case.rendered():
        assert obj["kind"] != "Secret" and "data" not in obj
