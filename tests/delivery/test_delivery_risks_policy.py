"""Risk flags (a decryption key replaced, an OCI source losing verify) and policy rules (FF025
decryption keys never in Git or plain values, FF026 production OCI sources verify), on the
example stacks and on hand-made resources."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from fluxform.diff import compute_plan
from fluxform.graph import Graph, Resource, secret_marker
from fluxform.manifests import gitops_objects
from fluxform.policy import Context, check_spec, evaluate, objects_from_rendered
from fluxform.policy.convert import policy_object
from fluxform.report import render
from fluxform.spec import load_spec
from fluxform.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SECRET = "kubernetes:core/v1:Secret"
OCI = "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository"
AGE_KEY = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"


def resource(type_: str, name: str, inputs: dict[str, Any]) -> Resource:
    return Resource(urn=f"urn:pulumi:prod::fluxform::{type_}::{name}", type=type_, name=name,
                    inputs=inputs, delete_before_replace=True)


def age_secret(cipher: str | None, label: bool = True) -> Resource:
    meta: dict[str, Any] = {"name": "sops-age", "namespace": "flux-system"}
    if label:
        meta["labels"] = {"fluxform.io/purpose": "sops-decryption"}
    inputs: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
    if cipher is not None:
        inputs["stringData"] = secret_marker(cipher)
    return resource(SECRET, "flux-sops-age", inputs)


def oci(verify: bool) -> Resource:
    spec: dict[str, Any] = {"url": "oci://ghcr.io/acme/p", "ref": {"tag": "v1"}, "interval": "5m"}
    if verify:
        spec["verify"] = {"provider": "cosign", "matchOIDCIdentity": [{"issuer": "i", "subject": "s"}]}
    return resource(OCI, "policies", {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
                                      "metadata": {"name": "policies", "namespace": "flux-system"}, "spec": spec})


def codes(before: list[Resource], after: list[Resource]) -> list[str]:
    plan = compute_plan(Graph("fluxform", "prod", {r.urn: r for r in before}),
                        Graph("fluxform", "prod", {r.urn: r for r in after}))
    return sorted(r.code for _, r in plan.risks)


def test_a_new_decryption_key_is_flagged_without_showing_it() -> None:
    assert "R-DECRYPTION-KEY" in codes([age_secret("v1:one")], [age_secret("v1:two")])
    assert "R-DECRYPTION-KEY" in codes([age_secret("v1:one")], [])  # deleted
    plan = compute_plan(Graph("fluxform", "prod", {age_secret("v1:one").urn: age_secret("v1:one")}),
                        Graph("fluxform", "prod", {age_secret("v1:two").urn: age_secret("v1:two")}))
    for fmt in ("text", "markdown", "json"):
        text = render(plan, fmt)
        assert "R-DECRYPTION-KEY" in text and "v1:one" not in text and "v1:two" not in text


def test_no_flag_when_the_key_stays_or_the_secret_is_another() -> None:
    assert codes([age_secret("v1:one")], [age_secret("v1:one")]) == []
    assert "R-DECRYPTION-KEY" not in codes([age_secret("v1:one", label=False)], [age_secret("v1:two", label=False)])


def test_an_oci_source_losing_verify_is_flagged_and_gaining_it_is_not() -> None:
    assert "R-OCI-VERIFY-OFF" in codes([oci(True)], [oci(False)])
    assert "R-OCI-VERIFY-OFF" not in codes([oci(False)], [oci(True)])
    assert codes([oci(True)], [oci(True)]) == []


def _rules(objs: list[Any], ctx: Context, rule: str) -> list[str]:
    return [f.message for f in evaluate(objs, ctx) if f.rule_id == rule]


def test_ff025_finds_a_plain_age_key_and_a_rendered_key_secret_but_never_quotes_it() -> None:
    values = policy_object("kubernetes:helm.sh/v3:Release", "urn:x", "flux",
                           {"values": {"sops": {"key": AGE_KEY}}})
    found = _rules([values], Context(), "FF025")
    assert found == ["Release flux holds an age private key in plain text at values.sops.key"]
    rendered = objects_from_rendered([{"apiVersion": "v1", "kind": "Secret", "metadata": {
        "name": "sops-age", "namespace": "flux-system", "labels": {"fluxform.io/purpose": "sops-decryption"}}}])
    assert _rules(rendered, Context(), "FF025") == [
        "Secret flux-system/sops-age is a decryption key Secret rendered into Git"]
    secret = policy_object(SECRET, "urn:s", "s", {"metadata": {"name": "s"}, "stringData": secret_marker("x")})
    assert _rules([secret], Context(), "FF025") == []
    assert all(AGE_KEY not in m for m in found)


def test_ff026_production_oci_sources_must_verify() -> None:
    unverified = objects_from_rendered([{"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
                                         "metadata": {"name": "p", "namespace": "flux-system"},
                                         "spec": {"url": "oci://r/p"}}])
    assert _rules(unverified, Context(production=True), "FF026") == [
        "OCIRepository flux-system/p does not verify the artifact's signature"]
    assert _rules(unverified, Context(), "FF026") == []


def _example(stack: str, delivery: str) -> Spec:
    spec = load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")
    return dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery=delivery))  # type: ignore[arg-type]


def test_the_example_stacks_pass_ff025_and_ff026_in_git_delivery() -> None:
    for stack in ("dev", "prod"):
        spec = _example(stack, "git")
        findings = check_spec(spec, Graph("fluxform", stack, {}), gitops_objects(spec))
        assert not [f for f in findings if f.rule_id in ("FF025", "FF026")], stack


def test_prod_without_verify_fails_ff026() -> None:
    spec = _example("prod", "git")
    layers = tuple(dataclasses.replace(layer, source=dataclasses.replace(
        layer.source, verify_signatures=False, verify_identities=())) if layer.source else layer
        for layer in spec.layers)
    spec = dataclasses.replace(spec, layers=layers)
    findings = check_spec(spec, Graph("fluxform", "prod", {}), gitops_objects(spec))
    assert [(f.rule_id, f.severity) for f in findings if f.rule_id == "FF026"] == [("FF026", "error")]
