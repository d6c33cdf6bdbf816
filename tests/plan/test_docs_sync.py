"""docs/plan-format.md documents every risk code, table row and JSON key the code has."""

from __future__ import annotations

import json

from conftest import ROOT
from synthetic import KUST, obj, plan_of

from fluxform.diff import KIND_RANK, LIST_KEYS, SET_LISTS
from fluxform.replacement import FORCES_REPLACEMENT
from fluxform.report import render
from fluxform.risk import CODES

DOC = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")


def test_every_risk_code_is_documented() -> None:
    for code in CODES:
        assert f"| `{code}` |" in DOC, code


def test_every_table_row_is_documented() -> None:
    for type_, rules in FORCES_REPLACEMENT.items():
        assert type_.rsplit(":", 1)[-1] in DOC, type_
        for rule in rules:
            for path in rule.paths:
                assert f"`{path}`" in DOC, (type_, path)
            if rule.unless_mutable:
                assert f"`{rule.unless_mutable}`" in DOC
    for field in [*LIST_KEYS, *SET_LISTS]:
        assert f"`{field}`" in DOC, field
    for kind in KIND_RANK:
        assert kind in DOC, kind


def test_every_json_key_is_documented() -> None:
    doc = json.loads(render(plan_of([obj(KUST, "k", spec={"a": 1})], [obj(KUST, "k", spec={"a": 2})]), "json"))
    keys = set(doc) | set(doc["summary"]) | set(doc["changes"][0]) | set(doc["changes"][0]["fields"][0])
    for key in keys:
        assert f"`{key}`" in DOC, key
