"""The kinds table sends the engine exactly what the providers' generated classes send.

Each kind is registered twice under the SDK's mock engine, once through the generated class
(every input it accepts set to a distinct value) and once through components.kinds, and the two
RegisterResourceRequests must be equal in every field but the caller's source position.
"""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
import pulumi_github as github
import pulumi_kubernetes as k8s
import pulumi_kubernetes._utilities as k8s_utilities
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registrations import requests_of

from components import kinds
from components.kinds import Kind, KindProvider, KindResource

GENERATED: dict[str, tuple[Kind, type[pulumi.Resource]]] = {
    "namespace": (kinds.NAMESPACE, k8s.core.v1.Namespace),
    "service-account": (kinds.SERVICE_ACCOUNT, k8s.core.v1.ServiceAccount),
    "resource-quota": (kinds.RESOURCE_QUOTA, k8s.core.v1.ResourceQuota),
    "secret": (kinds.SECRET, k8s.core.v1.Secret),
    "limit-range": (kinds.LIMIT_RANGE, k8s.core.v1.LimitRange),
    "network-policy": (kinds.NETWORK_POLICY, k8s.networking.v1.NetworkPolicy),
    "role-binding": (kinds.ROLE_BINDING, k8s.rbac.v1.RoleBinding),
    "helm-release": (kinds.HELM_RELEASE, k8s.helm.v3.Release),
    "github-deploy-key": (kinds.GITHUB_DEPLOY_KEY, github.RepositoryDeployKey),
    "github-provider": (kinds.GITHUB_PROVIDER, github.Provider),
}


def generated_inputs(cls: type[pulumi.Resource]) -> list[str]:
    """The keyword inputs (snake_case) the generated class's constructor takes."""
    params = inspect.signature(cls._internal_init).parameters  # type: ignore[attr-defined]
    return [p for p in params if p not in {"__self__", "resource_name", "opts", "__props__"}]


def camel_names(cls: type[pulumi.Resource]) -> dict[str, str]:
    """snake_case input -> the camelCase name the generated class sends it as (observed)."""
    names = generated_inputs(cls)
    sent = requests_of(lambda: cls("probe", **{n: f"v-{n}" for n in names}))[0]["object"]
    by_value = {v.get("value") if isinstance(v, dict) else v: k for k, v in sent.items()}
    return {n: by_value[f"v-{n}"] for n in names if f"v-{n}" in by_value}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_kind_accepts_what_the_generated_class_accepts(case: str) -> None:
    kind, cls = GENERATED[case]
    sent_as = camel_names(cls)
    offered = set(sent_as.values()) - set(kind.fixed)
    if kind.provider:  # only string settings are offered (the others would need JSON encoding)
        assert kind.inputs <= offered
    else:
        assert kind.inputs == offered


