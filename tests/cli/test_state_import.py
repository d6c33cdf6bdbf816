"""`--state`: a `pulumi stack export` as the baseline, secrets never carried over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import assert_one_line_error, fluxform_here
from conftest import ROOT

from fluxform.errors import PlanError
from fluxform.graph import is_secret
from fluxform.statefile import load_state

EXPORT = Path(__file__).parent / "state-export.json"
K8S = "urn:pulumi:dev::fluxform::pulumi:pulumi:Stack$pulumi:providers:kubernetes::dev-kind"


def by_name(name: str) -> dict:  # type: ignore[type-arg]
    graph = load_state(str(EXPORT))
    (res,) = [r for r in graph if r.name == name]
    return res.to_json()


def test_export_becomes_a_graph_of_what_the_program_declares() -> None:
    graph = load_state(str(EXPORT))
    assert (graph.project, graph.stack) == ("fluxform", "dev")
    # Not compared: the stack, a default provider, a pending deletion, an external read.
    assert sorted(r.name for r in graph) == [
        "dev-kind", "flux", "flux-fleet-key-key", "flux-namespace", "notifications-fleet-push-token",
        "notifications-slack-address", "old-team"]
    ns = by_name("flux-namespace")
    assert "__defaults" not in ns["inputs"] and ns["provider"] == K8S
    key = by_name("flux-fleet-key-key")  # provider-filled defaults dropped, default provider unnamed
    assert key["inputs"] == {"algorithm": "ED25519"} and key["provider"] is None
    assert key["replacementTrigger"] == "2026-10"
    assert by_name("dev-kind")["inputs"] == {"context": "kind-fluxform-dev", "enableServerSideApply": "true"}


def test_secrets_become_markers_without_plaintext() -> None:
    slack = by_name("notifications-slack-address")["inputs"]["stringData"]
    assert is_secret(slack) and slack["fingerprint"]  # fingerprint of the ciphertext
    token = by_name("notifications-fleet-push-token")["inputs"]
    assert token["stringData"]["token"] == {"$fluxform": "secret", "fingerprint": None}
    assert token["data"]["legacy"] == {"$fluxform": "secret", "fingerprint": None}
    text = load_state(str(EXPORT)).to_json()
    for leaked in ("CANARY", "AAABAGxvbmct", "bm90LWEtcmVhbC", "ciphertext", "plaintext"):
        assert leaked not in text


def test_plan_against_the_deployed_state(capsys: pytest.CaptureFixture[str]) -> None:
    run = fluxform_here(capsys, "plan", "--project", str(ROOT), "--stack", "dev",
                        "--state", str(EXPORT), "--format", "json", "--detailed-exitcode")
    assert run.code == 2, run.err
    doc = json.loads(run.out)
    ops = {c["name"]: c["op"] for c in doc["changes"]}
    assert ops["old-team"] == "delete" and ops["flux-namespace"] == "update"
    # The fleet key, renamed since, is found through its alias; rotation 2026-10 -> 2026-11.
    (key,) = [c for c in doc["changes"] if (c["previousUrn"] or "").endswith("::flux-fleet-key-key")]
    assert key["op"] == "replace" and key["replaceReasons"] == ["replacementTrigger changed"]
    assert key["deleteBeforeReplace"] is False
    assert ops["tenant-team-a-namespace"] == "create"
    # The provider now sets every setting explicitly: an update that only adds them.
    provider = next(c for c in doc["changes"] if c["name"] == "dev-kind")
    assert provider["op"] == "update" and {f["kind"] for f in provider["fields"]} == {"added"}
    assert doc["changes"][-1]["op"] == "delete"  # deletions come last, as in `pulumi up`
    assert doc["baseline"] == f"pulumi state {EXPORT}"


def write(tmp_path: Path, doc: object) -> str:
    path = tmp_path / "export.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("doc, message", [
    ("{not json", "not a `pulumi stack export` file"),
    ({"version": 2, "deployment": {"resources": []}}, "unsupported deployment version 2"),
    ({"version": 3, "deployment": {"resources": [{"type": "x"}]}}, "a resource lacks urn or type"),
    ({"version": 3, "deployment": {"resources": ["x"]}}, "a resource entry is not an object"),
], ids=["not-json", "version-2", "no-urn", "not-object"])
def test_bad_exports(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        load_state(write(tmp_path, doc))


def test_state_of_another_stack_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    run = fluxform_here(capsys, "plan", "--project", str(ROOT), "--stack", "prod",
                        "--state", str(EXPORT))
    assert_one_line_error(run, "is a baseline of stack 'dev', not 'prod'")


def test_a_kubeconfig_in_the_state_is_masked(tmp_path: Path) -> None:
    """pulumi-kubernetes stores a kubeconfig in plain text unless the program marks it secret
    (fluxform's does); either way no form of it reaches the graph."""
    canary = "CANARY-kubeconfig-token-77aa"
    provider = {"urn": "urn:pulumi:dev::fluxform::pulumi:providers:kubernetes::dev", "custom": True,
                "type": "pulumi:providers:kubernetes",
                "inputs": {"kubeconfig": f"users: [{{name: u, user: {{token: {canary}}}}}]"}}
    doc = {"version": 3, "deployment": {"resources": [provider]}}
    graph = load_state(write(tmp_path, doc))
    text = graph.to_json()
    assert canary not in text and "kubeconfig" in text
    (res,) = list(graph)
    assert res.inputs["kubeconfig"] == {"$fluxform": "secret", "fingerprint": None}
