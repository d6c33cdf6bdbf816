"""Hostile `--baseline` graphs and `--state` exports: one line, never a traceback; the graph
format's JSON Schema is shipped and agrees with the loader; a tampered baseline's Secret data
never reaches a report."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT
from hardening_support import assert_one_line, fluxform_here, stand_in_project

from fluxform.errors import PlanError
from fluxform.graph import FORMAT
from fluxform.graphfile import GRAPH_SCHEMA, MAX_URN_LIST, load_saved, parse_graph
from fluxform.statefile import load_state

CANARY = "CANARY-tampered-baseline-5e1a"
PROGRAM = "import pulumi_kubernetes as k8s\nk8s.core.v1.Namespace('ns', metadata={'name': 'a'})\n"
SECRET = "kubernetes:core/v1:Secret"


URN = "urn:pulumi:dev::p::kubernetes:core/v1:ConfigMap::old-cm"


def resource(**extra: Any) -> dict[str, Any]:
    base = {"urn": "urn:pulumi:dev::p::kubernetes:core/v1:ConfigMap::cm", "type":
            "kubernetes:core/v1:ConfigMap", "name": "cm", "parent": None, "custom": True,
            "provider": None, "dependencies": [], "inputs": {"data": {"a": "b"}},
            "replaceOnChanges": [], "replacementTrigger": None, "deleteBeforeReplace": False}
    return {**base, **extra}


def graph(*resources: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"format": FORMAT, "project": "p", "stack": "dev", "resources": list(resources), **top}


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": value}
    return value


# name -> (document or raw bytes, what the one line says)
GRAPHS: dict[str, tuple[Any, str]] = {
    "not-json": (b"{", "invalid JSON"),
    "not-utf8": (b'{"format": "\xff"}', ":1: not a fluxform graph: invalid UTF-8"),
    "json-bomb-depth": (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
    "top-list": ([], "(top): expected an object"),
    "wrong-format": ({"format": "fluxform.graph/v9", "resources": []}, "format: 'fluxform.graph/v9' is not"),
    "resources-object": (graph(resources={}), "resources: expected a list"),
    "resource-string": (graph("x"), "resources[0]: expected an object"),
    "urn-number": (graph(resource(urn=5)), "resources[0].urn: expected a non-empty string"),
    "urn-control": (graph(resource(urn="urn:\x1b[31m")), "resources[0].urn: expected a non-empty string without control"),
    "custom-string": (graph(resource(custom="yes")), "resources[0].custom: expected true or false"),
    "dependencies-dict": (graph(resource(dependencies={"a": 1})), "resources[0].dependencies: expected a list"),
    "inputs-list": (graph(resource(inputs=[1])), "resources[0].inputs: expected an object"),
    "deep-inputs": (graph(resource(inputs=nested(80))), "nested deeper than 64 levels"),
    "secret-marker-with-value": (graph(resource(inputs={"s": {"$fluxform": "secret", "fingerprint": None,
                                                              "value": CANARY}})),
                                 "resources[0].inputs.s: not a valid $fluxform marker"),
    "fingerprint-not-hex": (graph(resource(inputs={"s": {"$fluxform": "secret", "fingerprint": CANARY}})),
                            "not a valid $fluxform marker"),
    "unknown-marker": (graph(resource(inputs={"s": {"$fluxform": "plaintext"}})), "not a valid $fluxform marker"),
    "duplicate-urn": (graph(resource(), resource()), "resources[1].urn: appears twice"),
    "stack-number": (graph(stack=3), "stack: expected a string"),
    "unknown-top-key": (graph(extra=1), "extra: unknown key"),
    # aliases: a list of Pulumi URNs (resource.go IsValid: the prefix and three `::`)
    "aliases-string": (graph(resource(aliases=URN)), "resources[0].aliases: expected a list of URNs"),
    "aliases-object": (graph(resource(aliases={"a": URN})), "resources[0].aliases: expected a list of URNs"),
    "aliases-number": (graph(resource(aliases=[URN, 7])), "resources[0].aliases[1]: expected a URN"),
    "aliases-null-item": (graph(resource(aliases=[None])), "resources[0].aliases[0]: expected a URN"),
    "aliases-plain-name": (graph(resource(aliases=[CANARY])), "resources[0].aliases[0]: expected a URN"),
    "aliases-two-delimiters": (graph(resource(aliases=["urn:pulumi:dev::p::cm"])),
                               "resources[0].aliases[0]: expected a URN"),
    "aliases-other-scheme": (graph(resource(aliases=["urn:other:dev::p::t::cm"])),
                             "resources[0].aliases[0]: expected a URN"),
    "aliases-control": (graph(resource(aliases=[URN + "\x1b[2J"])), "resources[0].aliases[0]: expected a URN"),
    "aliases-huge": (graph(resource(aliases=[URN] * (MAX_URN_LIST + 1))),
                     f"resources[0].aliases: more than {MAX_URN_LIST} URNs"),
    # propertyDependencies: an object, input name -> list of URNs
    "property-dependencies-list": (graph(resource(propertyDependencies=[URN])),
                                   "resources[0].propertyDependencies: expected an object"),
    "property-dependencies-string": (graph(resource(propertyDependencies=URN)),
                                     "resources[0].propertyDependencies: expected an object"),
    "property-dependencies-value-string": (graph(resource(propertyDependencies={"data": URN})),
                                           "resources[0].propertyDependencies.data: expected a list of URNs"),
    "property-dependencies-value-null": (graph(resource(propertyDependencies={"data": None})),
                                         "resources[0].propertyDependencies.data: expected a list of URNs"),
    "property-dependencies-not-urn": (graph(resource(propertyDependencies={"data": [URN, CANARY]})),
                                      "resources[0].propertyDependencies.data[1]: expected a URN"),
    "property-dependencies-nested": (graph(resource(propertyDependencies={"data": [[URN]]})),
                                     "resources[0].propertyDependencies.data[0]: expected a URN"),
    "property-dependencies-empty-key": (graph(resource(propertyDependencies={"": [URN]})),
                                        "resources[0].propertyDependencies: expected input names"),
    "property-dependencies-control-key": (graph(resource(propertyDependencies={"d\x1b[2J": [URN]})),
                                          "resources[0].propertyDependencies: expected input names"),
    "property-dependencies-huge-list": (graph(resource(propertyDependencies={"data": [URN] * (MAX_URN_LIST + 1)})),
                                        f"resources[0].propertyDependencies.data: more than {MAX_URN_LIST} URNs"),
    "property-dependencies-many-inputs": (graph(resource(propertyDependencies={f"k{i}": []
                                                                               for i in range(MAX_URN_LIST + 1)})),
                                          f"resources[0].propertyDependencies: more than {MAX_URN_LIST} inputs"),
}


def write(tmp_path: Path, doc: Any, name: str = "g.json") -> Path:
    path = tmp_path / name
    path.write_bytes(doc if isinstance(doc, bytes) else json.dumps(doc).encode())
    return path


@pytest.mark.parametrize("case", sorted(GRAPHS))
def test_hostile_saved_graphs_are_one_line(tmp_path: Path, case: str) -> None:
    doc, needle = GRAPHS[case]
    path = write(tmp_path, doc)
    with pytest.raises(PlanError) as info:
        load_saved(str(path))
    line = info.value.one_line()
    assert line.startswith(str(path)) and needle in line, line
    assert len(line) <= 300 and CANARY not in line and "\x1b" not in line


@pytest.mark.parametrize("case", sorted(c for c in GRAPHS if not isinstance(GRAPHS[c][0], bytes)
                                        and c not in ("deep-inputs", "duplicate-urn")))
def test_the_schema_rejects_what_the_loader_rejects(case: str) -> None:
    """Depth and unique URNs are the loader's own checks; every other rule is in the schema."""
    assert list(jsonschema.Draft202012Validator(GRAPH_SCHEMA).iter_errors(GRAPHS[case][0]))


