"""The delivery features in the spec: what loads, what it becomes, and every misuse as one
`FILE:LINE: field: reason (hint: ...)` line (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from fluxform.errors import SpecError
from fluxform.spec import load_spec_text, model
from fluxform.spec.schema import json_schema

HEAD = """version: 1
cluster: {name: c1, environment: dev, context: kind-c1}
flux: {chart_version: "2.17.2"}
fleet: {owner: acme, repository: fleet, path: ./clusters/dev}
"""
AGE = "age104a9x78r96zlf0qfj88gyvrhgga6p77tjekgz7dxsa7fpdvvuydq6xzqfc"
GOOD = HEAD + f"""layers:
  - name: infra
    path: ./infra
    wait: false
    health_checks:
      - {{kind: Deployment, name: web, namespace: apps}}
      - {{api_version: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: db}}
    patches:
      - patch: |
          apiVersion: apps/v1
          kind: Deployment
          metadata: {{name: web}}
          spec: {{replicas: 2}}
      - patch: '[{{"op": "replace", "path": "/spec/replicas", "value": 3}}]'
        target: {{kind: Deployment, label_selector: app=web}}
    components: [./components/monitoring]
    cluster_vars: true
    substitute: {{LOG_LEVEL: info}}
    decryption: {{provider: sops}}
  - name: policies
    path: ./
    source:
      url: oci://ghcr.io/acme/policies
      digest: sha256:{"a" * 64}
      verify_signatures: true
      verify_secret: cosign-keys
tenants:
  - name: team-a
    source: {{owner: acme, repository: team-a-apps}}
    cluster_vars: true
    decryption: {{age_key_config: teamAKey}}
cluster_vars:
  region: eu-west-1
  domain: example.com
  values: {{TEAM_COUNT: "1"}}
  from_config: {{DNS_ZONE: dnsZone}}
sops:
  age_recipients: [{AGE}]
  age_key_config: sopsAgeKey
