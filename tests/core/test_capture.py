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


# --- Credentials written in plain inputs (issue #12) ----------------------------------------

SPEC_CANARY = "CANARY-spec-credential-31d7"
HELM_RELEASE = "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease"


def _leaky_program(password: str = SPEC_CANARY) -> None:
    values = {"replicaCount": 1, "adminPassword": password, "existingSecret": "db",
              "auth": [{"apiKey": password, "passwordKey": "pw"}],
              "upstream": f"redis://:{password}@redis:6379/0"}
    pulumi.CustomResource(HELM_RELEASE, "app", {
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "app", "namespace": "flux-system"}, "spec": {"values": values}})
    pulumi.CustomResource("kubernetes:source.toolkit.fluxcd.io/v1:HelmRepository", "charts", {
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
        "metadata": {"name": "charts", "namespace": "flux-system"},
        "spec": {"url": f"https://bob:{password}@charts.example.com/podinfo"}})
    pulumi.CustomResource("kubernetes:helm.sh/v3:Release", "pulumi-helm",
                          {"chart": "x", "values": {"auth": {"token": password}}})
    # A Pulumi secret keeps its whole value (and fingerprint): its URL is not masked first.
    pulumi.CustomResource("test:index:Thing", "secret-url", {
        "url": pulumi.Output.secret(f"https://bob:{password}@example.com")})


def test_spec_credentials_never_enter_the_graph() -> None:
    graph = capture(_leaky_program, project="p", stack="s")
    text = graph.to_json()
    assert SPEC_CANARY not in text
    release = next(r for r in graph if r.type == HELM_RELEASE)
    values = release.inputs["spec"]["values"]
    marker = {"$fluxform": "secret", "fingerprint": None}
    assert values["adminPassword"] == marker and values["auth"][0]["apiKey"] == marker
    assert values["existingSecret"] == "db" and values["auth"][0]["passwordKey"] == "pw"
    assert values["replicaCount"] == 1
    assert values["upstream"] == "redis://:***@redis:6379/0"
    repo = next(r for r in graph if r.name == "charts")
    assert repo.inputs["spec"]["url"] == "https://bob:***@charts.example.com/podinfo"
    helm = next(r for r in graph if r.name == "pulumi-helm")
    assert helm.inputs["values"] == {"auth": {"token": marker}}
    secret = next(r for r in graph if r.name == "secret-url").inputs["url"]
    assert is_secret(secret) and secret["fingerprint"] is not None


def test_a_changed_spec_credential_is_not_derived_into_the_graph() -> None:
    """No fingerprint: two different credentials give byte-identical graphs (the documented
    price: such a change does not show in the plan, docs/security.md)."""
    def written(password: str) -> list[dict[str, Any]]:
        graph = capture(lambda: _leaky_program(password), project="p", stack="s")
        return [r.to_json() for r in graph if r.name != "secret-url"]  # a Pulumi secret

    assert written(SPEC_CANARY) == written("CANARY-other-value-88")


def test_ff020_still_fires_on_what_the_capture_redacted() -> None:
    from fluxform.policy import evaluate, objects_from_graph
    from fluxform.policy.model import Context

    graph = capture(_leaky_program, project="p", stack="s")
    findings = [f for f in evaluate(objects_from_graph(graph), Context()) if f.rule_id == "FF020"]
    messages = sorted(f.message for f in findings)
    assert any("value adminPassword " in m for m in messages), messages
    assert any("value auth[0].apiKey " in m for m in messages), messages
    assert any("values.upstream" in m for m in messages), messages
    assert any("spec.url" in m for m in messages), messages
    assert any("Helm release pulumi-helm" in m and "auth.token" in m for m in messages), messages
    assert not any(SPEC_CANARY in m for m in messages)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fluxform.graph import URL_WITH_PASSWORD, mask_url_passwords, redact_credentials  # noqa: E402

_USERINFO = st.text(st.characters(blacklist_characters="/?#@:", blacklist_categories=("Cs", "Z", "Cc")),
                    max_size=8)
_PASSWORD = st.text(st.characters(blacklist_characters="/?#@", blacklist_categories=("Cs", "Z", "Cc")),
                    min_size=4, max_size=16).filter(lambda p: p != "***" and "*" not in p)


@given(scheme=st.sampled_from(["https", "http", "oci", "redis", "git+ssh"]), user=_USERINFO,
       password=_PASSWORD, before=st.text(max_size=10), after=st.text(max_size=10))
def test_a_url_password_is_masked_wherever_it_is(scheme: str, user: str, password: str,
                                                 before: str, after: str) -> None:
    text = f"{before} {scheme}://{user}:{password}@host.example/x {after}"
    masked = mask_url_passwords(text)
    assert f"{scheme}://{user}:***@host.example/x" in masked
    assert mask_url_passwords(masked) == masked  # idempotent
    assert URL_WITH_PASSWORD.search(masked)  # FF020 still sees it
    redacted = redact_credentials("test:index:Thing", {"a": [{"b": text}]})
    assert redacted == {"a": [{"b": masked}]}


@pytest.mark.parametrize("url", ["ssh://git@github.com/acme/fleet", "https://host:8443/x@y",
                                 "oci://ghcr.io/acme/charts", "https://charts.example.com/x@1"])
def test_urls_without_a_password_are_left_alone(url: str) -> None:
    assert mask_url_passwords(url) == url