@pytest.mark.parametrize("case", sorted(GENERATED))
@pytest.mark.parametrize("token", [None, "ghp_canary"])
def test_kind_sends_the_same_request_as_the_generated_class(
        case: str, token: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    kind, cls = GENERATED[case]
    monkeypatch.delenv("GITHUB_BASE_URL", raising=False)
    if token is None:
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    else:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    sent_as = {snake: camel for snake, camel in camel_names(cls).items() if camel in kind.inputs}
    opts = pulumi.ResourceOptions(depends_on=[], protect=True)

    def with_generated() -> None:
        cls("r", opts=opts, **{snake: f"v-{snake}" for snake in sent_as})

    def with_table() -> None:
        make = KindProvider if kind.provider else KindResource
        make(kind, "r", {camel: f"v-{snake}" for snake, camel in sent_as.items()}, opts=opts)

    expected, actual = requests_of(with_generated), requests_of(with_table)
    assert len(expected) == len(actual) == 1
    assert actual[0] == expected[0]


GITHUB_ENV = ("GITHUB_TOKEN", "GITHUB_BASE_URL", "GITHUB_OWNER", "GITHUB_ORGANIZATION",
              "GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PEM_FILE",
              "GITHUB_CACHE_PATH", "GITHUB_INSECURE")


K8S_ENV = ("KUBECONFIG", "PULUMI_K8S_DELETE_UNREACHABLE", "PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE",
           "PULUMI_K8S_ENABLE_PATCH_FORCE", "PULUMI_K8S_ENABLE_SECRET_MUTABLE",
           "PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY", "PULUMI_K8S_SKIP_UPDATE_UNREACHABLE",
           "PULUMI_K8S_SUPPRESS_DEPRECATION_WARNINGS", "PULUMI_K8S_SUPPRESS_HELM_HOOK_WARNINGS",
           "PULUMI_K8S_UPSERT_EXISTING_OBJECTS")


@pytest.mark.parametrize("kind, given", [
    (kinds.GITHUB_PROVIDER, {"owner": "acme"}), (kinds.GITHUB_PROVIDER, {}),
    (kinds.KUBERNETES_PROVIDER, {"context": "kind-dev"}), (kinds.KUBERNETES_PROVIDER, {})])
def test_table_providers_read_no_environment(kind: Kind, given: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #12: the generated provider classes fill unset inputs from GITHUB_* / KUBECONFIG /
    PULUMI_K8S_*; the table's providers never do, so no value of the planner's environment
    (not even a token's fingerprint) reaches a graph, and the plan is the same everywhere."""
    for variable in (*GITHUB_ENV, *K8S_ENV):
        monkeypatch.delenv(variable, raising=False)
    clean = requests_of(lambda: KindProvider(kind, "p", given))
    for variable in (*GITHUB_ENV, *K8S_ENV):
        monkeypatch.setenv(variable, "true" if variable.startswith("PULUMI_K8S") else "env-canary")
    dirty = requests_of(lambda: KindProvider(kind, "p", given))
    assert dirty == clean
    assert "env-canary" not in repr(dirty)


def test_kubernetes_provider_kind_matches_the_generated_class_but_for_the_secret_kubeconfig(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in K8S_ENV:
        monkeypatch.delenv(variable, raising=False)
    settings = {"context": "ctx", "kubeconfig": "apiVersion: v1", "namespace": "ns",
                "enableServerSideApply": "true", "enableSecretMutable": "true"}
    expected = requests_of(lambda: k8s.Provider(
        "k", context="ctx", kubeconfig="apiVersion: v1", namespace="ns",
        enable_server_side_apply=True, enable_secret_mutable=True))
    actual = requests_of(lambda: KindProvider(kinds.KUBERNETES_PROVIDER, "k", settings))
    assert actual[0]["object"].pop("kubeconfig") != expected[0]["object"].pop("kubeconfig")
    assert actual[0]["object"] == expected[0]["object"]


def snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def output_properties(resource: pulumi.Resource) -> set[str]:
    return {k for k, v in vars(resource).items()
            if isinstance(v, pulumi.Output) and k not in {"id", "urn"}}


@pytest.mark.parametrize("case", sorted(c for c in GENERATED if not GENERATED[c][0].provider))
def test_kind_has_the_outputs_and_required_inputs_of_the_generated_class(case: str) -> None:
    kind, cls = GENERATED[case]
    sent_as = camel_names(cls)
    made: dict[str, pulumi.Resource] = {}

    def program() -> None:
        made["generated"] = cls("g", **{snake: f"v-{snake}" for snake in sent_as})
        made["table"] = KindResource(kind, "t", {sent_as[snake]: f"v-{snake}" for snake in sent_as
                                                 if sent_as[snake] in kind.inputs})

    requests_of(program)
    generated = output_properties(made["generated"])
    only_outputs = {snake_to_camel(k) for k in generated - set(generated_inputs(cls))}
    assert set(kind.outputs) == only_outputs
    assert output_properties(made["table"]) == {*kind.inputs, *kind.outputs, *kind.fixed}
    required = set()
    for snake in generated_inputs(cls):
        others = {n: f"v-{n}" for n in generated_inputs(cls) if n != snake}
        try:
            requests_of(lambda others=others: cls("r", **others))
        except TypeError as exc:
            assert f"'{snake}'" in str(exc)
            required.add(sent_as[snake])
    assert set(kind.required) == required


@pytest.mark.parametrize("case", sorted(c for c in GENERATED if not GENERATED[c][0].provider))
def test_reading_an_existing_resource_asks_what_the_generated_class_asks(case: str) -> None:
    kind, cls = GENERATED[case]
    opts = pulumi.ResourceOptions(id="existing-id")
    expected = requests_of(lambda: cls("r", opts=opts))
    actual = requests_of(lambda: KindResource(kind, "r", {}, opts=opts))
    assert [r["verb"] for r in actual] == ["read"]
    assert actual == expected


def test_an_adopted_resource_needs_no_required_inputs() -> None:
    props = kinds.ROLE_BINDING.props("rb", {}, pulumi.ResourceOptions(urn="urn:pulumi:s::p::t::rb"))
    assert props["roleRef"] is None and props["kind"] == "RoleBinding"


@pytest.mark.parametrize("kind", [kinds.SECRET, kinds.GITHUB_PROVIDER, kinds.KUBERNETES_PROVIDER],
                         ids=["secret", "github-provider", "kubernetes-provider"])
def test_secret_inputs_are_sent_as_secrets(kind: Kind) -> None:
    make = KindProvider if kind.provider else KindResource
    given = {key: "plain" for key in kind.secret_inputs}
    sent = requests_of(lambda: make(kind, "r", given))[0]
    for key in kind.secret_inputs:
        assert sent["object"][key]["4dabf18193072939515e22adb298388d"] == \
            "1b47061264138c4ac30d75fd1eb44270"
    assert sorted(sent.get("additionalSecretOutputs", [])) == sorted(kind.secret_outputs)


def test_outputs_are_readable_by_their_camelcase_names() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        ns = KindResource(kinds.NAMESPACE, "ns", {"metadata": {"name": "team-a"}})
        ns.output("metadata")["name"].apply(lambda v: seen.setdefault("name", v))
        ns.output("apiVersion").apply(lambda v: seen.setdefault("apiVersion", v))
        assert isinstance(ns.output("spec"), pulumi.Output)  # an input not given has one too
        with pytest.raises(AttributeError, match="has no output 'spek'"):
            ns.output("spek")

    requests_of(program)
    assert seen == {"name": "team-a", "apiVersion": "v1"}


@pytest.mark.parametrize(("props", "message"), [
    ({"roleRef": {}, "subject": []}, r"RoleBinding rb: unknown input 'subject' \(known: "
                                     r"metadata, roleRef, subjects\)"),
    ({"metadata": {}}, "RoleBinding rb: missing required input 'roleRef'"),
    ({"roleRef": None}, "RoleBinding rb: missing required input 'roleRef'"),
])
def test_bad_inputs_are_refused_before_registering(props: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        kinds.ROLE_BINDING.props("rb", props)


def test_a_resource_kind_is_not_a_provider() -> None:
    with pytest.raises(TypeError, match="is not a provider kind"):
        KindProvider(kinds.SECRET, "p", {})


@pytest.mark.parametrize(("pep440", "expected"), [
    ("6.15.0", "6.15.0"), ("4.0.0a3", "4.0.0-alpha.3"), ("4.0.0b1", "4.0.0-beta.1"),
    ("4.0.0rc2", "4.0.0-rc.2"), ("4.1.0.dev7", "4.1.0-dev.7"), ("4.1.0+abc123", "4.1.0-abc123"),
    ("6.15.0.post2", "6.15.0"), ("4.0.0rc1.dev3", "4.0.0-rc.1"),
])
def test_semver_of_provider_sdk_versions(pep440: str, expected: str) -> None:
    assert kinds.semver(pep440) == expected


_NUM = st.integers(min_value=0, max_value=40).map(str)


@settings(max_examples=200, deadline=None)
@given(release=st.tuples(_NUM, _NUM, _NUM).map(".".join),
       pre=st.one_of(st.just(""), st.tuples(st.sampled_from(["a", "b", "rc"]), _NUM).map("".join)),
       post=st.one_of(st.just(""), _NUM.map(".post{}".format)),
       dev=st.one_of(st.just(""), _NUM.map(".dev{}".format)),
       local=st.one_of(st.just(""), st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True).map("+{}".format)))
def test_semver_agrees_with_the_sdks_own_conversion(release: str, pre: str, post: str, dev: str,
                                                     local: str) -> None:
    version = release + pre + post + dev + local
    real = k8s_utilities.importlib.metadata.version
    k8s_utilities.importlib.metadata.version = lambda _package: version
    try:
        theirs = str(k8s_utilities._get_semver_version())
    finally:
        k8s_utilities.importlib.metadata.version = real
    assert kinds.semver(version) == theirs


def test_semver_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match=r"unexpected provider SDK version '4\.1'"):
        kinds.semver("4.1")


@pytest.mark.parametrize("module", [k8s, github])
def test_plugin_version_is_the_sdks_own(module: Any) -> None:
    assert kinds.plugin_version(module.__name__) == module._utilities.get_version()
