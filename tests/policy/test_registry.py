"""The registry against what describes it: docs/policy.md, the Flux CRDs, the graph converter."""

from __future__ import annotations

import re

from conftest import ROOT

from fluxform.graph import Graph, Resource
from fluxform.policy import RULES, objects_from_graph
from fluxform.policy.versions import CURRENT_API

DOC = ROOT / "docs" / "policy.md"


def doc_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| FF"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0]] = cells
    return rows


def test_docs_table_matches_the_registry() -> None:
    rows = doc_rows()
    assert list(rows) == [r.id for r in RULES]
    for rule in RULES:
        _, title, default, prod, _fires, why, fix = rows[rule.id]
        assert (title, default, prod.strip("*"), why, fix) == (
            rule.title, rule.severity, rule.prod_severity, rule.description, rule.hint), rule.id
        assert prod.startswith("**") == (rule.prod_severity != rule.severity), rule.id


def test_rules_carry_id_title_why_and_fix() -> None:
    for n, rule in enumerate(RULES, start=1):
        assert rule.id == f"FF{n:03d}"
        assert rule.title and rule.description and rule.hint
        assert rule.severity in ("error", "warning") and rule.prod_severity in ("error", "warning")
        assert not (rule.severity == "error" and rule.prod_severity == "warning"), "prod is never laxer"
        assert (rule.check.__doc__ or "").startswith(f"{rule.id}:"), rule.id


def test_current_api_versions_are_the_ones_the_crds_serve() -> None:
    """FF019's table agrees with the vendored CRDs of every supported Flux: the storage (current)
    version of each kind; older served versions are deprecated."""
    from fluxform import crds

    for crd_set in crds.crd_sets():
        current = {v.kind: v.api_version for v in crds.versions(crd_set).values() if v.storage}
        assert current == CURRENT_API, crd_set


def test_graph_objects_keep_their_parent() -> None:
    graph = Graph("p", "s", {
        "urn:t": Resource("urn:t", "fluxform:index:Tenant", "t", custom=False),
        "urn:n": Resource("urn:n", "kubernetes:core/v1:Namespace", "ns", parent="urn:t",
                          inputs={"metadata": {"name": "team-a"}}),
    })
    (obj,) = objects_from_graph(graph)
    assert (obj.parent, obj.name, obj.subject, obj.origin) == ("urn:t", "team-a", "urn:n", "pulumi")
