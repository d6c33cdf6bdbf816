"""Golden plans (text, markdown, JSON) for synthetic scenario pairs, plus what each must show.

Refresh with FLUXFORM_UPDATE_GOLDEN=1 after an intended output change, and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_golden
from golden_cases import CASES
from synthetic import plan_of

from fluxform.plan import Op, Plan
from fluxform.report import render

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}


def build(name: str) -> tuple[Plan, int]:
    before, after, findings, limit = CASES[name]()
    return plan_of(before, after, findings, baseline="synthetic"), limit


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
@pytest.mark.parametrize("name", sorted(CASES))
def test_synthetic_golden(name: str, fmt: str) -> None:
    plan, limit = build(name)
    out = render(plan, fmt, max_chars=limit)
    assert out == render(build(name)[0], fmt, max_chars=limit)
    assert len(out) <= limit or fmt != "markdown"
    assert_golden(GOLDEN / f"{name}.{SUFFIX[fmt]}", out)


def changed(name: str) -> dict[str, Op]:
    return {c.name: c.op for c in build(name)[0].changes if c.op is not Op.NOOP}


def test_lists_case_shows_only_real_changes() -> None:
    plan, _ = build("synthetic-lists")
    assert changed("synthetic-lists") == {"web": Op.UPDATE, "reader": Op.UPDATE}
    paths = [f.path_text for c in plan.changes for f in c.fields]
    assert paths == ["rules[0]", "spec.template.spec.containers[name=app].env[name=MODE].value"]


def test_secrets_case() -> None:
    assert changed("synthetic-secrets") == {"webhook": Op.UPDATE, "web": Op.UPDATE, "new-creds": Op.CREATE}
    text = render(build("synthetic-secrets")[0], "text")
    assert "OLD" not in text and "NEW" not in text and "(sensitive value)" in text
    assert "(known after apply)" in text and "-       replicas: 2" in text


def test_risks_case_has_every_code() -> None:
    from fluxform.risk import CODES
    assert {r.code for _, r in build("synthetic-risks")[0].risks} == set(CODES)


def test_budget_case_is_cut_along_meaning() -> None:
    plan, limit = build("synthetic-budget")
    md = render(plan, "markdown", max_chars=limit)
    assert len(md) <= limit and "more deletions (see the JSON plan artifact)" in md
    assert "Details of" in md and "R-PRUNE-ON" in md
