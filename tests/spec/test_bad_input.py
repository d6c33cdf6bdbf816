"""The bad-input corpus: every case fails with one exact line naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluxform.errors import SpecError
from fluxform.spec import load_spec, load_spec_bytes

VALID = (Path(__file__).parents[2] / "stacks" / "dev.yaml").read_text(encoding="utf-8")

MINIMAL = """\
version: 1
cluster:
  name: c1
  environment: dev
  context: kind-c1
flux:
  chart_version: "2.17.2"
fleet:
  owner: acme
  repository: fleet
"""


def with_lines(*extra: str) -> str:
    return MINIMAL + "\n".join(extra) + "\n"


# id -> (document, expected error line)
CASES: dict[str, tuple[bytes | str, str]] = {
    "empty-file": ("", "spec.yaml:1: the file is empty (hint: start from stacks/dev.yaml)"),
    "only-comments": ("# nothing\n\n# here\n", "spec.yaml:1: the file is empty (hint: start from stacks/dev.yaml)"),
    "not-a-mapping": ("- a\n- b\n", "spec.yaml:1: the spec must be a mapping of keys (hint: start from stacks/dev.yaml)"),
    "scalar-document": ("hello\n", "spec.yaml:1: the spec must be a mapping of keys (hint: start from stacks/dev.yaml)"),
    "invalid-utf8": (MINIMAL.encode() + b"layers: [\xff]\n", "spec.yaml:11: invalid UTF-8 (hint: save the file as UTF-8)"),
    "tab-indent": (MINIMAL.replace("  name: c1", "\tname: c1"), "spec.yaml:3: tab character in indentation (hint: YAML indents with spaces only)"),
    "alias-bomb": ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "spec.yaml:1: YAML anchors and aliases are not allowed (hint: write the value out in full (this also rules out alias bombs))"),
    "two-documents": (MINIMAL + "---\nversion: 1\n", "spec.yaml:12: expected exactly one YAML document (hint: remove the extra '---' documents)"),
    "python-tag": ("version: !!python/object:os.system 1\n", "spec.yaml:1: version: YAML tag 'tag:yaml.org,2002:python/object:os.syste' is not allowed (hint: remove the tag)"),
    "duplicate-key": (MINIMAL + "version: 2\n", "spec.yaml:11: version: duplicate key (hint: remove one of the two entries)"),
    "non-string-key": (MINIMAL + "1: x\n", "spec.yaml:11: keys must be plain strings (hint: quote the key or rename it)"),
    "broken-yaml": ("version: 1\ncluster: [\n", "spec.yaml:3: invalid YAML: expected the node content, but found '<stream end>' (hint: check indentation and quoting near this line)"),
    "missing-version": (MINIMAL.replace("version: 1\n", ""), "spec.yaml:1: missing required key 'version' (hint: Spec format version; must be 1)"),
    "wrong-version": (MINIMAL.replace("version: 1", "version: 2"), "spec.yaml:1: version: unsupported value 2 (hint: allowed: 1)"),
    "missing-cluster": (MINIMAL.split("cluster:")[0] + "flux:\n  chart_version: '1.0.0'\nfleet: {owner: a, repository: b}\n", "spec.yaml:1: missing required key 'cluster' (hint: The cluster and how Pulumi reaches it)"),
    "unknown-top-key": (with_lines("tenant: []"), "spec.yaml:11: tenant: unknown key (hint: did you mean 'tenants'?)"),
    "unknown-nested-key": (MINIMAL.replace("  environment: dev", "  enviroment: dev"), "spec.yaml:4: cluster.enviroment: unknown key (hint: did you mean 'environment'?)"),
    "bool-as-string": (with_lines("layers:", "  - name: a", "    path: ./a", "    prune: 'yes'"), "spec.yaml:14: layers[0].prune: expected true or false, got a string"),
    "int-as-bool": (with_lines("helm:", "  repositories: [{name: r, url: 'oci://x'}]", "  releases:", "    - {name: a, namespace: a, repository: r, chart: c, version: '1.0.0', retries: true}"), "spec.yaml:14: helm.releases[0].retries: expected a whole number, got a boolean"),
    "version-as-float": (MINIMAL.replace('"2.17.2"', "2.17"), 'spec.yaml:7: flux.chart_version: version 2.17 was read as a number (hint: quote it, e.g. "1.20.0")'),
    "chart-version-not-exact": (MINIMAL.replace('"2.17.2"', '"2.x"'), "spec.yaml:7: flux.chart_version: '2.x' is not an exact version (hint: use e.g. 2.17.2)"),
    "bad-k8s-name": (with_lines("layers:", "  - {name: Infra_Controllers, path: ./a}"), "spec.yaml:12: layers[0].name: 'Infra_Controllers' is not a valid Kubernetes name (hint: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)"),
    "name-too-long": (with_lines("layers:", "  - {name: " + "a" * 64 + ", path: ./a}"), "spec.yaml:12: layers[0].name: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... is not a valid Kubernetes name (hint: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)"),
    "bad-duration": (with_lines("layers:", "  - {name: a, path: ./a, interval: 10 minutes}"), "spec.yaml:12: layers[0].interval: '10 minutes' is not a duration (hint: use e.g. 30s, 5m, 1h30m)"),
    "absolute-path": (with_lines("layers:", "  - {name: a, path: /etc}"), "spec.yaml:12: layers[0].path: '/etc' is not a relative path inside the repository (hint: use e.g. ./clusters/dev (no '..', not absolute))"),
    "dotdot-path": (with_lines("layers:", "  - {name: a, path: ./../other}"), "spec.yaml:12: layers[0].path: './../other' is not a relative path inside the repository (hint: use e.g. ./clusters/dev (no '..', not absolute))"),
    "bad-algorithm": (with_lines("  deploy_key: {algorithm: rsa}"), "spec.yaml:11: fleet.deploy_key.algorithm: 'rsa' is not allowed (hint: allowed: ecdsa-p384, ed25519)"),
    "bad-delivery": (MINIMAL.replace('  chart_version: "2.17.2"', '  chart_version: "2.17.2"\n  delivery: gitops'), "spec.yaml:8: flux.delivery: 'gitops' is not allowed (hint: did you mean 'git'?)"),
    "context-and-kubeconfig": (MINIMAL.replace("  context: kind-c1", "  context: kind-c1\n  kubeconfig: ./kc"), "spec.yaml:3: cluster: set exactly one of 'context' or 'kubeconfig' (hint: a stack must name the one cluster it may touch)"),
    "neither-context-nor-kubeconfig": (MINIMAL.replace("  context: kind-c1\n", ""), "spec.yaml:3: cluster: set exactly one of 'context' or 'kubeconfig' (hint: a stack must name the one cluster it may touch)"),
    "duplicate-layer": (with_lines("layers:", "  - {name: a, path: ./a}", "  - {name: a, path: ./b}"), "spec.yaml:13: layers[1].name: duplicate name 'a' (hint: names must be unique here)"),
    "unknown-layer-dep": (with_lines("layers:", "  - {name: infra, path: ./a}", "  - {name: apps, path: ./b, depends_on: [infar]}"), "spec.yaml:13: layers[1].depends_on[0]: unknown layer 'infar' (hint: did you mean 'infra'?)"),
    "self-dependency": (with_lines("layers:", "  - {name: a, path: ./a, depends_on: [a]}"), "spec.yaml:12: layers[0].depends_on: depends_on cycle: a -> a (hint: break one of these edges)"),
    "cycle-of-three": (with_lines("layers:", "  - {name: a, path: ./a, depends_on: [c]}", "  - {name: b, path: ./b, depends_on: [a]}", "  - {name: c, path: ./c, depends_on: [b]}"), "spec.yaml:13: layers[1].depends_on: depends_on cycle: a -> c -> b -> a (hint: break one of these edges)"),
    "unknown-helm-repo": (with_lines("helm:", "  repositories: [{name: podinfo, url: 'oci://x'}]", "  releases:", "    - {name: a, namespace: a, repository: podinf, chart: c, version: '1.0.0'}"), "spec.yaml:14: helm.releases[0].repository: unknown repository 'podinf' (hint: did you mean 'podinfo'?)"),
    "release-cycle": (with_lines("helm:", "  repositories: [{name: r, url: 'oci://x'}]", "  releases:", "    - {name: a, namespace: a, repository: r, chart: c, version: '1.0.0', depends_on: [b]}", "    - {name: b, namespace: b, repository: r, chart: c, version: '1.0.0', depends_on: [a]}"), "spec.yaml:15: helm.releases[1].depends_on: depends_on cycle: a -> b -> a (hint: break one of these edges)"),
    "tenant-unknown-layer": (with_lines("tenants:", "  - name: team-a", "    source: {owner: acme, repository: apps}", "    depends_on: [platform]"), "spec.yaml:14: tenants[0].depends_on[0]: unknown layer 'platform' (hint: define the layer first)"),
    "tenant-reserved-name": (with_lines("tenants:", "  - name: kube-system", "    source: {owner: acme, repository: apps}"), "spec.yaml:12: tenants[0].name: 'kube-system' is a reserved namespace (hint: choose a tenant-specific name)"),
    "tenant-cluster-admin": (with_lines("tenants:", "  - name: team-a", "    source: {owner: acme, repository: apps}", "    cluster_role: cluster-admin"), "spec.yaml:14: tenants[0].cluster_role: tenants may not be bound to cluster-admin (hint: use admin or edit (bound only in the tenant's namespace))"),
    "tenant-missing-source": (with_lines("tenants:", "  - name: team-a"), "spec.yaml:12: tenants[0]: missing required key 'source' (hint: The tenant's repository)"),
    "bad-quota": (with_lines("tenants:", "  - name: team-a", "    source: {owner: acme, repository: apps}", "    quota: {pods: lots}"), "spec.yaml:14: tenants[0].quota.pods: 'lots' is not a Kubernetes quantity (hint: use e.g. 4, 500m, 8Gi)"),
    "bad-github-owner": (MINIMAL.replace("owner: acme", "owner: 'acme corp'"), "spec.yaml:9: fleet.owner: 'acme corp' is not a valid GitHub name (hint: letters, digits, '.', '_' and '-')"),
    "alert-unknown-provider": (with_lines("notifications:", "  providers: [{name: slack, type: slack}]", "  alerts: [{name: a, provider: slak}]"), "spec.yaml:13: notifications.alerts[0].provider: unknown provider 'slak' (hint: did you mean 'slack'?)"),
    "bad-event-kind": (with_lines("notifications:", "  receivers: [{name: r, type: github, resources: [{kind: Gitrepository, name: x}]}]"), "spec.yaml:12: notifications.receivers[0].resources[0].kind: 'Gitrepository' is not allowed (hint: did you mean 'GitRepository'?)"),
    "bad-severity": (with_lines("policy:", "  severities: {FF001: fatal}"), "spec.yaml:12: policy.severities.FF001: severity 'fatal' is not allowed (hint: use error, warning or off)"),
    "bad-rule-id": (with_lines("policy:", "  severities: {rule1: off}"), "spec.yaml:12: policy.severities.rule1: is not a rule id (hint: rule ids look like FF001 (see docs/policy.md))"),
    "verify-without-secret": (with_lines("  verify_signatures: true"), "spec.yaml:11: fleet.verify_signatures: verify_signatures needs verify_secret (hint: name the Secret holding the trusted public keys)"),
    "list-expected": (with_lines("layers: {name: a}"), "spec.yaml:11: layers: expected a list, got a mapping (hint: write it as [a, b] or one '- item' per line)"),
    "too-deep": (with_lines("helm:", "  repositories: [{name: r, url: 'oci://x'}]", "  releases:", "    - {name: a, namespace: a, repository: r, chart: c, version: '1.0.0', values: " + "[" * 40 + "]" * 40 + "}"), "spec.yaml:14: helm.releases[0].values[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nesting deeper than 32 (hint: flatten the structure)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_exact_line(case: str) -> None:
    document, expected = CASES[case]
    raw = document if isinstance(document, bytes) else document.encode("utf-8")
    with pytest.raises(SpecError) as info:
        load_spec_bytes(raw, "spec.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert message == expected


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"version: 1\n" + b"# padding\n" * 220_000)
    with pytest.raises(SpecError, match=r"over the 1048576-byte limit"):
        load_spec(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_minimal_spec_loads_with_defaults() -> None:
    spec = load_spec_bytes(MINIMAL.encode(), "spec.yaml")
    assert spec.flux.delivery == "pulumi" and spec.flux.multitenant_lockdown
    assert spec.fleet.deploy_key.algorithm == "ecdsa-p384"
    assert spec.fleet.branch == "main" and spec.layers == ()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_deep_nesting_and_huge_numbers_are_spec_errors() -> None:
    for raw in (b"a: " + b"[" * 50000 + b"]" * 50000 + b"\n", b"version: " + b"9" * 5000 + b"\n"):
        with pytest.raises(SpecError):
            load_spec_bytes(raw, "spec.yaml")