def test_the_shipped_schema_is_the_module_one_and_accepts_a_real_graph() -> None:
    shipped = json.loads((ROOT / "schema" / "fluxform-graph.schema.json").read_text())
    assert shipped == GRAPH_SCHEMA and FORMAT in json.dumps(shipped)
    jsonschema.Draft202012Validator.check_schema(shipped)
    good = graph(resource(), resource(urn="urn:x::s", type=SECRET, name="s",
                                      inputs={"data": {"k": {"$fluxform": "secret",
                                                             "fingerprint": "sha256:0123456789abcdef"}},
                                              "u": {"$fluxform": "unknown"}}))
    assert not list(jsonschema.Draft202012Validator(shipped).iter_errors(good))
    assert len(parse_graph(json.dumps(good).encode(), "g")) == 2


def test_a_saved_capture_with_aliases_and_property_dependencies_passes_both_checks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --save` writes both fields (Resource.to_json); the shipped schema and the loader
    accept what the capture wrote, and the graph plans as no change against itself."""
    program = ("import pulumi, pulumi_kubernetes as k8s\n"
               "ns = k8s.core.v1.Namespace('ns', metadata={'name': 'a'},\n"
               "    opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name='old-ns')]))\n"
               "k8s.core.v1.ConfigMap('cm', metadata={'name': 'c', 'namespace': ns.metadata.name})\n")
    root = stand_in_project(tmp_path / "p", program)
    saved = tmp_path / "g.json"
    run = fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev", "--save", str(saved))
    assert run.code == 0, run
    doc = json.loads(saved.read_text())
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["ns"]["aliases"] == [by_name["ns"]["urn"].replace("::ns", "::old-ns")]
    assert by_name["cm"]["propertyDependencies"] == {"metadata": [by_name["ns"]["urn"]]}
    shipped = json.loads((ROOT / "schema" / "fluxform-graph.schema.json").read_text())
    assert not list(jsonschema.Draft202012Validator(shipped).iter_errors(doc))
    assert [r.to_json() for r in load_saved(str(saved))] == doc["resources"]
    again = fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev",
                          "--baseline", str(saved), "--detailed-exitcode")
    assert again.code == 0, again


def test_the_bounds_are_inclusive() -> None:
    at_bound = graph(resource(aliases=[URN] * MAX_URN_LIST,
                              propertyDependencies={f"k{i}": [URN] if i == 0 else []
                                                    for i in range(MAX_URN_LIST)}))
    at_bound["resources"][0]["propertyDependencies"]["k0"] = [URN] * MAX_URN_LIST
    assert not list(jsonschema.Draft202012Validator(GRAPH_SCHEMA).iter_errors(at_bound))
    (res,) = parse_graph(json.dumps(at_bound).encode(), "g")
    assert len(res.aliases) == MAX_URN_LIST and len(res.property_dependencies["k0"]) == MAX_URN_LIST


@pytest.mark.parametrize("case", ["aliases-plain-name", "aliases-control", "property-dependencies-huge-list",
                                  "property-dependencies-control-key"])
def test_a_hostile_baseline_on_the_command_line_is_one_line_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    doc, needle = GRAPHS[case]
    root = stand_in_project(tmp_path / "p", PROGRAM)
    path = write(tmp_path, doc)
    line = assert_one_line(fluxform_here(capsys, "plan", "--project", str(root), "--stack", "dev",
                                         "--baseline", str(path)), needle)
    assert CANARY not in line


def test_a_tampered_baseline_has_its_secret_data_redacted() -> None:
    tampered = graph(resource(urn="urn:x::s", type=SECRET, name="s",
                              inputs={"data": {"token": CANARY}, "stringData": CANARY,
                                      "metadata": {"name": "s"}}))
    loaded = parse_graph(json.dumps(tampered).encode(), "g")
    (res,) = loaded
    assert CANARY not in json.dumps(dict(res.inputs)) and CANARY not in loaded.to_json()
    assert res.inputs["data"]["token"] == {"$fluxform": "secret", "fingerprint": None}
    assert res.inputs["metadata"] == {"name": "s"}


STATE_OK = {"version": 3, "deployment": {"resources": []}}
STATES: dict[str, tuple[Any, str]] = {
    "not-utf8": (b'{"version": 3, "x": "\xff"}', "invalid UTF-8"),
    "not-json": (b"{", "invalid JSON"),
    "json-bomb-depth": (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
    "list": ([], "not a `pulumi stack export` file"),
    "deployment-list": ({"version": 3, "deployment": []}, "not a `pulumi stack export` file"),
    "resources-object": ({"version": 3, "deployment": {"resources": {}}}, "not a `pulumi stack export` file"),
    "version-2": ({"version": 2, "deployment": {"resources": []}}, "unsupported deployment version 2"),
    "version-control": ({"version": "\x1b[2J", "deployment": {"resources": []}}, "unsupported deployment version"),
    "entry-string": ({"version": 3, "deployment": {"resources": ["x"]}},
                     "deployment.resources[0]: a resource entry is not an object"),
    "urn-number": ({"version": 3, "deployment": {"resources": [{"urn": 1, "type": "t"}]}},
                   "deployment.resources[0].urn: a resource lacks urn or type"),
    "inputs-list": ({"version": 3, "deployment": {"resources": [{"urn": "u::a", "type": "t", "inputs": [1]}]}},
                    "deployment.resources[0].inputs: expected an object"),
    "deep-inputs": ({"version": 3, "deployment": {"resources": [{"urn": "u::a", "type": "t",
                                                                  "inputs": nested(80)}]}},
                    "nested deeper than 64 levels"),
    "dependencies-string": ({"version": 3, "deployment": {"resources": [{"urn": "u::a", "type": "t",
                                                                          "dependencies": "x"}]}},
                            "deployment.resources[0].dependencies: expected a list of strings"),
    "delete-string": ({"version": 3, "deployment": {"resources": [{"urn": "u::a", "type": "t",
                                                                    "delete": "no"}]}},
                      "deployment.resources[0].delete: expected true or false"),
}


@pytest.mark.parametrize("case", sorted(STATES))
def test_hostile_state_exports_are_one_line(tmp_path: Path, case: str) -> None:
    doc, needle = STATES[case]
    path = write(tmp_path, doc, "state.json")
    with pytest.raises(PlanError) as info:
        load_state(str(path))
    line = info.value.one_line()
    assert line.startswith(str(path)) and needle in line, line
    assert len(line) <= 300 and "\x1b" not in line


def test_a_plain_state_export_still_loads(tmp_path: Path) -> None:
    doc = copy.deepcopy(STATE_OK)
    doc["deployment"]["resources"] = [{"urn": "urn:pulumi:dev::p::t::a", "type": "t", "custom": True,
                                       "inputs": {"x": 1}, "dependencies": []}]
    assert [r.name for r in load_state(str(write(tmp_path, doc, "s.json")))] == ["a"]
