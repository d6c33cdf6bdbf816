"""The overlay JSON Schema (schema/fluxform-overlay.schema.json): committed copy up to date,
valid draft 2020-12, accepts every overlay and base in the repository and every part of a
valid spec, rejects what one file can already be wrong about, and never rejects an overlay
that fluxform accepts (the loader and the merge are the authority; the reverse, the schema
passing what the merged spec then fails, is expected: one file cannot see its base).
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import assert_golden, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxform.errors import SpecError
from fluxform.spec import load_spec
from fluxform.spec.fields import SPEC
from fluxform.spec.kinds import Kind, Obj, Seq
from fluxform.spec.loader import parse
from fluxform.spec.overlay import EXTENDS, REMOVE, keyed_by_name, resolve
from fluxform.spec.schema import json_schema, overlay_json_schema, schema_text

ROOT = Path(__file__).parents[2]
COMMITTED = ROOT / "schema" / "fluxform-overlay.schema.json"
OVERLAY = jsonschema.Draft202012Validator(overlay_json_schema())
FULL = jsonschema.Draft202012Validator(json_schema())
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def spec_files() -> list[Path]:
    return sorted([*(ROOT / "stacks").glob("*.yaml"), *(ROOT / "examples").rglob("*.yaml")])


def is_spec(path: Path) -> bool:
    data = read(path)
    return isinstance(data, dict) and ("version" in data or EXTENDS in data)


OVERLAYS = [p for p in spec_files() if is_spec(p) and EXTENDS in read(p)]
BASES = sorted({(p.parent / read(p)[EXTENDS]).resolve() for p in OVERLAYS})
COMPLETE = [p for p in spec_files() if is_spec(p) and p not in OVERLAYS and p.resolve() not in BASES]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def resolved(path: Path) -> dict[str, Any]:
    doc = resolve(parse(path.read_bytes(), str(path)), str(path.parent))
    value: dict[str, Any] = doc.value
    return value


# --- the committed file ------------------------------------------------------------------------

def test_committed_overlay_schema_is_the_generated_one() -> None:
    """FLUXFORM_UPDATE_GOLDEN=1 (or `fluxform schema --overlay > ...`) rewrites it."""
    assert_golden(COMMITTED, schema_text(overlay_json_schema()))
    assert json.loads(COMMITTED.read_text()) == overlay_json_schema()


@pytest.mark.parametrize("argv", [["--overlay"], []], ids=["overlay", "full"])
def test_the_cli_prints_the_committed_schemas(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    committed = ROOT / "schema" / ("fluxform-overlay.schema.json" if argv else "fluxform-spec.schema.json")
    code, out, _ = run_cli(capsys, "schema", *argv)
    assert code == 0 and out == committed.read_text(encoding="utf-8")


def test_overlay_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(overlay_json_schema())
    assert overlay_json_schema()["$id"] != json_schema()["$id"]
    assert "required" not in overlay_json_schema()  # a base that extends nothing uses it too


def test_the_repository_has_overlays_bases_and_complete_specs() -> None:
    assert {rel(p) for p in OVERLAYS} >= {"examples/multi-tenancy/specs/staging.yaml",
                                          "examples/multi-tenancy/specs/production.yaml"}
    assert {str(p.relative_to(ROOT.resolve())) for p in BASES} >= {"examples/multi-tenancy/specs/base.yaml"}
    assert {rel(p) for p in COMPLETE} >= {"stacks/dev.yaml", "stacks/prod.yaml"}


# --- the repository's specs --------------------------------------------------------------------

@pytest.mark.parametrize("path", [*OVERLAYS, *BASES], ids=lambda p: p.name)
def test_overlays_and_bases_validate_against_the_overlay_schema(path: Path) -> None:
    OVERLAY.validate(read(path))


@pytest.mark.parametrize("path", OVERLAYS, ids=rel)
def test_an_overlay_is_not_a_complete_spec_but_its_merge_is(path: Path) -> None:
    load_spec(path)  # fluxform accepts it ...
    assert not FULL.is_valid(read(path))  # ... which is why the overlay schema exists
    FULL.validate(resolved(path))


@pytest.mark.parametrize("path", COMPLETE, ids=rel)
def test_complete_specs_validate_against_the_full_schema(path: Path) -> None:
    load_spec(path)
    FULL.validate(read(path))
    OVERLAY.validate(read(path))


@pytest.mark.parametrize("path", [*OVERLAYS, *BASES, *COMPLETE], ids=lambda p: p.name)
def test_every_spec_points_editors_at_its_schema(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    target = (path.parent / first[len(prefix):]).resolve()
    assert target == (COMMITTED if path in OVERLAYS or path.resolve() in BASES
                      else ROOT / "schema" / "fluxform-spec.schema.json")


# --- every part of a valid spec is a valid overlay -------------------------------------------

CORPUS = [read(p) for p in COMPLETE] + [resolved(p) for p in OVERLAYS]


def child(kind: Kind | None, key: str) -> Kind | None:
    spec = kind.fields.get(key) if isinstance(kind, Obj) else None
    return spec.kind if spec is not None else None


def choices(draw: st.DrawFn, removals: bool) -> list[str]:
    """How much of a spec an example keeps: some drop most keys, some reach deep."""
    kept = draw(st.sampled_from([1, 4, 20]))
    return ["keep"] * kept + ["drop"] + (["remove"] if removals else [])


def part(draw: st.DrawFn, value: Any, choices: list[str], kind: Kind | None = SPEC) -> Any:
    """`value` with keys (and list items) dropped at every depth; with "remove" among the
    `choices`, some keys replaced by `{$remove: true}` and some named items by
    `{name: x, $remove: true}`. An item of a named list keeps its name: that is what it merges
    by. `kind` is the field table's kind of `value` (which lists are keyed by name)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            choice = draw(st.sampled_from(choices))
            if choice == "keep":
                out[key] = part(draw, item, choices, child(kind, key))
            elif choice == "remove":
                out[key] = {REMOVE: True}
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            choice = draw(st.sampled_from(choices))
            if choice == "drop":
                continue
            item_kind = kind.item if isinstance(kind, Seq) else None
            if keyed_by_name(kind):
                items.append({"name": item["name"], REMOVE: True} if choice == "remove"
                             else {**part(draw, item, choices, item_kind), "name": item["name"]})
            else:
                items.append(part(draw, item, choices, item_kind) if isinstance(item, dict) else item)
        return items
    return value


