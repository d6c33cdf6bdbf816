"""Hostile input on issue #14's surfaces (the fleet as an OCI artifact, chart_ref, OCI tenants,
image automation) and on `extends:` chains that use them: credentials in oci:// and https://
URLs, control and bidirectional characters, huge values, path traversal in names that become
file names in `render`, `$remove` in odd places.

Every case goes through `validate`, `plan` (with --out and --save) and `render` of a stand-alone
project: each is one `error: FILE:LINE: field: reason` line and exit 1, no traceback, no value
that was refused quoted back when it could be a credential, and nothing written (no plan file,
no saved graph, no rendered tree, the project unchanged). The validate lines are a golden
file, so a change of wording or of the line named is reviewed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_golden
from hardening_support import Run, assert_one_line, fluxform_here
from hypothesis import given, settings
from hypothesis import strategies as st

GOLDEN = Path(__file__).with_name("hostile_delivery_golden")
SECRET = "CANARY-hostile-7e3b"
DIGEST = "sha256:" + "0123456789abcdef" * 4
HEAD = """version: 1
cluster:
  name: air
  environment: prod
  context: kind-air
flux:
  chart_version: "2.17.2"
  delivery: git
"""
OCI_FLEET = """fleet:
  type: oci
  oci:
    url: oci://registry.internal/acme/fleet
    tag: "2026.01.1"
    verify_signatures: true
    verify_identities:
      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
        subject: ^https://github\\.com/acme/fleet/.*$
  path: ./clusters/air
"""
REST = """layers:
  - name: infra
    path: ./infra
  - name: apps
    path: ./apps
    source:
      url: oci://registry.internal/acme/apps
      semver: ">=1.0.0"
      verify_signatures: true
      verify_secret: apps-cosign
helm:
  repositories:
    - name: charts
      url: oci://ghcr.io/stefanprodan/charts
      chart_ref: true
  releases:
    - name: podinfo
      namespace: podinfo
      repository: charts
      chart: podinfo
      version: "6.7.1"
      digest: """ + DIGEST + """
tenants:
  - name: team-a
    source:
      type: oci
      url: oci://registry.internal/acme/team-a
      digest: """ + DIGEST + """
      secret_ref: team-a-pull
  - name: team-b
    source:
      type: git
      url: https://git.example.com/acme/team-b
"""
SPEC = HEAD + OCI_FLEET + REST
# A Git fleet with image automation (the dev example's shape), for the image automation fields.
IMAGES = HEAD.replace("  delivery: git\n", "  delivery: git\n  image_automation: true\n") + """fleet:
  owner: acme
  repository: fleet
  path: ./clusters/air
  image_automation: true
  image_automation_branch: image-updates
image_automation:
  repositories:
    - name: podinfo
      image: ghcr.io/stefanprodan/podinfo
  policies:
    - name: podinfo
      repository: podinfo
      semver: ">=6.7.0 <7.0.0"
      filter_pattern: ^(?P<v>.*)$
  update:
    path: ./clusters/air
