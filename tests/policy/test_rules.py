"""Every rule: passing and failing cases (readable ids), severities per stack, example stacks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from policy_builders import (
    HELM,
    KUS,
    NOTE,
    SRC,
    SUSPEND_NOTES,
    alert,
    binding,
    deploy_key,
    git,
    helm_repo,
    image_automation,
    k8s,
    kust,
    pulumi_helm,
    receiver,
    release,
    token,
)

from fluxform.graph import UNKNOWN, secret_marker
from fluxform.policy import RULES, Context, PolicyObject, evaluate, objects_from_rendered
from fluxform.policy.model import ImageAutomation

PROD = Context(production=True)
DEV = Context()
WRITES_FLEET = Context(writable_repositories=frozenset({"fleet"}))
SEPARATE = Context(production=True, image_automation=(ImageAutomation("fleet", "main", "image-updates"),))
SAME = Context(production=True, image_automation=(ImageAutomation("fleet", "main", None),))


def rendered(*objs: Any) -> list[Any]:
    return objects_from_rendered([dict(o.props) for o in objs])


# (rule, case id, objects, context, fires)
CASES: list[tuple[str, str, list[Any], Context, bool]] = [
    ("FF001", "tenant-kustomization-with-account", [kust()], DEV, False),
    ("FF001", "platform-kustomization-without-account", [kust(ns="flux-system", serviceAccountName=None)], DEV, False),
    ("FF001", "unknown-account", [kust(serviceAccountName=UNKNOWN)], DEV, False),
    ("FF001", "tenant-kustomization-without-account", [kust(serviceAccountName=None)], DEV, True),
    ("FF001", "tenant-helmrelease-without-account", [release(ns="team-a", serviceAccountName=None)], DEV, True),
    ("FF002", "rolebinding", [binding("RoleBinding", "admin")], DEV, False),
    ("FF002", "flux-controller-clusterrolebinding", [binding("ClusterRoleBinding", "cluster-admin", subject_ns="flux-system")], DEV, False),
    ("FF002", "tenant-clusterrolebinding", [binding("ClusterRoleBinding", "view")], DEV, True),
    ("FF003", "tenant-bound-to-admin", [binding("RoleBinding", "admin")], DEV, False),
    ("FF003", "tenant-bound-to-cluster-admin", [binding("RoleBinding", "cluster-admin")], DEV, True),
    ("FF003", "labelled-flux-system-subject", [binding("RoleBinding", "cluster-admin", ns="flux-system", subject_ns="flux-system"),
                                              k8s("Namespace", "v1", "", "flux-system", labels={"toolkit.fluxcd.io/tenant": "x"})], DEV, True),
    ("FF004", "same-namespace-source", [kust(sourceRef={"kind": "GitRepository", "name": "a", "namespace": "team-a"})], DEV, False),
    ("FF004", "platform-cross-namespace", [kust(ns="flux-system", sourceRef={"kind": "GitRepository", "name": "a", "namespace": "team-a"})], DEV, False),
    ("FF004", "tenant-source-in-flux-system", [kust(sourceRef={"kind": "GitRepository", "name": "a", "namespace": "flux-system"})], DEV, True),
    ("FF004", "tenant-chart-source-elsewhere", [release(ns="team-a", chart={"spec": {"chart": "c", "version": "1.0.0", "sourceRef": {"kind": "HelmRepository", "name": "r", "namespace": "flux-system"}}})], DEV, True),
    ("FF004", "tenant-git-secret-elsewhere", [git(ns="team-a", secretRef={"name": "s", "namespace": "flux-system"})], DEV, True),
    ("FF004", "tenant-kubeconfig", [kust(kubeConfig={"secretRef": {"name": "kc"}})], DEV, True),
    ("FF004", "tenant-alert-own-namespace", [alert({"kind": "Kustomization", "name": "*"})], DEV, False),
    ("FF004", "tenant-alert-watches-flux-system", [alert({"kind": "Kustomization", "name": "*", "namespace": "flux-system"})], DEV, True),
    ("FF004", "tenant-receiver-targets-elsewhere", [k8s("Receiver", NOTE, "team-a", "r", {"type": "github", "secretRef": {"name": "t"}, "resources": [{"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}]})], DEV, True),
    ("FF005", "exact", [release("1.2.3")], DEV, False),
    ("FF005", "chartref-release", [release(None, chart=None, chartRef={"kind": "OCIRepository", "name": "c"})], DEV, False),
    ("FF005", "unknown-version", [release(UNKNOWN)], DEV, False),
    ("FF005", "star", [release("*")], DEV, True),
    ("FF005", "unset", [release(None)], DEV, True),
    ("FF005", "open-range", [release(">=1.0.0")], DEV, True),
    ("FF005", "caret", [release("^1.2.0")], DEV, True),
    ("FF005", "x-wildcard", [release("1.2.x")], DEV, True),
    ("FF005", "hyphen-range", [release("1.0.0 - 2.0.0")], DEV, True),
    ("FF005", "flux-install-pinned", [pulumi_helm("2.17.2")], DEV, False),
    ("FF005", "flux-install-local-chart", [pulumi_helm(None, chart="./charts/flux2", repo=None)], DEV, False),
    ("FF005", "flux-install-unset", [pulumi_helm(None)], DEV, True),
    ("FF005", "flux-install-range", [pulumi_helm("2.x")], DEV, True),
    ("FF006", "exact-prod", [release("1.2.3")], PROD, False),
    ("FF006", "prerelease-prod", [release("1.2.3-rc.1")], PROD, False),
    ("FF006", "partial-prod", [release("1.2")], PROD, True),
    ("FF006", "equals-prod", [release("=1.2.3")], PROD, True),
    ("FF006", "flux-install-partial-prod", [pulumi_helm("2.17")], PROD, True),
    ("FF007", "one-minute", [git(interval="1m")], DEV, False),
    ("FF007", "unparsable-left-to-schema", [git(interval="soon")], DEV, False),
    ("FF007", "git-thirty-seconds", [git(interval="30s")], DEV, True),
    ("FF007", "helm-repo-mixed-duration", [helm_repo(interval="0m59s")], DEV, True),
    ("FF008", "one-minute", [kust(interval="1m", timeout="1m")], DEV, False),
    ("FF008", "kustomization-45s", [kust(interval="45s", timeout="30s")], DEV, True),
    ("FF008", "helmrelease-30s", [release(interval="30s", timeout="20s")], DEV, True),
    ("FF009", "timeout-within-interval", [kust()], DEV, False),
    ("FF009", "timeout-over-interval", [kust(timeout="10m")], DEV, True),
    ("FF009", "retry-hammering", [kust(retryInterval="2s")], DEV, True),
    ("FF009", "infinite-remediation", [release(install={"remediation": {"retries": -1}})], DEV, True),
    ("FF009", "unknown-retry-interval", [kust(retryInterval=UNKNOWN)], DEV, False),
    ("FF009", "source-timeout-within-interval", [git(timeout="60s")], DEV, False),
    ("FF009", "source-timeout-over-interval", [git(interval="1m", timeout="2m")], DEV, True),
    ("FF009", "kustomization-no-retry", [kust(retryInterval=None)], DEV, True),
    ("FF009", "helmrelease-no-upgrade-retries", [release(upgrade=None)], DEV, True),
    ("FF009", "helmrelease-zero-install-retries", [release(install={"remediation": {"retries": 0}})], DEV, True),
    ("FF010", "chain", [kust(name="a"), kust(name="b", dependsOn=[{"name": "a"}])], DEV, False),
    ("FF010", "cross-namespace-edge", [kust(name="a", ns="flux-system"), kust(name="b", dependsOn=[{"name": "a", "namespace": "flux-system"}])], DEV, False),
    ("FF010", "two-cycle", [kust(name="a", dependsOn=[{"name": "b"}]), kust(name="b", dependsOn=[{"name": "a"}])], DEV, True),
    ("FF010", "self-loop", [release(name="a", dependsOn=[{"name": "a"}])], DEV, True),
    ("FF010", "missing-target", [kust(name="b", dependsOn=[{"name": "ghost"}])], DEV, True),
    ("FF011", "github-with-secret", [receiver()], DEV, False),
    ("FF011", "generic-hmac", [receiver(type="generic-hmac")], DEV, False),
    ("FF011", "unknown-secret-name", [receiver(secretRef={"name": UNKNOWN})], DEV, False),
    ("FF011", "plain-generic", [receiver(type="generic")], DEV, True),
    ("FF011", "no-secret", [receiver(secretRef=None)], DEV, True),
    ("FF012", "32-bytes", [token(32)], DEV, False),
    ("FF012", "unknown-length", [token(secret_marker(8))], DEV, False),
    ("FF012", "16-bytes", [token(16)], DEV, True),
    ("FF013", "read-only", [deploy_key(True)], DEV, False),
    ("FF013", "default-read-only", [deploy_key(None)], DEV, False),
    ("FF013", "writable-for-image-automation", [deploy_key(False, "fleet")], WRITES_FLEET, False),
    ("FF013", "writable-for-automation-object", [deploy_key(False, "fleet"), git(), image_automation("image-updates")], DEV, False),
    ("FF013", "writable-nobody-pushes", [deploy_key(False, "apps")], WRITES_FLEET, True),
    ("FF014", "separate-branch", [], SEPARATE, False),
    ("FF014", "dev-same-branch", [], Context(image_automation=SAME.image_automation), False),
    ("FF014", "prod-object-separate-branch", [image_automation("image-updates")], PROD, False),
    ("FF014", "prod-default-push-branch", [], SAME, True),
    ("FF014", "prod-object-pushes-main", [image_automation(None)], PROD, True),
    ("FF015", "pulumi-only", [kust(ns="flux-system", name="x")], DEV, False),
    ("FF015", "rendered-only", rendered(kust(ns="flux-system", name="x")), DEV, False),
    ("FF015", "both-owners", [kust(ns="flux-system", name="x"), *rendered(kust(ns="flux-system", name="x"))], DEV, True),
    ("FF016", "not-suspended", [kust()], DEV, False),
    ("FF016", "suspended-annotated", [k8s("Kustomization", KUS, "flux-system", "k", {"suspend": True}, annotations=SUSPEND_NOTES)], DEV, False),
    ("FF016", "suspended-notes-unknown", [k8s("Kustomization", KUS, "flux-system", "k", {"suspend": True}, annotations={"fluxform.io/suspended-by": UNKNOWN, "fluxform.io/suspend-reason": UNKNOWN})], DEV, False),
    ("FF016", "suspended-bare", [kust(ns="flux-system", suspend=True)], DEV, True),
    ("FF016", "suspended-owner-only", [k8s("HelmRelease", HELM, "flux-system", "h", {"suspend": True}, annotations={"fluxform.io/suspended-by": "ops"})], DEV, True),
    ("FF017", "verified-prod", [git(verify={"mode": "HEAD", "secretRef": {"name": "keys"}})], PROD, False),
    ("FF017", "unverified-dev", [git()], DEV, False),
    ("FF017", "unknown-verify-prod", [git(verify=UNKNOWN)], PROD, False),
    ("FF017", "unverified-prod", [git()], PROD, True),
    ("FF018", "oci-prod", [helm_repo(type="oci", url="oci://ghcr.io/acme/charts")], PROD, False),
    ("FF018", "https-dev", [helm_repo()], DEV, False),
    ("FF018", "https-prod", [helm_repo()], PROD, True),
    ("FF019", "current-versions", [kust(), release(), git(), receiver(),
                                   k8s("Alert", "notification.toolkit.fluxcd.io/v1beta3", "flux-system", "a", {})], DEV, False),
    ("FF019", "non-flux-kind", [k8s("Provider", "example.com/v1", "x", "p", {})], DEV, False),
    ("FF019", "external-artifact-v1", [k8s("ExternalArtifact", SRC, "flux-system", "e", {})], DEV, False),
    ("FF019", "kustomization-v1beta2", [k8s("Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2", "team-a", "k", {})], DEV, True),
    ("FF019", "helmrelease-v2beta1", [k8s("HelmRelease", "helm.toolkit.fluxcd.io/v2beta1", "team-a", "h", {})], DEV, True),
    ("FF019", "receiver-v1beta3", [k8s("Receiver", "notification.toolkit.fluxcd.io/v1beta3", "flux-system", "r", {})], DEV, True),
    ("FF019", "source-v1beta2", [k8s("HelmRepository", "source.toolkit.fluxcd.io/v1beta2", "flux-system", "h", {})], DEV, True),
    ("FF020", "plain-values", [release(values={"replicaCount": 2, "ingress": {"enabled": True}})], DEV, False),
    ("FF020", "references-to-secrets", [release(values={"auth": {"existingSecret": "db", "secretName": "db", "passwordKey": "pw",
                                                                 "tokenLength": 32, "password": ""}})], DEV, False),
    ("FF020", "ssh-git-url", [git(), helm_repo(url="https://charts.example.com/x@1")], DEV, False),
    ("FF020", "secret-marker-password", [release(values={"password": secret_marker("x")})], DEV, False),
    ("FF020", "password-in-values", [release(values={"db": {"adminPassword": "CANARY-pw"}})], DEV, True),
    ("FF020", "api-key-in-list", [release(values={"env": [{"api_key": "CANARY-k"}]})], DEV, True),
    ("FF020", "token-in-pulumi-helm", [PolicyObject(pulumi_helm("2.0.0").type, pulumi_helm("2.0.0").subject, "flux",
                                                    {**pulumi_helm("2.0.0").props, "values": {"token": "CANARY-t"}})], DEV, True),
    ("FF020", "git-url-with-password", [git(url="https://bot:CANARY-pw@github.com/acme/fleet")], DEV, True),
    ("FF020", "helm-repo-url-with-password", [helm_repo(url="https://u:CANARY-pw@charts.example.com")], DEV, True),
    ("FF020", "provider-address-with-password", [k8s("Provider", NOTE, "flux-system", "p", {"type": "generic", "address": "https://u:CANARY@hooks.example.com"})], DEV, True),
    ("FF020", "url-in-values", [release(values={"upstream": "redis://:CANARY-pw@redis:6379"})], DEV, True),
    # What the capture leaves of a credential written in the spec (fluxform.graph.redact_credentials).
    ("FF020", "redacted-password-in-values", [release(values={"db": {"adminPassword": secret_marker(None)}})], DEV, True),
    ("FF020", "redacted-reference-in-values", [release(values={"db": {"passwordKey": secret_marker(None)}})], DEV, False),
    ("FF020", "masked-url-password", [helm_repo(url="https://u:***@charts.example.com")], DEV, True),
    # Tenant namespace hardening (what the Tenant component creates: a namespace labelled
    # toolkit.fluxcd.io/tenant with its Pod Security label, NetworkPolicy, quota and LimitRange).
    ("FF021", "enforced", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a", "pod-security.kubernetes.io/enforce": "restricted"})], DEV, False),
    ("FF021", "no-enforce-label", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a"})], DEV, True),
    ("FF022", "restricted", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a", "pod-security.kubernetes.io/enforce": "restricted"})], DEV, False),
    ("FF022", "baseline", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a", "pod-security.kubernetes.io/enforce": "baseline"})], DEV, True),
    ("FF023", "default-deny", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a"}),
                               k8s("NetworkPolicy", "networking.k8s.io/v1", "team-a", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})], DEV, False),
    ("FF023", "policy-selects-some-pods", [k8s("Namespace", "v1", "", "team-a", labels={"toolkit.fluxcd.io/tenant": "team-a"}),
                                           k8s("NetworkPolicy", "networking.k8s.io/v1", "team-a", "web", {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]})], DEV, True),
    ("FF024", "quota-with-defaults", [k8s("ResourceQuota", "v1", "team-a", "team-a", {"hard": {"requests.cpu": "2"}}),
                                      k8s("LimitRange", "v1", "team-a", "defaults", {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m"}}]})], DEV, False),
    ("FF024", "quota-without-defaults", [k8s("ResourceQuota", "v1", "team-a", "team-a", {"hard": {"requests.cpu": "2"}})], DEV, True),
    ("FF025", "secret-marker-key", [k8s("Secret", "v1", "flux-system", "sops-age", stringData=secret_marker("x"))], DEV, False),
    ("FF025", "public-recipient", [release(values={"sops": {"age": "age1cmq5eswsgpmjazf8l7aceuye6spy0xtzx7lyqgpy5gwlqwkne0qqf3rdea"}})], DEV, False),
    ("FF025", "age-key-in-values", [release(values={"sops": "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"})], DEV, True),
    ("FF025", "rendered-decryption-secret", rendered(k8s("Secret", "v1", "flux-system", "sops-age",
                                                         labels={"fluxform.io/purpose": "sops-decryption"})), DEV, True),
    ("FF026", "verified-oci", [k8s("OCIRepository", SRC, "flux-system", "apps", {"url": "oci://r/a", "verify": {"provider": "cosign"}})], PROD, False),
    ("FF026", "unverified-oci-in-dev", [k8s("OCIRepository", SRC, "flux-system", "apps", {"url": "oci://r/a"})], DEV, False),
    ("FF026", "unverified-oci-in-prod", [k8s("OCIRepository", SRC, "flux-system", "apps", {"url": "oci://r/a"})], PROD, True),
]
assert NOTE and SRC  # builders' API constants, imported for readers


def findings_of(rule: str, objects: list[Any], ctx: Context) -> list[Any]:
    return [f for f in evaluate(copy.deepcopy(objects), ctx) if f.rule_id == rule]


@pytest.mark.parametrize(("rule", "objects", "ctx", "fires"),
                         [pytest.param(r, o, c, f, id=f"{r}-{'fail' if f else 'pass'}-{i}")
                          for r, i, o, c, f in CASES])
def test_rule(rule: str, objects: list[Any], ctx: Context, fires: bool) -> None:
    found = findings_of(rule, objects, ctx)
    if not fires:
        assert found == [], [f.message for f in found]
        return
    assert found, f"{rule} did not fire"
    for f in found:
        assert f.message and f.hint and f.subject
        assert "$fluxform" not in f.message


def test_credential_findings_never_quote_the_credential() -> None:
    for rule, case, objects, ctx, fires in CASES:
        if rule == "FF020" and fires:
            found = findings_of(rule, objects, ctx)
            assert found and all("CANARY" not in f.message + f.subject + f.hint for f in found), case
    (finding,) = findings_of("FF020", [release(values={"db": {"adminPassword": "CANARY-pw"}})], DEV)
    assert finding.message == ("HelmRelease flux-system/web sets the secret-looking value "
                               "db.adminPassword in plain text")
    assert "valuesFrom" in finding.hint and finding.severity == "error"


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(set(ids))
    for rule in ids:
        assert {fires for r, _, _, _, fires in CASES if r == rule} == {True, False}, rule


def test_severities_are_per_stack() -> None:
    bad = [release("1.2")]
    assert findings_of("FF006", bad, DEV)[0].severity == "warning"
    assert findings_of("FF006", bad, PROD)[0].severity == "error"
    assert findings_of("FF006", bad, Context(production=True, severities={"FF006": "off"})) == []
    assert findings_of("FF006", bad, Context(severities={"FF006": "error"}))[0].severity == "error"
    assert findings_of("FF001", [kust(serviceAccountName=None)],
                       Context(severities={"FF001": "warning"}))[0].severity == "warning"


def test_findings_are_sorted_and_unique() -> None:
    objs = [kust(serviceAccountName=None, interval="10s", timeout="5s"), release("*"), token(4)]
    found = evaluate(objs + copy.deepcopy(objs), DEV)
    assert found == sorted(set(found))
    assert {f.rule_id for f in found} == {"FF001", "FF005", "FF008", "FF012"}


def test_rendered_subjects_name_the_object() -> None:
    (obj,) = rendered(kust(serviceAccountName=None))
    assert obj.origin == "rendered" and obj.type == f"kubernetes:{KUS}:Kustomization"
    assert [f.subject for f in evaluate([obj], DEV)] == ["Kustomization/team-a/apps"]



# --- Credentials written in the spec, delivered through Git (render refuses them) -----------

LEAKY_RELEASE = """\
      values:
        replicaCount: 1
        auth:
          adminPassword: CANARY-render-pw-0b1e