@st.composite
def overlays(draw: st.DrawFn, removals: bool) -> dict[str, Any]:
    spec = copy.deepcopy(draw(st.sampled_from(CORPUS)))
    return {EXTENDS: draw(st.sampled_from(["base.yaml", "../common/base.yaml", " b.yaml"])),
            **part(draw, spec, choices(draw, removals))}


@SETTINGS
@given(overlays(removals=False))
def test_any_part_of_a_valid_spec_plus_extends_is_a_valid_overlay(doc: dict[str, Any]) -> None:
    OVERLAY.validate(doc)


@SETTINGS
@given(overlays(removals=True))
def test_removals_anywhere_in_a_part_are_a_valid_overlay(doc: dict[str, Any]) -> None:
    OVERLAY.validate(doc)


# --- what fluxform accepts, the schema accepts -----------------------------------------------

def merges(base: Any, overlay: dict[str, Any]) -> bool:
    """Whether fluxform loads `overlay` over `base` (one-line SpecError otherwise)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
        (Path(tmp) / "env.yaml").write_text(yaml.safe_dump(overlay, sort_keys=False))
        try:
            load_spec(Path(tmp) / "env.yaml", display="env.yaml")
        except SpecError as exc:
            assert "\n" not in str(exc)
            return False
    return True


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Any, dict[str, Any]]:
    base = draw(st.sampled_from(CORPUS))
    over = draw(st.sampled_from([base, *CORPUS]))
    kept = draw(st.sampled_from([2, 20, 200]))  # mostly kept, so that many of the merges load
    return base, {EXTENDS: "base.yaml", **part(draw, copy.deepcopy(over), ["keep"] * kept + ["drop", "remove"])}


@SETTINGS
@given(pairs())
def test_an_overlay_fluxform_accepts_passes_the_schema(pair: tuple[Any, dict[str, Any]]) -> None:
    base, overlay = pair
    if merges(base, overlay):
        OVERLAY.validate(overlay)


DEV = read(ROOT / "stacks" / "dev.yaml")
LAYER = DEV["layers"][0]["name"]
TENANT = DEV["tenants"][0]["name"]
RECEIVER = DEV["notifications"]["receivers"][0]["name"]
RESOURCE = DEV["notifications"]["receivers"][0]["resources"][0]["name"]
ALERT = DEV["notifications"]["alerts"][0]["name"]

# The overlays of the repository's overlay tests (tests/tenants, tests/hardening) and more that
# only the merge decides: each loads over its base, so the schema must pass it.
TENANT_BASE = """\
version: 1
cluster: {name: c1, environment: dev, context: ctx}
flux: {chart_version: "2.17.2"}
fleet: {owner: acme, repository: fleet, path: ./clusters/c1}
layers: [{name: infra, path: ./infra}]
tenants:
  - {name: a, source: {owner: acme, repository: a}}
  - {name: b, source: {owner: acme, repository: b}, quota: {pods: "5"}}
