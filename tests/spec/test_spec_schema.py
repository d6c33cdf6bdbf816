"""The published JSON Schema: committed copy up to date, valid draft 2020-12, accepts both
example stacks and rejects what it can express (references and cycles it cannot: the loader
is the authority there, and the schema must never reject a spec the loader accepts)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import assert_golden

from fluxform.commands.schema import schema_text
from fluxform.errors import SpecError
from fluxform.spec import load_spec_text
from fluxform.spec.schema import json_schema

ROOT = Path(__file__).parents[2]
STACKS = {name: ROOT / "stacks" / f"{name}.yaml" for name in ("dev", "prod")}
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def test_committed_schema_is_the_generated_one() -> None:
    assert_golden(ROOT / "schema" / "fluxform-spec.schema.json", schema_text())
    assert json.loads((ROOT / "schema" / "fluxform-spec.schema.json").read_text()) == json_schema()


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())
    assert json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(STACKS))
def test_schema_accepts_example_stacks(name: str) -> None:
    VALIDATOR.validate(yaml.safe_load(STACKS[name].read_text()))


@pytest.mark.parametrize("name", sorted(STACKS))
def test_example_stacks_point_editors_at_the_schema(name: str) -> None:
    first = STACKS[name].read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/fluxform-spec.schema.json"


Mutation = Callable[[dict[str, Any]], object]
BAD: dict[str, Mutation] = {
    "missing-fleet": lambda d: d.pop("fleet"),
    "unknown-key": lambda d: d["cluster"].update(enviroment="dev"),
    "bad-duration": lambda d: d["layers"][0].update(interval="soon"),
    "bad-enum": lambda d: d["flux"].update(delivery="helm"),
    "bool-as-string": lambda d: d["layers"][0].update(prune="yes"),
    "version-2": lambda d: d.update(version=2),
    "float-version": lambda d: d["flux"].update(chart_version=2.17),
    "context-and-kubeconfig": lambda d: d["cluster"].update(kubeconfig="./kc"),
    "no-context": lambda d: d["cluster"].pop("context"),
    "reserved-tenant": lambda d: d["tenants"][0].update(name="kube-system"),
    "cluster-admin": lambda d: d["tenants"][0].update(cluster_role="cluster-admin"),
    "verify-without-secret": lambda d: d["fleet"].update(verify_signatures=True),
    "branch-without-automation": lambda d: d["fleet"].update(image_automation=False),
    "address-and-secret": lambda d: d["notifications"]["providers"][0].update(address="https://x"),
    "bad-rule-id": lambda d: d.update(policy={"severities": {"FF1": "error"}}),
    "duplicate-depends-on": lambda d: d["layers"][1].update(depends_on=["infra-controllers"] * 2),
    "bad-quota": lambda d: d["tenants"][0]["quota"].update(pods="lots"),
}


@pytest.mark.parametrize("mutation", list(BAD.values()), ids=list(BAD))
def test_schema_and_loader_both_reject(mutation: Mutation) -> None:
    doc = yaml.safe_load(STACKS["dev"].read_text())
    mutation(doc)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(doc)
    with pytest.raises(SpecError):
        load_spec_text(yaml.safe_dump(doc), "dev.yaml")


CROSS_REFERENCES: dict[str, Mutation] = {
    "unknown-layer": lambda d: d["tenants"][0].update(depends_on=["nope"]),
    "cycle": lambda d: d["layers"][0].update(depends_on=["infra-configs"]),
    "duplicate-name": lambda d: d["tenants"][1].update(name="team-a"),
    "unknown-provider": lambda d: d["notifications"]["alerts"][0].update(provider="teams"),
}


@pytest.mark.parametrize("mutation", list(CROSS_REFERENCES.values()), ids=list(CROSS_REFERENCES))
def test_only_the_loader_sees_cross_references(mutation: Mutation) -> None:
    doc = copy.deepcopy(yaml.safe_load(STACKS["dev"].read_text()))
    mutation(doc)
    VALIDATOR.validate(doc)
    with pytest.raises(SpecError):
        load_spec_text(yaml.safe_dump(doc), "dev.yaml")
