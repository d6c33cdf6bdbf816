"""Each value kind accepts what Kubernetes, Flux, Helm, Git and GitHub accept, and no more.

The same patterns go into the JSON Schema, so each case is also checked there: the schema
must agree with the loader on every single value."""

from __future__ import annotations

import re

import pytest

from fluxform.spec import kinds
from fluxform.spec.kinds import Text

GOOD_BAD: dict[str, tuple[Text, list[str], list[str]]] = {
    "name": (kinds.NAME, ["a", "team-a", "a1", "1a", "x" * 63],
             ["A", "team_a", "-a", "a-", "a.b", "x" * 64, "a\n", " a", "é"]),
    "release-name": (kinds.RELEASE_NAME, ["podinfo", "x" * 53], ["x" * 54]),
    "subdomain": (kinds.SUBDOMAIN, ["a.b-c", "keys"], ["a..b", ".a", "A"]),
    "duration": (kinds.DURATION, ["30s", "1m", "1h30m", "1.5h", "100ms", "0s"],
                 ["1", "5 m", "1d", "m", "-1m", "1m ", "1H", "1m\n"]),
    "exact-version": (kinds.EXACT_VERSION, ["2.17.2", "v1.0.0", "1.2.3-rc.1", "1.2.3+build.5"],
                      ["2.17", "2", "2.x", "~2.17", ">=1.0.0", "01.2.3", "1.2.3-", "1.2.3.4", "٣.1.1"]),
    "chart-version": (kinds.CHART_VERSION, ["6.7.1", "6.x", ">=1.0.0 <2.0.0", "^1.2"], ["latest!", "1;2"]),
    "github-owner": (kinds.GITHUB_OWNER, ["acme", "a-b", "A1", "x" * 39], ["-acme", "acme-", "a--b", "a_b", "x" * 40]),
    "github-repo": (kinds.GITHUB_REPO, ["fleet", "team.a_b-c", ".github", "x" * 100],
                    [".", "..", "a b", "a/b", "x" * 101]),
    "branch": (kinds.BRANCH, ["main", "release/1.2", "image-updates", "v1.0+x"],
               ["-main", "/main", "main/", "a..b", "a//b", "main.lock", "a b", "a~1", ".hidden"]),
    "path": (kinds.REL_PATH, ["./", ".", "./clusters/dev", "clusters/dev", "./a/b/", ".kube/config", "a..b"],
             ["/etc", "../x", "./../x", "a/../b", "a/..", "..", "a//b", "a b", "C:\\x"]),
    "quantity": (kinds.QUANTITY, ["4", "500m", "8Gi", "1.5", "1e3", "100Mi", ".5"],
                 ["-1", "4 Gi", "4GB", "lots", "1.2.3", "Gi"]),
    "resource": (kinds.RESOURCE, ["pods", "requests.cpu", "count/deployments.apps", "requests.nvidia.com/gpu"],
                 ["-pods", "a b"]),
    "annotation-key": (kinds.ANNOTATION_KEY, ["owner", "fluxform.io/owner", "a_b.c-d"],
                       ["bad key", "/owner", "Example.com/x", "a/b/c"]),
    "rule-id": (kinds.RULE_ID, ["FF001", "FF999"], ["FF1", "ff001", "FF0001", "XX001"]),
    "url": (kinds.URL, ["oci://ghcr.io/x/charts", "https://charts.example.com"], ["ghcr.io/x", "ftp://x", "https://a b"]),
    "event-target": (kinds.EVENT_TARGET, ["*", "flux-system", "a.b"], ["**", "A", "a*"]),
    "context": (kinds.CONTEXT, ["kind-dev", "arn:aws:eks:eu-west-1:1:cluster/prod", "admin@prod"], ["a b"]),
}
CASES = [(kind, value, ok) for kind, good, bad in GOOD_BAD.values() for value, ok in
         [*((v, True) for v in good), *((v, False) for v in bad)]]
IDS = [f"{name}:{'ok' if ok else 'bad'}:{value[:12]!r}" for name, (_, good, bad) in GOOD_BAD.items()
       for value, ok in [*((v, True) for v in good), *((v, False) for v in bad)]]


def loader_accepts(kind: Text, value: str) -> bool:
    return len(value) <= kind.max_len and (kind.regex is None or kind.regex.fullmatch(value) is not None)


def schema_accepts(kind: Text, value: str) -> bool:
    """What a JSON Schema validator does: search (not fullmatch) for the anchored pattern."""
    return len(value) <= kind.max_len and re.search(kind.pattern, value) is not None


@pytest.mark.parametrize("kind, value, ok", CASES, ids=IDS)
def test_kind(kind: Text, value: str, ok: bool) -> None:
    assert loader_accepts(kind, value) is ok
    if "\n" not in value:  # ECMA's $ never matches before a final newline; Python's re.search would
        assert schema_accepts(kind, value) is ok


def test_patterns_use_only_ascii_classes() -> None:
    """`\\d` and `\\w` mean different things in Python and ECMA-262; the table avoids them."""
    for name in dir(kinds):
        kind = getattr(kinds, name)
        if isinstance(kind, Text):
            assert "\\d" not in kind.pattern and "\\w" not in kind.pattern and "(?<" not in kind.pattern, name