"""
Edit = Callable[[str], str]


def sub(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


# name -> (edit of SPEC, or (spec, edit) for another base)
CASES: dict[str, tuple[str, Edit]] = {
    # credentials in URLs: refused on the field, the value never quoted
    "fleet-url-userinfo": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                     f"url: oci://robot:{SECRET}@registry.internal/acme/fleet")),
    "fleet-url-token": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                  f"url: oci://{SECRET}@registry.internal/acme/fleet")),
    "fleet-url-empty-userinfo": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                           "url: oci://@registry.internal/acme/fleet")),
    "layer-url-userinfo": (SPEC, sub("url: oci://registry.internal/acme/apps",
                                     f"url: oci://u:{SECRET}@registry.internal/acme/apps")),
    "tenant-oci-url-token": (SPEC, sub("url: oci://registry.internal/acme/team-a",
                                       f"url: oci://{SECRET}@registry.internal/acme/team-a")),
    "tenant-https-url-token": (SPEC, sub("url: https://git.example.com/acme/team-b",
                                         f"url: https://{SECRET}@git.example.com/acme/team-b")),
    "chart-ref-url-userinfo": (SPEC, sub("url: oci://ghcr.io/stefanprodan/charts",
                                         f"url: oci://u:{SECRET}@ghcr.io/stefanprodan/charts")),
    "fleet-url-https": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                  f"url: https://{SECRET}@registry.internal/f")),
    # control and bidirectional characters
    "fleet-url-escape": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                   'url: "oci://registry.internal/acme/\\e[2Jfleet"')),
    "fleet-url-bidi": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                 'url: "oci://registry.internal/acme/\\u202efleet"')),
    "fleet-url-nul": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                'url: "oci://registry.internal/acme/\\0fleet"')),
    "issuer-escape": (SPEC, sub("issuer: ^https://token\\.actions\\.githubusercontent\\.com$",
                                'issuer: "\\e]0;title\\a^https://token$"')),
    "subject-c1": (SPEC, sub("subject: ^https://github\\.com/acme/fleet/.*$",
                             'subject: "\\x9b2J^https://github.com/acme/.*$"')),
    "tag-escape": (SPEC, sub('tag: "2026.01.1"', 'tag: "2026\\e[31m"')),
    "verify-secret-newline": (SPEC, sub("verify_secret: apps-cosign", 'verify_secret: "apps\\ncosign"')),
    "filter-pattern-escape": (IMAGES, sub("filter_pattern: ^(?P<v>.*)$", 'filter_pattern: "^(?P<v>\\e.*)$"')),
    "author-name-bidi": (IMAGES, sub("  update:\n", '  update:\n    author_name: "bot\\u2066"\n')),
    "author-email-newline": (IMAGES, sub("  update:\n", '  update:\n    author_email: "a@b.example\\nX-Evil: 1"\n')),
    # huge values
    "fleet-url-huge": (SPEC, sub("url: oci://registry.internal/acme/fleet",
                                 "url: oci://registry.internal/" + "a" * 3000)),
    "subject-huge": (SPEC, sub("subject: ^https://github\\.com/acme/fleet/.*$", "subject: " + "s" * 2000)),
    "tag-huge": (SPEC, sub('tag: "2026.01.1"', "tag: " + "t" * 200)),
    "notation-with-identities": (SPEC, sub("  path: ./clusters/air\n", "    verify_provider: notation\n"
                                  "  path: ./clusters/air\n")),
    # names that become file names or directories in render
    "release-traversal": (SPEC, sub("    - name: podinfo\n      namespace", "    - name: ../podinfo\n      namespace")),
    "tenant-traversal": (SPEC, sub("  - name: team-a\n", "  - name: ../../team-a\n")),
    "tenant-absolute": (SPEC, sub("  - name: team-b\n", "  - name: /etc\n")),
    "layer-dot": (SPEC, sub("  - name: apps\n", "  - name: ..\n")),
    "image-repository-slash": (IMAGES, sub("    - name: podinfo\n      image:", "    - name: a/b\n      image:")),
    "update-path-traversal": (IMAGES, sub("    path: ./clusters/air\n", "    path: ../../clusters/air\n")),
    "fleet-path-absolute": (SPEC, sub("  path: ./clusters/air\n", "  path: /clusters/air\n")),
    "secret-ref-traversal": (SPEC, sub("secret_ref: team-a-pull", "secret_ref: ../team-a-pull")),
    # $remove where it does not belong (a spec without extends, or the wrong shape)
    "remove-in-plain-spec": (SPEC, sub('    tag: "2026.01.1"\n', '    tag: {$remove: true}\n')),
    "remove-key-in-plain-spec": (SPEC, sub('    tag: "2026.01.1"\n', '    $remove: true\n')),
    "remove-in-identities": (SPEC, sub("      - issuer:", "      - $remove: true\n        issuer:")),
    "remove-as-tag": (SPEC, sub('tag: "2026.01.1"', "tag: $remove")),
}
# Overlay chains: name -> {file: text}; stacks/prod.yaml is the spec the stack names.
BASE = {"stacks/base.yaml": SPEC}
OVERLAYS: dict[str, dict[str, str]] = {
    "overlay-url-userinfo": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                             f"    url: oci://u:{SECRET}@registry.internal/x\n"},
    "base-url-token": {"stacks/base.yaml": SPEC.replace("url: oci://registry.internal/acme/fleet",
                                                        f"url: oci://{SECRET}@registry.internal/f"),
                       "stacks/prod.yaml": "extends: base.yaml\ncluster: {name: air2}\n"},
    "overlay-remove-oci": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci: {$remove: true}\n"},
    "overlay-remove-ref": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                           "    tag: {$remove: true}\n"},
    "overlay-remove-false": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                             "    tag: {$remove: false}\n"},
    "overlay-remove-extra": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                             "    tag: {$remove: true, x: 1}\n"},
    "overlay-remove-missing": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                               "    semver: {$remove: true}\n"},
    "overlay-remove-identity": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                                "    verify_identities:\n      - {$remove: true}\n"},
    "overlay-remove-tenant-missing": {**BASE, "stacks/prod.yaml": "extends: base.yaml\ntenants:\n"
                                      "  - {name: team-z, $remove: true}\n"},
    "overlay-type-github-keeps-oci": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n"
                                      "  type: github\n  owner: acme\n  repository: fleet\n"},
    "overlay-two-refs": {**BASE, "stacks/prod.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                         "    digest: " + DIGEST + "\n"},
    "overlay-chain-control": {**BASE, "stacks/mid.yaml": "extends: base.yaml\nfleet:\n  oci:\n"
                              "    tag: \"v1\\e\"\n",
                              "stacks/prod.yaml": "extends: mid.yaml\ncluster: {name: air3}\n"},
    "overlay-chain-cycle": {**BASE, "stacks/mid.yaml": "extends: prod.yaml\n",
                            "stacks/prod.yaml": "extends: mid.yaml\n"},
    "overlay-extends-traversal": {**BASE, "stacks/prod.yaml": "extends: ../../../../etc/passwd\n"},
    "overlay-tenant-name-traversal": {**BASE, "stacks/prod.yaml": "extends: base.yaml\ntenants:\n"
                                      "  - name: ../x\n    source: {type: git, url: https://g.example.com/x}\n"},
}
ALL = sorted([*CASES, *OVERLAYS])


def project(root: Path, files: dict[str, str]) -> Path:
    (root / "program").mkdir(parents=True)
    (root / "stacks").mkdir()
    (root / "Pulumi.yaml").write_text("name: airgap\nruntime:\n  name: python\nmain: program/\n")
    (root / "program" / "__main__.py").write_text("from fluxform.program import main\n\nmain()\n")
    (root / "Pulumi.prod.yaml").write_text("config:\n  fluxform:spec: stacks/prod.yaml\n"
                                           "  fluxform:kubeContext: kind-air\n  fluxform:githubOwner: acme\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def files_of(name: str) -> dict[str, str]:
    if name in OVERLAYS:
        return OVERLAYS[name]
    base, edit = CASES[name]
    return {"stacks/prod.yaml": edit(base)}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_bases_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What the cases edit loads, plans and renders: each case fails for its edit alone."""
    for name, text in (("oci", SPEC), ("images", IMAGES)):
        root = project(tmp_path / name, {"stacks/prod.yaml": text})
        for args in (["validate", str(root / "stacks/prod.yaml")],
                     ["plan", "--project", str(root), "--stack", "prod", "--no-cache", "--no-policy-gate"],
                     ["render", "--project", str(root), "--stack", "prod", "--out", str(tmp_path / name / "t")]):
            result = fluxform_here(capsys, *args)
            assert result.code == 0, (name, args[0], result.err)


