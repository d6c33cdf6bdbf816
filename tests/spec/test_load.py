"""Loading the example stacks, the published schema, the CLI, and a mutation property."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxform.cli import cli
from fluxform.errors import SpecError
from fluxform.spec import load_spec, load_spec_bytes
from fluxform.spec.schema import json_schema

ROOT = Path(__file__).parents[2]
STACKS = {name: ROOT / "stacks" / f"{name}.yaml" for name in ("dev", "prod")}


def test_example_stacks_load_with_the_declared_shape() -> None:
    dev, prod = load_spec(STACKS["dev"]), load_spec(STACKS["prod"])
    assert [t.name for t in dev.tenants] == ["team-a", "team-b"]
    assert dev.tenants[0].depends_on == ("infra-configs",)
    assert dev.layers[1].depends_on == ("infra-controllers",)
    assert dev.fleet.deploy_key.algorithm == "ed25519" and dev.fleet.image_automation
    assert prod.helm_releases[0].values == {"controller": {"metrics": {"enabled": True}, "replicaCount": 3}}
    assert prod.is_production and not dev.is_production
    assert dict(prod.tenants[0].quota.hard if prod.tenants[0].quota else ()) == {
        "pods": "100", "requests.cpu": "16", "requests.memory": "32Gi"}
    assert dict(prod.policy.severities) == {"FF010": "error"}


def test_loading_is_deterministic() -> None:
    assert load_spec(STACKS["prod"]) == load_spec(STACKS["prod"])


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((ROOT / "schema" / "fluxform-spec.schema.json").read_text())
    assert committed == json_schema()


@pytest.mark.parametrize("name", sorted(STACKS))
def test_schema_accepts_example_stacks(name: str) -> None:
    jsonschema.validate(yaml.safe_load(STACKS[name].read_text()), json_schema())


@pytest.mark.parametrize("mutation", [
    lambda d: d.pop("fleet"),
    lambda d: d["cluster"].update(extra=1),
    lambda d: d["layers"][0].update(interval="soon"),
    lambda d: d["flux"].update(delivery="helm"),
], ids=["missing-fleet", "unknown-key", "bad-duration", "bad-enum"])
def test_schema_rejects_bad_specs(mutation: object) -> None:
    doc = yaml.safe_load(STACKS["dev"].read_text())
    mutation(doc)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, json_schema())


def test_cli_validate_ok_and_bad(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(STACKS["dev"])])
    assert ok.exit_code == 0 and "ok:" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncluster: 3\n")
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code != 0 and isinstance(result.exception, SpecError)


def test_cli_schema_prints_the_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output) == json_schema()


VALID = STACKS["prod"].read_bytes()
mutations = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, len(VALID))),
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID)), st.binary(min_size=1, max_size=12)),
    st.tuples(st.just("delete-line"), st.integers(0, VALID.count(b"\n"))),
    st.tuples(st.just("duplicate-line"), st.integers(0, VALID.count(b"\n"))),
)


def mutate(raw: bytes, op: tuple[object, ...]) -> bytes:
    kind = op[0]
    lines = raw.split(b"\n")
    if kind == "truncate":
        return raw[: int(op[1])]  # type: ignore[call-overload]
    if kind == "flip":
        i = int(op[1])  # type: ignore[call-overload]
        return raw[:i] + bytes([int(op[2])]) + raw[i + 1:]  # type: ignore[call-overload]
    if kind == "insert":
        i = int(op[1])  # type: ignore[call-overload]
        return raw[:i] + bytes(op[2]) + raw[i:]  # type: ignore[arg-type]
    i = min(int(op[1]), len(lines) - 1)  # type: ignore[call-overload]
    if kind == "delete-line":
        return b"\n".join(lines[:i] + lines[i + 1:])
    return b"\n".join(lines[: i + 1] + lines[i:])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutations, min_size=1, max_size=3))
def test_mutations_load_or_raise_spec_error(ops: list[tuple[object, ...]]) -> None:
    raw = VALID
    for op in ops:
        raw = mutate(raw, op)
    try:
        load_spec_bytes(raw, "prod.yaml")
    except SpecError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("prod.yaml")
