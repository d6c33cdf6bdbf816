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

from fluxform.baseline import GRAPH_SCHEMA, load_saved, load_state, parse_graph
from fluxform.errors import PlanError
from fluxform.graph import FORMAT

CANARY = "CANARY-tampered-baseline-5e1a"
SECRET = "kubernetes:core/v1:Secret"


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