"""


def test_a_spec_using_every_feature_loads_into_the_model() -> None:
    spec = load_spec_text(GOOD, "s.yaml")
    infra, policies = spec.layers
    assert infra.health_checks == (
        model.HealthCheck(kind="Deployment", name="web", namespace="apps"),
        model.HealthCheck(kind="HelmRelease", name="db", api_version="helm.toolkit.fluxcd.io/v2"))
    assert infra.patches[0].target is None and infra.patches[1].target == model.PatchTarget(
        kind="Deployment", label_selector="app=web")
    assert infra.components == ("./components/monitoring",)
    assert infra.cluster_vars and infra.substitute == (("LOG_LEVEL", "info"),)
    assert infra.decryption == model.Decryption() and infra.source is None
    assert policies.source == model.OciSource(url="oci://ghcr.io/acme/policies", digest="sha256:" + "a" * 64,
                                              verify_signatures=True, verify_secret="cosign-keys")
    assert policies.decryption is None and not policies.cluster_vars
    assert spec.tenants[0].decryption == model.Decryption(age_key_config="teamAKey")
    assert spec.cluster_vars == model.ClusterVars(region="eu-west-1", domain="example.com",
                                                  values=(("TEAM_COUNT", "1"),),
                                                  from_config=(("DNS_ZONE", "dnsZone"),))
    assert spec.sops == model.Sops(age_recipients=(AGE,), age_key_config="sopsAgeKey")


def test_features_left_out_are_none_not_defaults() -> None:
    spec = load_spec_text(HEAD + "layers: [{name: a, path: ./a}]\n", "s.yaml")
    assert spec.cluster_vars is None and spec.sops is None
    assert spec.layers[0].source is None and spec.layers[0].decryption is None


def test_the_json_schema_accepts_the_spec_and_refuses_a_misspelt_key() -> None:
    schema = json_schema()
    jsonschema.validate(yaml.safe_load(GOOD), schema)
    bad = yaml.safe_load(GOOD)
    bad["layers"][0]["healthchecks"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = yaml.safe_load(GOOD)
    bad["sops"]["kms_annotations"] = {"eks.amazonaws.com/role-arn": "arn"}  # both identities
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    root = Path(__file__).resolve().parents[2]
    committed = json.loads((root / "schema" / "fluxform-spec.schema.json").read_text(encoding="utf-8"))
    assert committed == schema


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (id, edit of GOOD, the one expected line)
MISUSES = [
    ("health-checks-with-wait", lambda t: _replace(t, "    wait: false\n", ""),
     "s.yaml:8: layers[0].health_checks: needs 'wait: false' too (hint: with wait, Flux checks every "
     "applied object and ignores health_checks)"),
    ("json6902-without-target", lambda t: _replace(t, "        target: {kind: Deployment, label_selector: app=web}\n", ""),
     "s.yaml:18: layers[0].patches[1]: a JSON6902 patch needs a target (hint: add 'target:' with kind and name)"),
    ("smp-naming-nothing", lambda t: _replace(t, "          metadata: {name: web}\n", ""),
     "s.yaml:13: layers[0].patches[0]: a strategic merge patch without a target must name its object "
     "(hint: give the patch apiVersion, kind and metadata.name, or add 'target:')"),
    ("patch-not-yaml", lambda t: _replace(t, "'[{\"op\": \"replace\"", "'[{\"op\": \"replace\" ::"),
     "s.yaml:18: layers[0].patches[1].patch: is not valid YAML or JSON (hint: write a YAML mapping "
     "(strategic merge) or a list of JSON6902 operations)"),
    ("bad-json6902-op", lambda t: _replace(t, '"op": "replace"', '"op": "merge"'),
     "s.yaml:18: layers[0].patches[1].patch: is not a list of JSON6902 operations (hint: each item "
     "needs op (add, remove, replace, move, copy, test) and path)"),
    ("empty-target", lambda t: _replace(t, "target: {kind: Deployment, label_selector: app=web}", "target: {}"),
     "s.yaml:19: layers[0].patches[1].target: selects nothing (hint: give at least kind or name)"),
    ("decryption-without-key", lambda t: _replace(t, "  age_key_config: sopsAgeKey\n", ""),
     "s.yaml:23: layers[0].decryption: needs the cluster's decryption key (hint: set sops.age_key_config "
     "(or sops.kms_annotations), or name a Secret with secret_ref)"),
    ("tenant-decryption-without-key", lambda t: _replace(t, "{age_key_config: teamAKey}", "{provider: sops}"),
     "s.yaml:35: tenants[0].decryption: needs the tenant's own key (hint: set age_key_config (a secret "
     "stack config value) or secret_ref (a Secret the tenant manages); flux-system's key is out of "
     "reach under lockdown)"),
    ("both-sops-identities", lambda t: t + "  kms_annotations: {eks.amazonaws.com/role-arn: arn}\n",
     "s.yaml:44: sops.kms_annotations: 'age_key_config' and 'kms_annotations' are both set (hint: keep "
     "one: one decryption identity per cluster)"),
    ("private-key-as-recipient", lambda t: _replace(t, AGE, "AGE-SECRET-KEY-1CANARYCANARY"),
     "s.yaml:42: sops.age_recipients[0]: the value is not an age public key (hint: the public key "
     "`age-keygen -y` prints (age1 and 58 characters); the private key belongs in the stack config "
     "(pulumi config set --secret))"),
    ("oci-source-without-url", lambda t: _replace(t, "      url: oci://ghcr.io/acme/policies\n", ""),
     "s.yaml:26: layers[1].source: missing required key 'url' (hint: add 'url: oci://<registry>/<repository>')"),
    ("oci-source-over-https", lambda t: _replace(t, "url: oci://ghcr.io", "url: https://ghcr.io"),
     "s.yaml:27: layers[1].source.url: a layer source needs an oci:// url (hint: layers from Git use the "
     "fleet repository (leave source out))"),
    ("oci-source-two-refs", lambda t: _replace(t, "      verify_signatures: true\n", "      tag: v1\n      verify_signatures: true\n"),
     "s.yaml:28: layers[1].source.digest: set exactly one of tag, semver or digest (hint: pin the artifact, "
     "e.g. tag: v1.2.3 or a digest)"),
    ("oci-verify-without-keys", lambda t: _replace(t, "      verify_secret: cosign-keys\n", ""),
     "s.yaml:29: layers[1].source.verify_signatures: needs 'verify_secret' or 'verify_identities' (hint: "
     "name the Secret of cosign public keys, or the OIDC identities (keyless))"),
    ("oci-secret-without-verify", lambda t: _replace(t, "      verify_signatures: true\n", ""),
     "s.yaml:29: layers[1].source.verify_secret: needs 'verify_signatures: true' too (hint: turn "
     "verification on or remove the Secret)"),
    ("builtin-variable", lambda t: _replace(t, "TEAM_COUNT", "CLUSTER_NAME"),
     "s.yaml:39: cluster_vars.values.CLUSTER_NAME: 'CLUSTER_NAME' is set by fluxform (hint: pick another "
     "name; the built-in variables are CLUSTER_NAME, CLUSTER_ENVIRONMENT, CLUSTER_TIER, CLUSTER_REGION, "
     "CLUSTER_DOMAIN, INGRESS_CLASS)"),
    ("variable-twice", lambda t: _replace(t, "{DNS_ZONE: dnsZone}", "{TEAM_COUNT: dnsZone}"),
     "s.yaml:40: cluster_vars.from_config.TEAM_COUNT: 'TEAM_COUNT' is also set in cluster_vars.values "
     "(hint: set it once)"),
    ("bad-variable-name", lambda t: _replace(t, "LOG_LEVEL", "log-level"),
     "s.yaml:22: layers[0].substitute.log-level: 'log-level' is not a substitution variable name (hint: "
     "letters, digits and '_', not starting with a digit (Flux postBuild variables))"),
    ("unknown-key", lambda t: _replace(t, "    cluster_vars: true\n    substitute", "    clustervars: true\n    substitute"),
     "s.yaml:21: layers[0].clustervars: unknown key (hint: did you mean 'cluster_vars'?)"),
]


@pytest.mark.parametrize("edit, expected", [(e, x) for _, e, x in MISUSES], ids=[i for i, _, _ in MISUSES])
def test_misuse_is_one_line_with_file_line_and_field(edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as info:
        load_spec_text(edit(GOOD), "s.yaml")
    assert str(info.value) == f"{expected}"
    assert "\n" not in str(info.value) and "CANARY" not in str(info.value)