def _runs(root: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> list[Run]:
    return [
        fluxform_here(capsys, "validate", str(root / "stacks" / "prod.yaml")),
        fluxform_here(capsys, "plan", "--project", str(root), "--stack", "prod", "--out", str(out / "plan.txt"),
                      "--save", str(out / "graph.json"), "--no-cache"),
        fluxform_here(capsys, "--debug", "plan", "--project", str(root), "--stack", "prod", "--format", "json",
                      "--no-cache"),
        fluxform_here(capsys, "render", "--project", str(root), "--stack", "prod", "--out", str(out / "tree")),
    ]


@pytest.mark.parametrize("name", ALL)
def test_hostile_value_is_one_line_and_writes_nothing(name: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path / "p", files_of(name))
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(root)
    runs = _runs(root, out, capsys)
    for result in runs:
        line = assert_one_line(result, "prod.yaml:" if name not in OVERLAYS else ".yaml:")
        assert SECRET not in result.out + result.err, (name, line)
        assert "Traceback" not in result.out
    assert snapshot(root) == before
    assert list(out.iterdir()) == [], name
    # The same line from every command (plan and render prefix the stack or not; the rest agrees).
    first = runs[0].err.strip().split(str(root) + "/", 1)[-1]
    for result in runs[1:]:
        assert result.err.strip().endswith(first.split("error: ", 1)[-1]), (name, result.err)


def test_the_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case's `validate` line, run from the project (the path as given), reviewed as one
    file."""
    lines = []
    for name in ALL:
        monkeypatch.chdir(project(tmp_path / name, files_of(name)))
        result = fluxform_here(capsys, "validate", "stacks/prod.yaml")
        lines.append(f"{name}: {assert_one_line(result).removeprefix('error: ')}\n")
    assert_golden(GOLDEN / "lines.txt", "".join(lines))


def test_a_remove_under_a_key_the_base_lacks_is_refused(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`$remove` nested inside a mapping the overlay adds removes nothing: it must be refused
    like `key: {$remove: true}` one level up is, not become a Helm value `{"$remove": true}`."""
    overlay = ("extends: base.yaml\nhelm:\n  releases:\n    - name: podinfo\n"
               "      values: {ingress: {$remove: true}}\n")
    root = project(tmp_path / "p", {**BASE, "stacks/prod.yaml": overlay})
    result = fluxform_here(capsys, "validate", str(root / "stacks" / "prod.yaml"))
    assert_one_line(result, "prod.yaml:5: helm.releases[0].values.ingress", "nothing to remove")


# --- objects from elsewhere (a baseline, a state export): the spec never makes these --------

TOKEN_URLS = [f"oci://{SECRET}@registry.internal/acme/fleet", f"https://{SECRET}@git.example.com/x",
              f"OCI://{SECRET}@r.example.com/x", f"git+https://{SECRET}@g.example.com/x"]
NOT_CREDENTIALS = ["ssh://git@github.com/acme/fleet", "https://host.example.com/a@b",
                   "oci://registry.internal/x?tag=a@b", "https://g.example.com/x#frag@y"]


@pytest.mark.parametrize("url", TOKEN_URLS)
def test_a_token_in_a_url_is_ff020_and_never_rendered(url: str) -> None:
    from fluxform.errors import RenderError
    from fluxform.policy import Context, evaluate, objects_from_rendered
    from fluxform.render.tree import refuse_url_credentials

    obj = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
           "metadata": {"name": "fleet", "namespace": "flux-system"},
           "spec": {"url": url, "interval": "5m", "ref": {"tag": "v1"}}}
    findings = evaluate(objects_from_rendered([obj]), Context(production=False))
    (hit,) = [f for f in findings if f.rule_id == "FF020"]
    assert "spec.url" in hit.message and SECRET not in hit.message
    with pytest.raises(RenderError) as info:
        refuse_url_credentials(obj)
    assert SECRET not in str(info.value) and "spec.url" in str(info.value)


