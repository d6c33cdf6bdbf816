"""The recording mock engine: what it captures, what it redacts, what it refuses."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
import pulumi_tls as tls
import pytest
from pulumi.runtime import mocks as pulumi_mocks

from fluxform.capture import PlanMocks, capture
from fluxform.errors import CaptureError
from fluxform.graph import Graph, is_secret, is_unknown

CANARIES = {
    "config": "canary-config-7f3a9c",
    "tls": "canary-tls-19be44",
    "random": "canary-random-5d0e21",
    "literal": "canary-literal-a81c07",
}


class CanaryMocks(PlanMocks):
    """Returns canary values for the computed secret outputs, as a real engine would."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        id_, state = super().new_resource(args)
        if args.typ == "tls:index/privateKey:PrivateKey":
            state["privateKeyOpenssh"] = CANARIES["tls"]
            state["publicKeyOpenssh"] = "ssh-ed25519 AAAAC3Nza-public"
        if args.typ == "random:index/randomBytes:RandomBytes":
            state["hex"] = CANARIES["random"]
        return id_, state


def program() -> None:
    cfg = pulumi.Config("fluxform")
    provider = k8s.Provider("dev-cluster", context="kind-dev")
    opts = pulumi.ResourceOptions(provider=provider)
    ns = k8s.core.v1.Namespace("ns", metadata={"name": "flux-system"}, opts=opts)
    key = tls.PrivateKey("key", algorithm="ED25519",
                         opts=pulumi.ResourceOptions(replacement_trigger="2026-11"))
    token = random.RandomBytes("token", length=32)
    k8s.core.v1.Secret(
        "creds",
        metadata={"name": "flux-system", "namespace": ns.metadata.name},
        string_data={"identity": key.private_key_openssh, "identity.pub": key.public_key_openssh},
        opts=opts,
    )
    k8s.core.v1.Secret(
        "hook",
        metadata={"name": "hook", "namespace": "flux-system"},
        string_data={"address": cfg.require_secret("hook"), "token": token.hex},
        opts=opts,
    )
    k8s.core.v1.ConfigMap(
        "cm",
        metadata={"name": "cm", "namespace": "flux-system"},
        data={"plain": "visible", "secret": pulumi.Output.secret(CANARIES["literal"]),
              "pub": key.public_key_openssh},
        opts=opts,
    )


def run(mocks: pulumi_mocks.Mocks | None = None) -> Graph:
    return capture(program, project="fluxform", stack="dev",
                   config={"fluxform:hook": CANARIES["config"]}, secret_keys=["fluxform:hook"],
                   mocks=mocks)


def by_name(graph: Graph, name: str) -> Any:
    (res,) = [r for r in graph if r.name == name]
    return res


@pytest.mark.parametrize("mocks", [None, CanaryMocks()], ids=["plan-mocks", "canary-mocks"])
def test_no_secret_value_reaches_the_graph(mocks: pulumi_mocks.Mocks | None) -> None:
    text = run(mocks).to_json()
    for where, canary in CANARIES.items():
        assert canary not in text, f"{where} secret leaked into the graph"


def test_secrets_are_marked_at_their_paths() -> None:
    graph = run(CanaryMocks())
    cm = by_name(graph, "cm")
    assert cm.inputs["data"]["plain"] == "visible"
    assert is_secret(cm.inputs["data"]["secret"])
    assert ("data", "secret") in cm.secret_paths()
    # Secret data is always redacted, whatever the program did.
    for name in ("creds", "hook"):
        assert by_name(graph, name).secret_paths(), name


def test_values_known_only_after_apply_are_unknown_in_preview() -> None:
    graph = run()  # plan mocks: computed outputs are not known
    assert is_unknown(by_name(graph, "cm").inputs["data"]["pub"])


def test_fingerprint_changes_with_the_secret_but_is_stable() -> None:
    def literal(value: str) -> Graph:
        def prog() -> None:
            k8s.core.v1.ConfigMap("cm", data={"s": pulumi.Output.secret(value)})
        return capture(prog, project="p", stack="s")

    first = by_name(literal("one"), "cm").inputs["data"]["s"]
    assert first == by_name(literal("one"), "cm").inputs["data"]["s"]
    assert first != by_name(literal("two"), "cm").inputs["data"]["s"]


