"""Conformance: one scenario per rule of the engine model (fluxform/replacement.py), asserting
the operations, their order and deleteBeforeReplace as `pulumi up` would perform them.

Graphs are built the way the capture records them (inputs with unknown and secret markers,
`propertyDependencies`, aliases, providers). The last scenario plans the real dev stack against
a `pulumi stack export`-shaped state of itself: zero changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scenarios import base, graph_of

from fluxform.diff import compute_plan
from fluxform.graph import UNKNOWN, Graph, Resource, is_marker, secret_marker
from fluxform.plan import Op, Plan
from fluxform.report import render
from fluxform.statefile import load_state

S = "urn:pulumi:dev::fluxform::"
K8S_P = S + "pulumi:providers:kubernetes::dev"
GH_P = S + "pulumi:providers:github::github-acme"
KEY = S + "tls:index/privateKey:PrivateKey::key"
GH_KEY = S + "github:index/repositoryDeployKey:RepositoryDeployKey::gh"
SECRET = S + "kubernetes:core/v1:Secret::creds"
UNKNOWN_SECRET = secret_marker(None)


def res(urn: str, inputs: dict[str, Any], **kw: Any) -> Resource:
    type_ = urn.split("::")[2].rsplit("$", 1)[-1]
    return Resource(urn=urn, type=type_, name=urn.rsplit("::", 1)[1], inputs=inputs, **kw)


def graph(*resources: Resource) -> Graph:
    return Graph("fluxform", "dev", {r.urn: r for r in resources})


def k8s_provider(fp: str | None = "sha256:aaaa", urn: str = K8S_P, **extra: Any) -> Resource:
    inputs: dict[str, Any] = {"enableSecretMutable": "false", **extra}
    if fp is not None:
        inputs["kubeconfig"] = {"$fluxform": "secret", "fingerprint": fp}
    return res(urn, inputs)


def stack(algorithm: str = "ECDSA", mutable: str = "false", trigger: Any = None,
          owner: str = "acme", gh_urn: str = GH_P) -> Graph:
    key = res(KEY, {"algorithm": algorithm}, replacement_trigger=trigger)
    gh_p = res(gh_urn, {"owner": owner, "baseUrl": "https://api.github.com/"})
    gh_key = res(GH_KEY, {"key": dict(UNKNOWN), "repository": "fleet", "title": "t",
                          "readOnly": True}, provider=gh_urn, dependencies=(KEY, gh_urn),
                 property_dependencies={"key": (KEY,)})
    secret = res(SECRET, {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                          "metadata": {"name": "flux-system", "namespace": "flux-system"},
                          "stringData": {"identity": UNKNOWN_SECRET,
                                         "identity.pub": UNKNOWN_SECRET}},
                 provider=K8S_P, dependencies=(KEY, GH_KEY, K8S_P),
                 property_dependencies={"stringData": (KEY,)})
    return graph(k8s_provider(enableSecretMutable=mutable), key, gh_p, gh_key, secret)


def ops(plan: Plan) -> dict[str, tuple[str, bool]]:
    return {c.name: (c.op.value, c.delete_before_replace) for c in plan.changes
            if c.op is not Op.NOOP}


# 1. Replacements cascade through unknown outputs (replacement.resolve_unknowns).
def test_replacement_cascades_through_unknown_outputs() -> None:
    plan = compute_plan(stack(), stack(algorithm="ED25519"))
    assert ops(plan) == {"key": ("replace", False), "gh": ("replace", True),
                         "creds": ("replace", True)}
    gh = next(c for c in plan.changes if c.name == "gh")
    assert gh.replace_reasons == ("key forces replacement",)
    assert [c.name for c in plan.changes if c.op is Op.REPLACE] == ["key", "gh", "creds"]


def test_a_mutable_secret_is_updated_in_place_by_the_cascade() -> None:
    plan = compute_plan(stack(mutable="true"), stack(algorithm="ED25519", mutable="true"))
    assert ops(plan)["creds"] == ("update", False)


def test_an_unchanged_source_leaves_its_consumers_unchanged() -> None:
    assert ops(compute_plan(stack(), stack())) == {}


# 2. Unknowns fed by unchanged resources equal the deployed value.
def test_unknown_fed_by_an_unchanged_resource_equals_the_state() -> None:
    deployed = stack()
    known = dict(deployed.resources)
    known[GH_KEY] = res(GH_KEY, {"key": "ssh-ed25519 AAAA", "repository": "fleet", "title": "t",
                                 "readOnly": True}, provider=GH_P)
    assert ops(compute_plan(graph(*known.values()), stack())) == {}
    changed = ops(compute_plan(graph(*known.values()), stack(algorithm="ED25519")))
    assert changed["gh"] == ("replace", True)


# 3. Provider semantics (DiffConfig of the new provider).
def test_kubeconfig_with_another_active_cluster_replaces_every_resource() -> None:
    before, after = stack(), dict(stack().resources)
    after[K8S_P] = k8s_provider("sha256:bbbb")
    plan = compute_plan(before, graph(*after.values()))
    assert ops(plan)["dev"] == ("replace", False)
    creds = next(c for c in plan.changes if c.name == "creds")
    assert creds.op is Op.REPLACE and creds.replace_reasons[0].startswith("provider")


def test_context_only_provider_change_replaces_nothing_but_is_flagged() -> None:
    before, after = dict(stack().resources), dict(stack().resources)
    before[K8S_P] = k8s_provider(None, context="kind-a")
    after[K8S_P] = k8s_provider(None, context="kind-b")
    plan = compute_plan(graph(*before.values()), graph(*after.values()))
    assert ops(plan) == {"dev": ("update", False)}
    assert any(r.code == "R-PROVIDER-TARGET" for _, r in plan.risks)


def test_provider_renamed_with_the_same_config_replaces_nothing() -> None:
    moved = S + "pulumi:providers:github::github-acme-2"
    plan = compute_plan(stack(), stack(gh_urn=moved))
    gh = next(c for c in plan.changes if c.name == "gh")
    assert gh.op is Op.UPDATE and gh.provider_change == (GH_P, moved)
    assert "provider: " + GH_P + " -> " + moved in gh.notes


def test_github_owner_change_replaces_nothing_and_is_flagged() -> None:
    moved = S + "pulumi:providers:github::github-other"
    plan = compute_plan(stack(), stack(owner="other", gh_urn=moved))
    gh = next(c for c in plan.changes if c.name == "gh")
    assert gh.op is Op.UPDATE
    assert [r.code for r in gh.risks] == ["R-PROVIDER-TARGET"]
    assert "owner: acme -> other" in gh.risks[0].message


# 4. Delete order.
def test_trigger_replacement_of_a_named_object_is_create_first_and_flagged() -> None:
    b, a = dict(stack().resources), dict(stack().resources)
    b[SECRET] = res(SECRET, dict(b[SECRET].inputs), provider=K8S_P, replacement_trigger="1")
    a[SECRET] = res(SECRET, dict(a[SECRET].inputs), provider=K8S_P, replacement_trigger="2")
    plan = compute_plan(graph(*b.values()), graph(*a.values()))
    creds = next(c for c in plan.changes if c.name == "creds")
    assert (creds.op, creds.delete_before_replace) == (Op.REPLACE, False)
    assert "R-ALREADY-EXISTS" in {r.code for r in creds.risks}
    a[SECRET] = res(SECRET, dict(a[SECRET].inputs), provider=K8S_P, replacement_trigger="2",
                    delete_before_replace=True)
    creds = next(c for c in compute_plan(graph(*b.values()), graph(*a.values())).changes
                 if c.name == "creds")
    assert creds.delete_before_replace and "R-ALREADY-EXISTS" not in {r.code for r in creds.risks}


def test_json_plan_carries_delete_before_replace_on_every_change() -> None:
    doc = json.loads(render(compute_plan(stack(), stack(algorithm="ED25519")), "json"))
    assert all(isinstance(c["deleteBeforeReplace"], bool) for c in doc["changes"])
    assert {c["name"]: c["deleteBeforeReplace"] for c in doc["changes"] if c["op"] == "replace"} \
        == {"key": False, "gh": True, "creds": True}
    assert doc["order"] == "pulumi-up"


# 5. Replacement triggers.
def test_trigger_null_to_value_is_no_replacement_and_unknown_always_is() -> None:
    assert ops(compute_plan(stack(trigger=None), stack(trigger="2027"))) == {}
    assert ops(compute_plan(stack(trigger="2027"), stack(trigger=dict(UNKNOWN))))["key"][0] \
        == "replace"


# 6. Aliases.
def test_alias_matches_the_old_urn_and_api_version_updates_in_place() -> None:
    old_urn = S + "kubernetes:source.toolkit.fluxcd.io/v1beta2:GitRepository::repo"
    new_urn = S + "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository::repo"
    meta = {"name": "fleet", "namespace": "flux-system"}
    before = graph(k8s_provider(), res(old_urn, {"apiVersion": "source.toolkit.fluxcd.io/v1beta2",
                                                 "metadata": meta}, provider=K8S_P))
    after = graph(k8s_provider(), res(new_urn, {"apiVersion": "source.toolkit.fluxcd.io/v1",
                                                "metadata": meta}, provider=K8S_P,
                                      aliases=(old_urn,)))
    plan = compute_plan(before, after)
    assert ops(plan) == {"repo": ("update", False)}
    (change,) = [c for c in plan.changes if c.op is not Op.NOOP]
    assert change.previous_urn == old_urn
    no_alias = graph(*(r if r.urn != new_urn else res(new_urn, dict(r.inputs), provider=K8S_P)
                       for r in after))
    plain = compute_plan(before, no_alias)
    assert [c.op.value for c in plain.changes if c.name == "repo"] == ["create", "delete"]
    assert "R-URN-MOVE" in {r.code for _, r in plain.risks}


# Order: creates in dependency order, deletions last in reverse dependency order.
def test_order_is_pulumi_up_order() -> None:
    ns = res(S + "kubernetes:core/v1:Namespace::zz-ns", {"metadata": {"name": "a"}},
             provider=K8S_P)
    child = res(S + "kubernetes:core/v1:ServiceAccount::aa-sa",
                {"metadata": {"name": "sa", "namespace": "a"}}, provider=K8S_P,
                dependencies=(ns.urn,))
    plan = compute_plan(graph(k8s_provider(), ns, child), graph(k8s_provider()))
    assert [c.name for c in plan.changes if c.op is Op.DELETE] == ["aa-sa", "zz-ns"]
    plan = compute_plan(None, graph(k8s_provider(), ns, child))
    assert [c.name for c in plan.changes] == ["dev", "zz-ns", "aa-sa"]


def test_deleting_a_pruning_kustomization_is_flagged() -> None:
    ks = res(S + "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization::apps",
             {"metadata": {"name": "apps", "namespace": "flux-system"}, "spec": {"prune": True}},
             provider=K8S_P)
    plan = compute_plan(graph(k8s_provider(), ks), graph(k8s_provider()))
    assert "R-PRUNE-CASCADE" in {r.code for _, r in plan.risks}


# 2 again, end to end: the real dev stack against a state export of itself.
def _known(value: Any) -> Any:
    """What `pulumi up` stores: unknowns resolved, secrets encrypted."""
    if is_marker(value):
        if value.get("$fluxform") == "secret":
            return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    "ciphertext": "v1:cipher"}
        return "resolved-at-apply"
    if isinstance(value, dict):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def test_unchanged_stack_from_its_state_export_has_zero_changes(tmp_path: Path) -> None:
    spec, cfg = base("dev")
    desired = graph_of(spec, cfg, "dev")
    stack_urn = "urn:pulumi:dev::fluxform::pulumi:pulumi:Stack::fluxform-dev"
    resources: list[dict[str, Any]] = [{"urn": stack_urn, "type": "pulumi:pulumi:Stack",
                                        "custom": False}]
    for r in desired:
        inputs = {k: (_known(v) if k in r.property_dependencies or r.type.endswith(":Secret")
                      or is_marker(v) else v) for k, v in r.inputs.items()}
        if r.type.endswith(":Secret"):  # the SDK sends a Secret's data as one secret value
            inputs = {k: (_known({"$fluxform": "secret"}) if k in ("stringData", "data") else v)
                      for k, v in inputs.items()}
        entry = {"urn": r.urn, "type": r.type, "custom": r.custom, "inputs": inputs,
                 "dependencies": list(r.dependencies),
                 "replacementTrigger": r.replacement_trigger}
        if r.parent:
            entry["parent"] = r.parent
        if r.provider:
            entry["provider"] = r.provider + "::0000-id"
        resources.append(entry)
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    plan = compute_plan(load_state(str(export)), desired)
    assert ops(plan) == {}
    assert plan.summary.noop == len(desired)
    assert plan.notes  # the secrets it could not compare are named, not hidden


def test_a_whole_secret_built_from_unknowns_cascades_too() -> None:
    """The SDK sends a Secret's stringData as one secret; built from a key not generated yet it
    has no value to fingerprint, and is unknown, like any input fed by a replaced resource."""
    def whole(g: Graph) -> Graph:
        r = g.resources[SECRET]
        inputs = {**r.inputs, "stringData": secret_marker({"identity": dict(UNKNOWN), "k": "v"})}
        return graph(*(x if x.urn != SECRET else Resource(**{**x.__dict__, "inputs": inputs})
                       for x in g))
    assert whole(stack()).resources[SECRET].inputs["stringData"]["fingerprint"] is None
    assert ops(compute_plan(whole(stack()), whole(stack(algorithm="ED25519"))))["creds"] \
        == ("replace", True)
    assert ops(compute_plan(whole(stack()), whole(stack()))) == {}