@pytest.mark.parametrize("url", NOT_CREDENTIALS)
def test_a_user_name_or_an_at_sign_after_the_host_is_no_credential(url: str) -> None:
    from fluxform.policy.credentials import url_with_password
    from fluxform.spec.validate import url_credentials

    assert list(url_with_password(url)) == []
    assert url_credentials(url) is None


USERINFO = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), max_codepoint=127)
                   | st.sampled_from("-._~!$&'()*+,;=%:"), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(info=USERINFO, field=st.sampled_from(["url: oci://registry.internal/acme/fleet",
                                             "url: oci://registry.internal/acme/apps",
                                             "url: oci://registry.internal/acme/team-a",
                                             "url: oci://ghcr.io/stefanprodan/charts"]))
def test_any_user_info_in_an_oci_url_is_refused_on_its_line_and_never_echoed(info: str, field: str) -> None:
    from fluxform.errors import SpecError
    from fluxform.spec import load_spec_text

    url = field.replace("oci://", f"oci://{info}@")
    text = SPEC.replace(field, f"url: '{url[5:]}'" if "'" not in info else f'url: "{url[5:]}"', 1)
    with pytest.raises(SpecError) as raised:
        load_spec_text(text, "s.yaml")
    message = str(raised.value)
    line = SPEC[:SPEC.index(field)].count("\n") + 1
    assert message.startswith(f"s.yaml:{line}: ") and "carries no credentials" in message, message
    assert len(info) < 4 or info not in message


@pytest.mark.parametrize("url", [*TOKEN_URLS, f"https://user:{SECRET}@tail@h.example.com/x"])
def test_a_credential_in_a_baseline_url_is_masked_in_the_graph(url: str) -> None:
    """A --baseline graph is anyone's file: the reader masks a token user and a password
    holding `@` (up to the authority's last `@`), so no plan shows them."""
    from fluxform.graph import FORMAT
    from fluxform.graphfile import parse_graph

    urn = "urn:pulumi:prod::fluxform::kubernetes:source.toolkit.fluxcd.io/v1:GitRepository::fleet"
    doc = {"format": FORMAT, "project": "fluxform", "stack": "prod", "resources": [
        {"urn": urn, "type": "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "name": "fleet",
         "custom": True, "inputs": {"spec": {"url": url}}}]}
    text = parse_graph(json.dumps(doc).encode(), "b.json").to_json()
    assert SECRET not in text and "***@" in text


@pytest.mark.parametrize("url", NOT_CREDENTIALS)
def test_a_url_without_credentials_is_not_masked(url: str) -> None:
    from fluxform.graph import mask_url_passwords

    assert mask_url_passwords(url) == url