def test_graph_records_structure() -> None:
    graph = run()
    ns = by_name(graph, "ns")
    assert ns.type == "kubernetes:core/v1:Namespace"
    assert ns.provider is not None and ns.provider.endswith("pulumi:providers:kubernetes::dev-cluster")
    assert ns.parent is not None and ns.parent.endswith("pulumi:pulumi:Stack::fluxform-dev")
    creds = by_name(graph, "creds")
    assert ns.urn in creds.dependencies and by_name(graph, "key").urn in creds.dependencies
    assert by_name(graph, "key").replacement_trigger == "2026-11"


def test_capture_is_deterministic_and_round_trips() -> None:
    first, second = run().to_json(), run().to_json()
    assert first == second
    assert Graph.from_json(first).to_json() == first


def test_duplicate_urns_are_refused() -> None:
    def prog() -> None:
        k8s.core.v1.Namespace("same", metadata={"name": "a"})
        k8s.core.v1.Namespace("same", metadata={"name": "b"})

    with pytest.raises(CaptureError, match=r"duplicate URN .*Namespace::same"):
        capture(prog, project="p", stack="s")


def test_program_failure_is_one_line_capture_error() -> None:
    def prog() -> None:
        raise ValueError("boom\nsecond line")

    with pytest.raises(CaptureError) as info:
        capture(prog, project="p", stack="s")
    assert "\n" not in str(info.value) and "boom" in str(info.value)


@pytest.mark.parametrize("mocks", [None, CanaryMocks()], ids=["plan-mocks", "canary-mocks"])
def test_engine_calls_run_on_the_loop_thread_and_the_executor_is_put_back(
        mocks: pulumi_mocks.Mocks | None, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from pulumi.runtime.sync_await import _ensure_event_loop

    from fluxform import capture as capture_module

    threads: set[str] = set()
    original = capture_module.RecordingMonitor.RegisterResource

    def spy(self: Any, request: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original(self, request)

    monkeypatch.setattr(capture_module.RecordingMonitor, "RegisterResource", spy)
    loop = _ensure_event_loop()
    before = getattr(loop, "_default_executor", None)
    graph = run(mocks)
    assert threads == {threading.current_thread().name}
    assert getattr(loop, "_default_executor", None) is before
    assert len(list(graph)) == len(list(run(mocks)))  # and a second capture on the same loop works


def test_property_dependencies_name_the_resources_that_feed_each_input() -> None:
    graph = run()
    (creds,) = [r for r in graph if r.name == "creds"]
    (key,) = [r for r in graph if r.name == "key"]
    (ns,) = [r for r in graph if r.name == "ns"]
    assert creds.property_dependencies["stringData"] == (key.urn,)
    assert creds.property_dependencies["metadata"] == (ns.urn,)
    assert "stringData" not in ns.property_dependencies
    again = Graph.from_json(graph.to_json())
    assert again.resources[creds.urn].property_dependencies == creds.property_dependencies


def test_aliases_are_captured_as_the_urns_they_name() -> None:
    def prog() -> None:
        parent = pulumi.ComponentResource("fluxform:index:Box", "box")
        pulumi.CustomResource("test:index:Thing", "new-name", {}, opts=pulumi.ResourceOptions(
            parent=parent, aliases=[pulumi.Alias(name="old-name"),
                                    pulumi.Alias(type_="test:index:OldThing", parent=pulumi.ROOT_STACK_RESOURCE)]))

    graph = capture(prog, project="p", stack="s")
    (thing,) = [r for r in graph if r.name == "new-name"]
    assert "urn:pulumi:s::p::fluxform:index:Box$test:index:Thing::old-name" in thing.aliases
    assert any(a.endswith("test:index:OldThing::new-name") for a in thing.aliases)
    assert Graph.from_json(graph.to_json()).resources[thing.urn].aliases == thing.aliases