"""


def test_render_refuses_a_credential_in_helm_values_with_file_line_and_field(tmp_path: Any) -> None:
    import dataclasses

    from conftest import ROOT

    from fluxform.errors import RenderError
    from fluxform.render import render_tree
    from fluxform.spec import load_spec

    text = (ROOT / "stacks" / "dev.yaml").read_text()
    assert "      values:\n        replicaCount: 1\n" in text
    path = tmp_path / "leaky.yaml"
    path.write_text(text.replace("      values:\n        replicaCount: 1\n", LEAKY_RELEASE))
    spec = load_spec(path, display="stacks/leaky.yaml")
    git = dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery="git"))
    line = path.read_text().splitlines().index("          adminPassword: CANARY-render-pw-0b1e") + 1
    with pytest.raises(RenderError) as caught:
        render_tree(git, "stacks/leaky.yaml", str(path))
    message = str(caught.value)
    assert message.startswith(f"stacks/leaky.yaml:{line}: helm.releases[0].values.auth.adminPassword: ")
    assert "valuesFrom" in message and "CANARY" not in message and "\n" not in message
    with pytest.raises(RenderError, match=r"^stacks/leaky.yaml: helm.releases\[name=podinfo\]"):
        render_tree(git, "stacks/leaky.yaml")  # without the file, no line
    # The same spec delivered by Pulumi renders (the capture redacts the value; FF020 flags it).
    assert render_tree(spec if spec.flux.delivery == "pulumi" else
                       dataclasses.replace(spec, flux=dataclasses.replace(spec.flux, delivery="pulumi")),
                       "stacks/leaky.yaml")