"""
ACCEPTED: dict[str, tuple[str, str]] = {
    "tenants-merge-remove-add": (TENANT_BASE, """\
extends: base.yaml
cluster: {name: c2}
tenants:
  - {name: a, $remove: true}
  - name: b
    source: {path: ./b}
  - {name: c, source: {owner: acme, repository: c}}
"""),
    "one-key": (TENANT_BASE, "extends: base.yaml\ncluster: {name: c2}\n"),
    "dev-as-base": (yaml.safe_dump(DEV), "extends: base.yaml\ncluster:\n  name: overlay\n"),
    "swap-context-for-kubeconfig": (yaml.safe_dump(DEV),
                                    "extends: base.yaml\ncluster: {context: {$remove: true}, kubeconfig: ./kc}\n"),
    "remove-a-quota-entry": (TENANT_BASE, "extends: base.yaml\ntenants:\n  - {name: b, quota: {pods: {$remove: true}}}\n"),
    "remove-a-whole-key": (yaml.safe_dump(DEV), "extends: base.yaml\nnotifications: {$remove: true}\n"),
    "remove-a-named-item": (yaml.safe_dump(DEV), f"extends: base.yaml\ntenants: [{{name: {TENANT}, $remove: true}}]\n"),
    "extend-without-required-keys": (TENANT_BASE, "extends: base.yaml\nlayers: [{name: infra, interval: 1h}]\n"),
    # Object references are not keyed by name: the overlay's list replaces the base's whole.
    "object-refs-replace-whole": (yaml.safe_dump(DEV), f"extends: base.yaml\nnotifications: {{receivers: [{{name: {RECEIVER}, "
                                  f"resources: [{{kind: GitRepository, name: {RESOURCE}, namespace: flux-system}}]}}]}}\n"),
    "wildcard-refs-twice": (yaml.safe_dump(DEV), f"extends: base.yaml\nnotifications: {{alerts: [{{name: {ALERT}, sources: "
                            "[{kind: Kustomization, name: '*'}, {kind: GitRepository, name: '*'}]}]}\n"),
}


@pytest.mark.parametrize(("base", "overlay"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_the_overlays_fluxform_accepts_pass_the_schema(base: str, overlay: str) -> None:
    assert merges(yaml.safe_load(base), yaml.safe_load(overlay))
    OVERLAY.validate(yaml.safe_load(overlay))


def test_object_references_replace_the_base_list_whole() -> None:
    """`name: "*"` twice (two kinds) is a valid reference list; merging it by name refused it as
    listed twice, and a single wildcard silently rewrote every base entry of that name."""
    overlay = yaml.safe_load(ACCEPTED["wildcard-refs-twice"][1])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "base.yaml").write_text(yaml.safe_dump(DEV, sort_keys=False))
        (Path(tmp) / "env.yaml").write_text(yaml.safe_dump(overlay, sort_keys=False))
        spec = load_spec(Path(tmp) / "env.yaml", display="env.yaml")
    alert = next(a for a in spec.notifications.alerts if a.name == ALERT)
    assert [(s.kind, s.name) for s in alert.sources] == [("Kustomization", "*"), ("GitRepository", "*")]


# --- what one file can be wrong about ----------------------------------------------------------

REJECTED: dict[str, str] = {
    "wrong-type": "cluster: {name: 5}\n",
    "list-as-mapping": f"layers: {{name: {LAYER}}}\n",
    "unknown-key": "cluster: {enviroment: dev}\n",
    "unknown-top-key": "clusters: {name: x}\n",
    "bad-enum": "flux: {delivery: helm}\n",
    "bad-pattern": f"layers: [{{name: {LAYER}, interval: soon}}]\n",
    "reserved-name": "tenants: [{name: kube-system, interval: 5m}]\n",
    "remove-on-a-scalar-list": f"layers: [{{name: {LAYER}, depends_on: [{{name: x, $remove: true}}]}}]\n",
    "remove-an-object-ref": f"notifications: {{receivers: [{{name: {RECEIVER}, resources: [{{name: {RESOURCE}, $remove: true}}]}}]}}\n",
    "remove-on-an-unnamed-list": f"layers: [{{name: {LAYER}, patches: [{{name: x, $remove: true}}]}}]\n",
    "remove-false": "cluster: {context: {$remove: false}}\n",
    "remove-with-a-value": "cluster: {context: {$remove: true, value: x}}\n",
    "remove-item-with-more-keys": f"tenants: [{{name: {TENANT}, $remove: true, prune: false}}]\n",
    "remove-item-without-a-name": "tenants: [{$remove: true}]\n",
    "remove-the-name": "tenants: [{name: {$remove: true}}]\n",
    "name-not-a-string": "tenants: [{name: [a]}]\n",
    "both-of-one-of": "cluster: {context: x, kubeconfig: ./kc}\n",
    "forbidden-by-type": f"tenants: [{{name: {TENANT}, source: {{type: oci, url: 'oci://r/a', tag: v1, branch: main}}}}]\n",
}


@pytest.mark.parametrize("body", list(REJECTED.values()), ids=list(REJECTED))
def test_schema_and_fluxform_both_reject(body: str) -> None:
    overlay = yaml.safe_load("extends: base.yaml\n" + body)
    with pytest.raises(jsonschema.ValidationError):
        OVERLAY.validate(overlay)
    assert not merges(DEV, overlay)


@pytest.mark.parametrize("target", ["/etc/base.yaml", "", "   ", 1, ["base.yaml"], None])
def test_extends_is_a_relative_file_name(target: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        OVERLAY.validate({EXTENDS: target})
    assert not merges(DEV, {EXTENDS: target, "cluster": {"name": "x"}})


# --- fluxform validate on an overlay -----------------------------------------------------------

def test_validate_resolves_the_chain_and_names_the_file_of_each_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "base.yaml").write_text(TENANT_BASE)
    (tmp_path / "mid.yaml").write_text("extends: common/base.yaml\nlayers: [{name: infra, interval: 1h}]\n")
    (tmp_path / "env.yaml").write_text("extends: mid.yaml\ncluster: {name: c2}\n")
    assert run_cli(capsys, "validate", "env.yaml") == (0, "ok: env.yaml\n", "")

    (tmp_path / "common" / "base.yaml").write_text(TENANT_BASE.replace('pods: "5"', "pods: lots"))
    code, out, err = run_cli(capsys, "validate", "env.yaml")
    assert (code, out) == (1, "")
    assert err.startswith("error: common/base.yaml:8: tenants[1].quota.pods: ") and err.count("\n") == 1

    (tmp_path / "common" / "base.yaml").write_text(TENANT_BASE)
    (tmp_path / "mid.yaml").write_text("extends: common/base.yaml\nlayers: [{name: infra, interval: soon}]\n")
    code, out, err = run_cli(capsys, "validate", "env.yaml")
    assert err.startswith("error: mid.yaml:2: layers[0].interval: ") and err.count("\n") == 1

    (tmp_path / "mid.yaml").write_text("extends: common/base.yaml\n")
    (tmp_path / "env.yaml").write_text("extends: mid.yaml\n\ntenants: [{name: a, interval: 1}]\n")
    code, out, err = run_cli(capsys, "validate", "env.yaml")
    assert err.startswith("error: env.yaml:3: tenants[0].interval: ") and err.count("\n") == 1
